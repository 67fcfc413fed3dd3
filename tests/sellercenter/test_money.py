from decimal import Decimal

import pytest

from sellercenter.money import allocate, money_format, money_round


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


@pytest.mark.parametrize(
    ("amount", "weights", "currency", "expected"),
    [
        # 100 ₫ over three equal lines: whole dong, the one left over goes to the first largest remainder.
        ("100", ["1", "1", "1"], "VND", ["34", "33", "33"]),
        ("30000", ["400000", "200000"], "VND", ["20000", "10000"]),
        ("10.00", ["1", "2"], "USD", ["3.33", "6.67"]),
        ("500", ["0", "0"], "VND", ["0", "0"]),
    ],
)
def test_allocate_splits_pro_rata_in_whole_units_and_adds_up_exactly(amount, weights, currency, expected):
    parts = allocate(Decimal(amount), [Decimal(weight) for weight in weights], currency)

    assert parts == [Decimal(part) for part in expected]
    if any(Decimal(weight) for weight in weights):
        assert sum(parts) == Decimal(amount)
