from decimal import Decimal

import pytest

from sellercenter.money import money_format, money_round


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1250.5", "VND", Decimal("1251")),
        ("1250.49", "VND", Decimal("1250")),
        ("-1250.5", "VND", Decimal("-1251")),
        ("0.5", "VND", Decimal("1")),
        ("10.005", "USD", Decimal("10.01")),
        ("10.004", "USD", Decimal("10.00")),
        (1250000, "VND", Decimal("1250000")),
    ],
)
def test_money_round_is_half_up_to_the_currency_unit(amount, currency, expected):
    assert money_round(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1250000"), "VND", "1.250.000 ₫"),
        (Decimal("999.6"), "VND", "1.000 ₫"),
        (Decimal("-35000"), "VND", "-35.000 ₫"),
        (Decimal("0"), "VND", "0 ₫"),
        (Decimal("1250.5"), "USD", "$1,250.50"),
    ],
)
def test_money_format(amount, currency, expected):
    assert money_format(amount, currency) == expected


def test_floats_are_refused():
    with pytest.raises(TypeError, match="float"):
        money_round(0.1 + 0.2)


def test_garbage_is_refused():
    with pytest.raises(ValueError, match="not an amount"):
        money_round("mười nghìn")
