"""The one formatting rule of every page, list, export preview and e-mail.

- money: `1.250.000 ₫` (VND has no minor unit), through `money.money_format`;
- dates: `dd/mm/yyyy HH:MM`, in the shop's time zone (`shop_time`);
- counts: `1.234`; percentages: `12,5 %`.
Templates use the filters of `{% load sellercenter_format %}`."""

import importlib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html

from sellercenter.money import Currency, MoneyField, money_format

DATE = "%d/%m/%Y"
DATETIME = "%d/%m/%Y %H:%M"


def format_money(amount, currency: str = Currency.VND) -> str:
    if amount in (None, ""):
        return "–"
    return money_format(amount, currency)


def format_date(value: date | datetime | None, tz=None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = timezone.localtime(value, tz) if timezone.is_aware(value) else value
    return value.strftime(DATE)


def format_datetime(value: datetime | None, tz=None) -> str:
    """dd/mm/yyyy HH:MM in `tz` (default: the active time zone, the shop's under `shop_time`)."""
    if value is None:
        return "–"
    if timezone.is_aware(value):
        value = timezone.localtime(value, tz)
    return value.strftime(DATETIME)


def format_count(value) -> str:
    if value is None:
        return "–"
    return number_format(int(value), decimal_pos=0, use_l10n=True, force_grouping=True)


def format_decimal(value, places: int = 1) -> str:
    if value is None:
        return "–"
    return number_format(Decimal(value), decimal_pos=places, use_l10n=True, force_grouping=True)


def format_percent(value, places: int = 1) -> str:
    return "–" if value is None else f"{format_decimal(value, places)} %"


def format_figure(value, unit: str, currency: str = Currency.VND) -> str:
    """A home figure by its unit: money, count, percent, hours or ratio."""
    if value is None:
        return "–"
    if unit == "money":
        return format_money(value, currency)
    if unit == "count":
        return format_count(value)
    if unit == "percent":
        return format_percent(value)
    if unit == "hours":
        return f"{format_decimal(value)} h"
    return format_decimal(value, 2)


@contextmanager
def shop_time(shop):
    """Render in the shop's time zone."""
    with timezone.override(shop.tzinfo):
        yield


# --- The admin: every list, page and inline -------------------------------------------------------

_currency: ContextVar[str] = ContextVar("sellercenter_currency", default=Currency.VND)


def current_currency() -> str:
    """The currency of the shop the request works in (VND unless the middleware says otherwise)."""
    return _currency.get()


def _money_aware(display):
    """Wrap an admin `display_for_field` so that a MoneyField reads `1.250.000 ₫`, not `1250000,00`."""

    def display_for_field(value, field, empty_value_display, *args, **kwargs):
        if isinstance(field, MoneyField) and value not in (None, "") and not getattr(field, "choices", None):
            return format_html('<span class="sc-nowrap">{}</span>', format_money(value, current_currency()))
        return display(value, field, empty_value_display, *args, **kwargs)

    display_for_field.wrapped = display
    return display_for_field


# The modules that render a model field's value on a changelist, a change page or an inline.
ADMIN_DISPLAY_MODULES = (
    "django.contrib.admin.helpers",
    "django.contrib.admin.templatetags.admin_list",
    "unfold.fields",
    "unfold.templatetags.unfold_list",
    "unfold.sections",
)


def install_admin_money_display() -> None:
    """Called once from the kernel's AppConfig.ready: Django and the theme format decimals by the
    field's decimal places; money follows the shop's currency instead."""
    for name in ADMIN_DISPLAY_MODULES:
        module = importlib.import_module(name)
        current = getattr(module, "display_for_field", None)
        if current is not None and not hasattr(current, "wrapped"):
            module.display_for_field = _money_aware(current)


class ShopLocaleMiddleware:
    """For a staff member of one shop, render the request in that shop's time zone and currency."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        shop = self._only_shop(request)
        if shop is None:
            return self.get_response(request)
        token = _currency.set(shop.currency)
        try:
            with timezone.override(shop.tzinfo):
                return self.get_response(request)
        finally:
            _currency.reset(token)

    @staticmethod
    def _only_shop(request):
        from sellercenter.selectors import shops_for_user

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff or user.is_superuser:
            return None
        shops = list(shops_for_user(user)[:2])
        return shops[0] if len(shops) == 1 else None
