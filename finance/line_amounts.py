"""The fee and net arithmetic of a statement line: pure functions of an order's amounts and a fee rule.

Every column is computed from Decimal amounts and rounded on its own, half-up to the currency's minor
unit (whole dong for VND, cents for USD), once, at the line. Totals are sums of rounded line amounts,
so a statement always equals the sum of its lines to the last dong. Deductions are negative.

Bases:
- commission, service fee and withheld taxes: the merchandise value after the discounts the seller
  funds (promotion discount and loyalty points), i.e. what the buyer paid for the goods;
- payment fee: everything the buyer paid (goods and shipping);
- fixed fee: a flat amount per order.
A refund gives back, on the refunded amount, the commission, service fee and withheld taxes (never
more than the sale took); the payment fee and the fixed fee are not given back (the gateway keeps
them).
"""

from dataclasses import dataclass, fields
from decimal import Decimal

from sellercenter.money import ZERO, money_round

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Rates:
    """The percentages and fixed fee that apply to one order (0 everywhere when the shop has no rule)."""

    commission: Decimal = ZERO
    service_fee: Decimal = ZERO
    payment_fee: Decimal = ZERO
    fixed_fee: Decimal = ZERO
    vat: Decimal = ZERO
    pit: Decimal = ZERO


@dataclass(frozen=True)
class OrderAmounts:
    """What finance reads of an order, all in the order's currency."""

    currency: str
    subtotal: Decimal
    discount_total: Decimal
    shipping_fee: Decimal
    shipping_discount: Decimal
    points_discount: Decimal

    @property
    def merchandise_paid(self) -> Decimal:
        return self.subtotal - self.discount_total - self.points_discount

    @property
    def buyer_paid(self) -> Decimal:
        return self.merchandise_paid + self.shipping_fee - self.shipping_discount


@dataclass(frozen=True)
class LineAmounts:
    """The amount columns of a statement line (signed: deductions negative)."""

    gross: Decimal = ZERO
    seller_discount: Decimal = ZERO
    shipping_charged: Decimal = ZERO
    shipping_cost: Decimal = ZERO
    commission: Decimal = ZERO
    payment_fee: Decimal = ZERO
    service_fee: Decimal = ZERO
    fixed_fee: Decimal = ZERO
    refund: Decimal = ZERO
    adjustment: Decimal = ZERO
    vat_withheld: Decimal = ZERO
    pit_withheld: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return sum((getattr(self, f.name) for f in fields(self)), ZERO)

    def as_dict(self) -> dict[str, Decimal]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"net": self.net}


def percent_of(base: Decimal, rate: Decimal, currency: str) -> Decimal:
    """`rate` % of `base`, rounded half-up to the currency's minor unit."""
    return money_round(base * rate / HUNDRED, currency)


def sale_amounts(order: OrderAmounts, rates: Rates) -> LineAmounts:
    """The sale line of a delivered order.

    The seller-funded discounts are the promotion discount, the shipping discount and the points;
    shipping charged to the buyer is the shipping fee before its discount, and it is what the carrier
    bills (shipping cost), so gross - discounts + shipping charged is exactly what the buyer paid."""
    currency = order.currency
    base = order.merchandise_paid
    return LineAmounts(
        gross=order.subtotal,
        seller_discount=-(order.discount_total + order.shipping_discount + order.points_discount),
        shipping_charged=order.shipping_fee,
        shipping_cost=-order.shipping_fee,
        commission=-percent_of(base, rates.commission, currency),
        payment_fee=-percent_of(order.buyer_paid, rates.payment_fee, currency),
        service_fee=-percent_of(base, rates.service_fee, currency),
        fixed_fee=-money_round(rates.fixed_fee, currency),
        vat_withheld=-percent_of(base, rates.vat, currency),
        pit_withheld=-percent_of(base, rates.pit, currency),
    )


def _give_back(amount: Decimal, rate: Decimal, currency: str, taken: Decimal, given_back: Decimal) -> Decimal:
    """The part of a deduction returned with a refund: `rate` % of it, never more than what is left of
    what the sale took (`taken` is negative, `given_back` the positive sum already returned)."""
    left = -taken - given_back
    return max(min(percent_of(amount, rate, currency), left), ZERO)


def refund_amounts(
    *, amount: Decimal, currency: str, rates: Rates, sale: LineAmounts, earlier: LineAmounts
) -> LineAmounts:
    """The refund line for `amount` given back to the buyer. `sale` is the order's sale line and
    `earlier` the sum of its earlier refund lines, so that returns never give back more than was taken."""

    def back(rate: Decimal, column: str) -> Decimal:
        return _give_back(amount, rate, currency, getattr(sale, column), getattr(earlier, column))

    return LineAmounts(
        refund=-money_round(amount, currency),
        commission=back(rates.commission, "commission"),
        service_fee=back(rates.service_fee, "service_fee"),
        vat_withheld=back(rates.vat, "vat_withheld"),
        pit_withheld=back(rates.pit, "pit_withheld"),
    )


def adjustment_amounts(*, amount: Decimal) -> LineAmounts:
    return LineAmounts(adjustment=amount)


def channel_fee_amounts(*, fees: dict[str, Decimal], currency: str) -> LineAmounts:
    """The channel fee line: each fee a marketplace kept (by its kind: commission, fixed_fee,
    service_fee, payment_fee) as a deduction in the column of the same name."""
    return LineAmounts(**{kind: -money_round(amount, currency) for kind, amount in fees.items()})
