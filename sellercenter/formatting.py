"""The one formatting rule of every page, list, export preview and e-mail.

- money: `1.250.000 ₫` (VND has no minor unit), through `money.money_format`;
- dates: `dd/mm/yyyy HH:MM`, in the shop's time zone (`shop_time`);
- counts: `1.234`; percentages: `12,5 %`.
Templates use the filters of `{% load sellercenter_format %}`."""

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import number_format

from sellercenter.money import Currency, money_format

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
