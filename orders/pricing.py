"""What a cart costs: prices from the shop's products (never from the client), the promotions quote,
the loyalty points, each line's share of every discount. Reads only.

The checkout (orders.services.checkout) prices the cart with the products it has locked, then writes
what this computed; the checkout preview prices it the same way without writing anything.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from loyalty.selectors import points_quote_redemption
from orders.models import Product
from promotions.quotes import Quote, QuoteLine, Reason, Rejection
from promotions.selectors import normalize_code, quote
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.money import ZERO, allocate


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class PricedLine:
    product: Product
    unit_price: Decimal
    quantity: int
    discount: Decimal
    points_discount: Decimal
    is_gift: bool = False

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity - self.discount - self.points_discount


@dataclass(frozen=True)
class Pricing:
    currency: str
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal
    shipping_fee: Decimal
    shipping_discount: Decimal
    points: int
    points_discount: Decimal
    points_available: int
    points_max: int
    quote: Quote
    # The gift campaigns left out because their gift cannot be given (Rejection: reason, campaign, SKU).
    gifts_dropped: list[Rejection]

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total + self.shipping_fee - self.shipping_discount - self.points_discount


def cart_products(*, lines: list[CartLine], products: dict[str, Product]) -> list[Product]:
    """The product of each line, in line order. Refuses (InvalidInput naming `lines.<i>.sku`) an
    unknown SKU, a product not for sale, and a SKU listed twice."""
    errors, seen, found = {}, set(), []
    for index, line in enumerate(lines):
        product = products.get(line.sku)
        if product is None:
            errors[f"lines.{index}.sku"] = [_("No product has the SKU %(sku)s.") % {"sku": line.sku}]
        elif not product.is_active:
            errors[f"lines.{index}.sku"] = [_("%(sku)s is not for sale.") % {"sku": line.sku}]
        elif line.sku in seen:
            errors[f"lines.{index}.sku"] = [_("List each SKU once.")]
        else:
            found.append(product)
        seen.add(line.sku)
    if errors:
        raise InvalidInput(fields=errors)
    return found


def _refuse_rejected_codes(promotion_quote: Quote, codes: list[str]) -> None:
    """A code the customer typed that does not apply is their mistake (400 naming it), except a
    campaign whose budget ran out: that is a conflict with the current state (409 naming it)."""
    positions = {normalize_code(code): index for index, code in enumerate(codes)}
    errors = {}
    for rejection in promotion_quote.rejected:
        if not rejection.code or rejection.gift_dropped:
            # An automatic campaign that does not apply is no error of the customer's; a gift that
            # cannot be given is left out and the order goes through without it.
            continue
        if rejection.reason == Reason.BUDGET_EXHAUSTED:
            raise Conflict(
                _("The promotion of code %(code)s has run out of budget.") % {"code": rejection.code},
                code="budget_exhausted",
                fields={f"voucher_codes.{positions.get(rejection.code, 0)}": [rejection.message]},
                campaign_id=rejection.campaign_id,
                voucher_code=rejection.code,
            )
        errors[f"voucher_codes.{positions.get(rejection.code, 0)}"] = [rejection.message]
    if errors:
        raise InvalidInput(fields=errors)


def _gift_lines(promotion_quote: Quote) -> list[PricedLine]:
    # Promotions hands the gifts over as products, checked for sale and in stock when quoted.
    return [
        PricedLine(gift.product, ZERO, gift.quantity, ZERO, ZERO, is_gift=True) for gift in promotion_quote.free_gifts
    ]


def _points(*, customer, amount: Decimal, points: int, quote_balance: bool) -> tuple[Decimal, int, int]:
    """(value, available, most usable) of `points` on an order of `amount`; refuses more than usable.
    Without points asked and no balance wanted, loyalty is not asked at all."""
    if customer is None or not (points or quote_balance):
        if points:
            raise InvalidInput(fields={"points": [_("Only a known customer can redeem points.")]})
        return ZERO, 0, 0
    redemption = points_quote_redemption(customer=customer, order_amount=amount, points=points)
    if points > redemption.max_points:
        raise InvalidInput(
            fields={"points": [_("At most %(max)d points can be used on this order.") % {"max": redemption.max_points}]}
        )
    return (redemption.value if points else ZERO), redemption.available_points, redemption.max_points


def cart_price(
    *,
    shop,
    lines: list[CartLine],
    products: dict[str, Product],
    customer,
    channel: str,
    voucher_codes: list[str],
    shipping_fee: Decimal,
    points: int,
    quote_balance: bool = False,
    order_ref: str = "",
) -> Pricing:
    """Price the cart with `products` (SKU -> Product of the cart's lines); free gifts' products are
    looked up as needed. `quote_balance` also reports the customer's points and how many this order
    could take (the preview shows them; the checkout needs them only when points are redeemed).
    `order_ref` names an order being edited: the cart is priced as a fresh checkout in its place
    (see promotions.selectors.quote).

    A free gift that cannot be given (no such product, not for sale, out of stock) is left out, named
    in `gifts_dropped` with its reason. Raises InvalidInput naming the field (unknown SKU, a code that
    does not apply, too many points) or Conflict (a campaign out of budget)."""
    ordered = cart_products(lines=lines, products=products)
    promotion_quote = quote(
        shop=shop,
        lines=[QuoteLine(p.sku, line.quantity, p.price) for p, line in zip(ordered, lines, strict=True)],
        customer=customer,
        channel=channel,
        codes=voucher_codes,
        shipping_fee=shipping_fee,
        order_ref=order_ref,
    )
    _refuse_rejected_codes(promotion_quote, voucher_codes)
    promo = [result.discount + result.order_discount_share for result in promotion_quote.lines]
    net = [result.subtotal - discount for result, discount in zip(promotion_quote.lines, promo, strict=True)]
    merchandise = sum(net, ZERO)
    points_value, available, most = _points(
        customer=customer, amount=merchandise, points=points, quote_balance=quote_balance
    )
    points_parts = allocate(points_value, net, shop.currency)
    priced = [
        PricedLine(product, product.price, line.quantity, discount, points_part)
        for product, line, discount, points_part in zip(ordered, lines, promo, points_parts, strict=True)
    ]
    return Pricing(
        currency=shop.currency,
        lines=priced + _gift_lines(promotion_quote),
        gifts_dropped=[r for r in promotion_quote.rejected if r.gift_dropped],
        subtotal=promotion_quote.subtotal,
        discount_total=sum(promo, ZERO),
        shipping_fee=promotion_quote.shipping_fee,
        shipping_discount=promotion_quote.shipping_discount,
        points=points,
        points_discount=points_value,
        points_available=available,
        points_max=most,
        quote=promotion_quote,
    )
