"""The fee and net arithmetic, as a table: Decimal in, every column rounded half-up per currency."""

from decimal import Decimal

import pytest

from finance.line_amounts import LineAmounts, OrderAmounts, Rates, percent_of, refund_amounts, sale_amounts

D = Decimal
SHOP_RATES = Rates(
    commission=D("4"), service_fee=D("1"), payment_fee=D("2"), fixed_fee=D("1000"), vat=D("1"), pit=D("0.5")
)


def order(currency="VND", subtotal="0", discount="0", shipping="0", shipping_discount="0", points="0"):
    return OrderAmounts(
        currency=currency,
        subtotal=D(subtotal),
        discount_total=D(discount),
        shipping_fee=D(shipping),
        shipping_discount=D(shipping_discount),
        points_discount=D(points),
    )


# (order, rates, expected columns). Base for commission, service fee and taxes: merchandise after the
# seller's discounts; base for the payment fee: everything the buyer paid.
TABLE = [
    pytest.param(
        order(subtotal="150000", shipping="30000"),
        SHOP_RATES,
        {
            "gross": "150000",
            "seller_discount": "0",
            "shipping_charged": "30000",
            "shipping_cost": "-30000",
            "commission": "-6000",
            "payment_fee": "-3600",
            "service_fee": "-1500",
            "fixed_fee": "-1000",
            "vat_withheld": "-1500",
            "pit_withheld": "-750",
            "net": "135650",
        },
        id="plain order",
    ),
    pytest.param(
        order(subtotal="299000", discount="29900", shipping="25000", shipping_discount="25000", points="10000"),
        SHOP_RATES,
        {
            # base 259100; buyer paid 259100
            "gross": "299000",
            "seller_discount": "-64900",
            "shipping_charged": "25000",
            "shipping_cost": "-25000",
            "commission": "-10364",
            "payment_fee": "-5182",
            "service_fee": "-2591",
            "fixed_fee": "-1000",
            "vat_withheld": "-2591",
            "pit_withheld": "-1296",
            "net": "211076",
        },
        id="seller discounts, free shipping and points",
    ),
    pytest.param(
        order(subtotal="12345"),
        Rates(commission=D("4"), pit=D("0.5")),
        # 493.8 -> 494; 61.725 -> 62 (half-up at the line)
        {"commission": "-494", "pit_withheld": "-62", "net": "11789"},
        id="VND rounds half-up to whole dong",
    ),
    pytest.param(
        order(subtotal="100"),
        Rates(commission=D("0.5")),
        # 0.5 dong exactly: half-up gives 1
        {"commission": "-1", "net": "99"},
        id="half a dong rounds up",
    ),
    pytest.param(
        order(currency="USD", subtotal="19.99", shipping="4.99"),
        Rates(commission=D("4"), payment_fee=D("2.9"), fixed_fee=D("0.30")),
        # 0.7996 -> 0.80; 24.98 * 2.9 % = 0.72442 -> 0.72
        {"commission": "-0.80", "payment_fee": "-0.72", "fixed_fee": "-0.30", "net": "18.17"},
        id="USD rounds to cents",
    ),
    pytest.param(
        order(subtotal="150000"),
        Rates(),
        {"commission": "0", "fixed_fee": "0", "net": "150000"},
        id="no fee rule",
    ),
]


@pytest.mark.parametrize(("amounts", "rates", "expected"), TABLE)
def test_sale_line_columns(amounts, rates, expected):
    line = sale_amounts(amounts, rates).as_dict()

    for column, value in expected.items():
        assert line[column] == D(value), column
        assert isinstance(line[column], Decimal)


@pytest.mark.parametrize("amounts", [param.values[0] for param in TABLE])
def test_net_is_the_sum_of_the_columns_and_gross_less_discounts_plus_shipping_is_what_the_buyer_paid(amounts):
    line = sale_amounts(amounts, SHOP_RATES)

    assert line.net == sum(v for k, v in line.as_dict().items() if k != "net")
    assert line.gross + line.seller_discount + line.shipping_charged == amounts.buyer_paid


def test_percent_of_never_uses_float():
    assert percent_of(D("0.1") + D("0.2"), D("100"), "USD") == D("0.30")
    with pytest.raises(TypeError):
        percent_of(0.3, D("100"), "USD")


def test_a_refund_gives_back_commission_service_fee_and_taxes_but_not_payment_or_fixed_fee():
    sale = sale_amounts(order(subtotal="150000", shipping="30000"), SHOP_RATES)

    line = refund_amounts(amount=D("50000"), currency="VND", rates=SHOP_RATES, sale=sale, earlier=LineAmounts())

    assert line.as_dict() == {
        **LineAmounts().as_dict(),
        "refund": D("-50000"),
        "commission": D("2000"),
        "service_fee": D("500"),
        "vat_withheld": D("500"),
        "pit_withheld": D("250"),
        "net": D("-46750"),
    }


def test_refunds_never_give_back_more_than_the_sale_took():
    sale = sale_amounts(order(subtotal="101"), Rates(commission=D("0.5")))  # commission -1 (0.505 -> 1)
    first = refund_amounts(
        amount=D("100"), currency="VND", rates=Rates(commission=D("0.5")), sale=sale, earlier=LineAmounts()
    )
    second = refund_amounts(amount=D("1"), currency="VND", rates=Rates(commission=D("0.5")), sale=sale, earlier=first)

    assert first.commission == D("1")  # 0.5 -> 1
    assert second.commission == D("0")  # nothing left to give back
