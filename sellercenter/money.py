"""Money: Decimal amounts next to a currency, rounded by the currency's minor unit.

No float ever touches money: amounts are `Decimal`, stored in `MoneyField`
(DecimalField(max_digits=18, decimal_places=2)), and rounded half-up at defined points.
"""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    VND = "VND", _("Vietnamese dong (₫)")
    USD = "USD", _("US dollar ($)")


# Digits after the decimal point that the currency actually uses.
MINOR_UNITS = {Currency.VND: 0, Currency.USD: 2}
SYMBOLS = {Currency.VND: "₫", Currency.USD: "$"}
ZERO = Decimal("0")


class MoneyFormField(forms.DecimalField):
    """A money input: a whole amount shows without decimals (`2000000`, not `2000000.00`): VND has
    no minor unit, and an amount in another currency keeps the decimals it has."""

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return super().prepare_value(value)


class MoneyField(models.DecimalField):
    """An amount of money: 18 digits, 2 decimals, whatever the currency (VND just keeps .00)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyFormField, **kwargs})


def to_decimal(value) -> Decimal:
    """Decimal from a Decimal, int or numeric string. Floats are refused: they cannot hold money."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or string")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of money") from None


def money_round(amount, currency: str = Currency.VND) -> Decimal:
    """Round half-up to the currency's minor unit: 1250.5 VND -> 1251, 10.005 USD -> 10.01."""
    places = MINOR_UNITS.get(currency, 2)
    exponent = Decimal(1).scaleb(-places)
    return to_decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `amount` in proportion to `weights`, in the currency's minor unit, summing to `amount`
    exactly: each part is rounded down, and the units left go to the largest remainders."""
    total = sum(weights, ZERO)
    if not weights or total <= 0:
        return [ZERO for _weight in weights]
    unit = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    exact = [amount * weight / total for weight in weights]
    parts = [(share / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for share in exact]
    units_left = int((amount - sum(parts, ZERO)) / unit)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in by_remainder[:units_left]:
        parts[index] += unit
    return parts


def money_plain(amount, currency: str = Currency.VND) -> str:
    """The amount as a plain number for files: rounded to the currency's minor unit, so whole for VND
    (`845000`, which a spreadsheet reads as a number in any locale, also one with a decimal comma)
    and with two decimals for USD (`12.50`)."""
    return str(money_round(amount, currency))


def money_format(amount, currency: str = Currency.VND) -> str:
    """Format for people: `1.250.000 ₫` for VND (Vietnamese grouping), `$1,250.00` for USD."""
    rounded = money_round(amount, currency)
    places = MINOR_UNITS.get(currency, 2)
    sign = "-" if rounded < 0 else ""
    grouped = f"{abs(rounded):,.{places}f}"
    if currency == Currency.VND:
        # Vietnamese writes 1.250.000,5: swap the separators.
        grouped = grouped.translate(str.maketrans(",.", ".,"))
        return f"{sign}{grouped} {SYMBOLS[currency]}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{grouped}" if symbol else f"{sign}{grouped} {currency}"
