"""Order edits before the parcel is labelled: the delivery address, the shipping fee, the lines.

An edit of the fee or the lines prices the order again as a fresh checkout of the new cart would,
in the order's place (same customer, channel and voucher codes, today's prices and campaigns; the
budget, use and codes the order holds count as given back), then makes every app agree with the
new figures in one transaction: stock reserved or released by the difference, each campaign's
budget spent or given back by the difference (promotions.services.redemptions_revise_for_order),
the customer's purchase amended. Points redeemed at checkout stay as they are, shared over the new
lines. Rows are locked in the checkout's order (order, customer, products, campaigns), so an edit and
a checkout of the same products cannot deadlock. Every edit writes an `edited` event with what was
before and what is after. An edit checks what it changes: an order without a ward (marketplace
reports may have none) or without an address (a counter sale) still has its fee and lines edited,
and its address is checked as at checkout only when it is changed.

Refused, changing nothing: an order already labelled for the carrier or beyond (NotAllowed, 409);
a new cart whose promotions no longer fit (a code that no longer applies, a campaign of the order
whose budget cannot cover more: Conflict naming it); a new merchandise value below the points
redeemed; a higher total on a paid order (create a new order for the extra). A paid order whose
total goes down owes the difference back: a refund due is opened.
"""

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_amend_purchase, customer_record_purchase
from orders.models import (
    SHIPMENT_CLOSED,
    Order,
    OrderEventType,
    OrderLine,
    OrderStatus,
    Product,
    RefundSource,
    StockMovementKind,
)
from orders.pipeline import Actor
from orders.pricing import CartLine, PricedLine, Pricing, cart_price
from orders.services.checkout import (
    Amounts,
    address_fields,
    address_of,
    order_lines_write,
    promotion_snapshot,
    shipping_address_clean,
    shipping_address_normalised,
    shipping_fee_parse,
)
from orders.services.events import order_event_write
from orders.services.refunds import refund_due_open
from orders.services.shipments import shipping_address_check
from orders.services.stock import StockChange, stock_apply
from orders.services.transitions import order_lock, order_purchase_reverse
from promotions.quotes import Reason
from promotions.services import order_revenue_record, redemptions_revise_for_order
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.money import ZERO, allocate, money_round

S = OrderStatus
# Before the parcel is labelled: from `ready_to_ship` on, the carrier's label carries the address,
# the parcel's contents and the cash to collect.
EDITABLE = (S.PENDING_PAYMENT, S.CONFIRMED, S.ALLOCATED, S.PICKING, S.QUALITY_CHECK, S.PACKED)
CENTS = Decimal("0.01")
AMOUNT_FIELDS = ("subtotal", "discount_total", "shipping_fee", "shipping_discount", "points_discount", "total")


def order_is_editable(order: Order) -> bool:
    """Whether the order may still be edited (the admin and the API offer the edit only then)."""
    return order.status in EDITABLE and not _parcel_booked(order)


def _parcel_booked(order: Order) -> bool:
    return order.shipments.exclude(status__in=SHIPMENT_CLOSED).exists()


def _lock_editable(order: Order) -> Order:
    locked = order_lock(order=order)
    if locked.status not in EDITABLE:
        raise NotAllowed(
            _("An order that is “%(status)s” can no longer be edited: it is labelled for the carrier or beyond.")
            % {"status": S(locked.status).label},
            code="order_not_editable",
            status=locked.status,
        )
    if _parcel_booked(locked):
        raise NotAllowed(
            _("A parcel of this order is booked with a carrier: cancel the booking before editing the order."),
            code="parcel_booked",
        )
    return locked


def order_address_change(*, order: Order, actor: Actor, address: dict) -> Order:
    """Change where the order goes. The order's own address given back changes nothing and writes no
    event, even when it lacks what a checkout requires (a marketplace report without a ward, a counter
    sale without an address): an edit of the fee or the lines must not be refused for it. Any other
    address is checked as at checkout (InvalidInput naming `shipping_address.<field>`, also for a ward
    the shop's carrier cannot place). The amounts do not change: a new fee is a separate edit."""
    with transaction.atomic():
        order = _lock_editable(order)
        before = address_of(order)
        if shipping_address_normalised(address)[0] == shipping_address_normalised(before)[0]:
            return order
        cleaned = shipping_address_clean(address)
        shipping_address_check(shop=order.shop, address=cleaned)
        fields = address_fields(cleaned)
        for name, value in fields.items():
            setattr(order, name, value)
        order.save(update_fields=[*fields, "updated_at"])
        order_event_write(
            order=order,
            type=OrderEventType.EDITED,
            actor=actor,
            note=_("Delivery address changed"),
            data={"change": "address", "before": before, "after": address_of(order)},
        )
    return order


def order_shipping_fee_change(*, order: Order, actor: Actor, shipping_fee) -> Order:
    """Change the shipping fee the customer pays. The order is priced again (a free-shipping
    campaign covers what it covers of the new fee). Refuses a fee that is no amount or negative
    (InvalidInput naming `shipping_fee`), and what every edit refuses (see the module)."""
    fee = shipping_fee_parse(shipping_fee)
    if fee is None:
        raise InvalidInput(fields={"shipping_fee": [_("Give an amount that is not negative.")]})
    fee = money_round(fee, order.shop.currency)
    with transaction.atomic():
        order = _lock_editable(order)
        if fee == order.shipping_fee:
            return order
        old_lines = _lines(order)
        return _reprice(
            order, old_lines=old_lines, lines=_cart_of(old_lines), shipping_fee=fee, actor=actor, change="shipping_fee"
        )


def order_lines_change(*, order: Order, actor: Actor, lines: list[CartLine]) -> Order:
    """Make the order's lines `lines` (SKU and quantity of each product wanted; free gifts follow
    from the promotions): adding, removing, changing a quantity or swapping a variant are all said
    as the new set of lines. Refuses no line, a quantity below 1, an unknown SKU, one not for sale,
    one listed twice (InvalidInput naming `lines.<i>.<field>`), too little stock (Conflict naming the
    SKU), and what every edit refuses (see the module). The same lines change nothing."""
    _check_lines(lines)
    with transaction.atomic():
        order = _lock_editable(order)
        old_lines = _lines(order)
        if sorted(_cart_of(old_lines), key=_by_sku) == sorted(lines, key=_by_sku):
            return order
        return _reprice(
            order, old_lines=old_lines, lines=lines, shipping_fee=order.shipping_fee, actor=actor, change="lines"
        )


def _by_sku(line: CartLine) -> tuple[str, int]:
    return line.sku, line.quantity


def _check_lines(lines: list[CartLine]) -> None:
    errors = {}
    if not lines:
        errors["lines"] = [_("An order needs at least one line.")]
    for index, line in enumerate(lines):
        if not line.sku.strip():
            errors[f"lines.{index}.sku"] = [_("This field is required.")]
        if line.quantity < 1:
            errors[f"lines.{index}.quantity"] = [_("Must be at least 1.")]
    if errors:
        raise InvalidInput(fields=errors)


def _cart_of(lines: list[OrderLine]) -> list[CartLine]:
    """What the customer bought (free gifts left out), as a cart."""
    return [CartLine(line.product.sku, line.quantity) for line in lines if not line.is_gift]


def _lines(order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("product"))


def _reprice(
    order: Order,
    *,
    old_lines: list[OrderLine],
    lines: list[CartLine],
    shipping_fee: Decimal,
    actor: Actor,
    change: str,
) -> Order:
    """Price the new cart in the order's place and make stock, budget, purchase and order agree."""
    # The customer's row before the products', as the checkout and the cancellation take them.
    list(Customer.objects.select_for_update().filter(pk=order.customer_id).values_list("pk", flat=True))
    locked = Product.objects.select_for_update().filter(
        Q(pk__in={line.product_id for line in old_lines}) | Q(shop=order.shop, sku__in={line.sku for line in lines})
    )
    products = {p.sku: p for p in locked.order_by("pk")}
    pricing = _price(order, lines=lines, products=products, shipping_fee=shipping_fee)
    priced = _with_points(order, pricing)
    amounts = Amounts(
        subtotal=pricing.subtotal,
        discount_total=pricing.discount_total,
        shipping_fee=pricing.shipping_fee,
        shipping_discount=pricing.shipping_discount,
        points_redeemed=order.points_redeemed,
        points_discount=order.points_discount,
    )
    before = _figures(order, old_lines)
    old_total = order.total
    if order.paid_at and amounts.total > old_total:
        raise Conflict(
            _("This order is paid: its total cannot go up (%(old)s to %(new)s). Create a new order for the extra.")
            % {"old": old_total, "new": amounts.total},
            code="paid_total_up",
            total=str(amounts.total),
        )
    _purchase_follow(order, old_total=old_total, amounts=amounts)
    _stock_follow(order, old_lines=old_lines, new_lines=priced, actor=actor)
    if order.promotions or pricing.quote.applied:
        redemptions_revise_for_order(
            shop=order.shop,
            order_ref=order.number,
            quote=pricing.quote,
            customer=order.customer,
            order_total=amounts.total,
        )
    _write(order, amounts=amounts, lines=priced, pricing=pricing)
    order_revenue_record(shop=order.shop, order_ref=order.number, revenue=amounts.total - order.refunded_amount)
    refund = None
    if order.paid_at and amounts.total < old_total:
        refund = refund_due_open(order=order, source=RefundSource.EDITED, amount=old_total - amounts.total)
    order_event_write(
        order=order,
        type=OrderEventType.EDITED,
        actor=actor,
        note=_("Lines changed") if change == "lines" else _("Shipping fee changed"),
        data={
            "change": change,
            "before": before,
            "after": _figures(order, _lines(order)),
            **({"refund_due": str(refund.amount), "refund_due_id": refund.pk} if refund else {}),
        },
    )
    return order


def _price(order: Order, *, lines: list[CartLine], products: dict, shipping_fee: Decimal) -> Pricing:
    """The checkout's pricing of the new cart, in the order's place. A code of the order that does not
    apply to the new cart is a conflict with the order (not the caller's input); so is a campaign of
    the order that the new cart qualifies for but whose budget cannot cover it."""
    try:
        pricing = cart_price(
            shop=order.shop,
            lines=lines,
            products=products,
            customer=order.customer,
            channel=order.channel,
            voucher_codes=list(order.voucher_codes),
            shipping_fee=shipping_fee,
            points=0,
            order_ref=order.number,
        )
    except InvalidInput as error:
        codes = [name for name in error.fields if name.startswith("voucher_codes.")]
        if not codes:
            raise
        code = order.voucher_codes[int(codes[0].split(".")[1])]
        raise Conflict(
            _("The order's code %(code)s would not apply to the edited order: %(reason)s")
            % {"code": code, "reason": " ".join(error.fields[codes[0]])},
            code="voucher_not_applicable",
            voucher_code=code,
        ) from None
    held = {application["campaign_id"]: application["name"] for application in order.promotions}
    for rejection in pricing.quote.rejected:
        if rejection.campaign_id in held and rejection.reason == Reason.BUDGET_EXHAUSTED:
            raise Conflict(
                _("The promotion “%(name)s” has too little budget left for the edited order.")
                % {"name": held[rejection.campaign_id]},
                code="budget_exhausted",
                campaign_id=rejection.campaign_id,
            )
    return pricing


def _with_points(order: Order, pricing: Pricing) -> list[PricedLine]:
    """The new lines with the points redeemed at checkout shared over them as the checkout shares
    them (in proportion to what each line costs after promotions). Refuses a merchandise value after
    promotions below the points' value (the points would pay for more than the goods)."""
    if not order.points_discount:
        return pricing.lines
    bought = [line for line in pricing.lines if not line.is_gift]
    net = [line.unit_price * line.quantity - line.discount for line in bought]
    if sum(net, ZERO) < order.points_discount:
        raise Conflict(
            _("The edited order would cost less than the %(points)d points redeemed on it (%(value)s).")
            % {"points": order.points_redeemed, "value": order.points_discount},
            code="points_exceed_total",
        )
    parts = allocate(order.points_discount, net, order.currency)
    with_points = [replace(line, points_discount=part) for line, part in zip(bought, parts, strict=True)]
    return with_points + [line for line in pricing.lines if line.is_gift]


def _purchase_follow(order: Order, *, old_total: Decimal, amounts: Amounts) -> None:
    """A confirmed order counts on its customer for its total: the purchase follows the new total."""
    new_total = amounts.total
    if not order.confirmed_at or new_total == old_total:
        return
    discounted = amounts.discount_total + amounts.shipping_discount + amounts.points_discount > 0
    if old_total > 0 and new_total > 0:
        customer_amend_purchase(
            customer=order.customer, reference=order.number, amount=new_total, discounted=discounted
        )
    elif old_total > 0:
        order_purchase_reverse(order=order, amount=old_total)
    else:
        customer_record_purchase(
            customer=order.customer,
            amount=new_total,
            ordered_at=order.placed_at,
            discounted=discounted,
            reference=order.number,
        )


def _stock_follow(order: Order, *, old_lines: list[OrderLine], new_lines: list[PricedLine], actor: Actor) -> None:
    """Reserve what the new lines take more of each product, release what they take less."""
    delta: dict[int, int] = {}
    products: dict[int, Product] = {}
    for line in old_lines:
        delta[line.product_id] = delta.get(line.product_id, 0) - line.quantity
        products[line.product_id] = line.product
    for line in new_lines:
        delta[line.product.pk] = delta.get(line.product.pk, 0) + line.quantity
        products[line.product.pk] = line.product
    changes = [
        StockChange(
            product=products[pk],
            kind=StockMovementKind.RESERVED if units > 0 else StockMovementKind.RELEASED,
            reserved=units,
        )
        for pk, units in delta.items()
        if units
    ]
    if changes:
        # The products' rows were locked in pk order before pricing.
        stock_apply(
            changes=changes,
            actor=actor,
            reason=_("Order %(number)s edited") % {"number": order.number},
            order=order,
            locked=True,
        )


def _write(order: Order, *, amounts: Amounts, lines: list[PricedLine], pricing: Pricing) -> None:
    order.lines.all().delete()
    order_lines_write(order=order, lines=lines)
    for name in AMOUNT_FIELDS[:-1]:
        setattr(order, name, getattr(amounts, name))
    order.total = amounts.total
    order.promotions = [promotion_snapshot(application) for application in pricing.quote.applied]
    order.save(update_fields=[*AMOUNT_FIELDS, "promotions", "updated_at"])


def _figures(order: Order, lines) -> dict:
    """What an `edited` event keeps of each side: the lines and the amounts, as strings."""
    return {
        "lines": [
            {"sku": line.sku, "quantity": line.quantity, "unit_price": str(line.unit_price), "is_gift": line.is_gift}
            for line in lines
        ],
        **{name: str(getattr(order, name).quantize(CENTS)) for name in AMOUNT_FIELDS},
        "promotions": [{"campaign_id": p["campaign_id"], "amount": p["amount"]} for p in order.promotions],
    }
