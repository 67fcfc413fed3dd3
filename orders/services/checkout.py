"""The checkout: one transaction that prices the cart, spends promotion budget and points, reserves
stock and writes the order. Any refusal rolls everything back, other apps' writes included."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel, Customer, EventType
from customers.phones import phone_to_e164
from customers.services import customer_upsert, events_ingest
from loyalty.services import points_redeem_for_order
from orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderNumberCounter,
    PaymentMethod,
    Product,
    StockMovementKind,
)
from orders.pipeline import Actor
from orders.pricing import CartLine, PricedLine, Pricing, cart_price
from orders.services.shipments import shipping_address_check
from orders.services.stock import StockChange, stock_apply
from orders.services.transitions import order_confirm
from promotions.journeys.tracking import journey_order_placed
from promotions.services import redemptions_record_for_order
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.models import Shop
from sellercenter.money import ZERO, money_round, to_decimal

ADDRESS_REQUIRED = ("recipient_name", "phone", "street", "ward", "province")
ADDRESS_OPTIONAL = ("district",)
CUSTOMER_FIELDS = ("full_name", "email", "phone")


@dataclass(frozen=True)
class Amounts:
    subtotal: Decimal = ZERO
    discount_total: Decimal = ZERO
    shipping_fee: Decimal = ZERO
    shipping_discount: Decimal = ZERO
    points_redeemed: int = 0
    points_discount: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total + self.shipping_fee - self.shipping_discount - self.points_discount


def order_numbers_take(*, shop: Shop, count: int = 1) -> list[str]:
    """The shop's next `count` order numbers, `<prefix>-00042`, consecutive after the last one given,
    by one conditional UPDATE of the shop's counter row (created on its first order). Call it inside
    the transaction that writes the orders: the row stays locked until that transaction ends, so
    concurrent checkouts of one shop take consecutive numbers, and one that rolls back gives its
    numbers back (no gap is left behind it)."""
    last = _counter_advance(shop, count)
    if last is None:
        OrderNumberCounter.objects.get_or_create(shop=shop)
        last = _counter_advance(shop, count)
    return [f"{shop.number_prefix}-{number:05d}" for number in range(last - count + 1, last + 1)]


def _counter_advance(shop: Shop, count: int) -> int | None:
    """The shop's counter moved on by `count`, read back by the same statement; None without a counter."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {OrderNumberCounter._meta.db_table} SET last_number = last_number + %s "  # noqa: S608 (placeholders only)
            "WHERE shop_id = %s RETURNING last_number",
            [count, shop.pk],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def shipping_address_clean(address: dict) -> dict:
    """The delivery address with its phone in E.164. Raises InvalidInput naming `shipping_address.<field>`."""
    cleaned, errors = shipping_address_normalised(address)
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def shipping_address_normalised(address: dict) -> tuple[dict, dict]:
    """The delivery address trimmed, its phone in E.164 where it is one (else as given: a marketplace
    masks its buyers' phones), and what a checkout refuses of it (`shipping_address.<field>` ->
    messages), without refusing it."""
    errors, cleaned = {}, {}
    for name in ADDRESS_REQUIRED + ADDRESS_OPTIONAL:
        value = str(address.get(name) or "").strip()
        if not value and name in ADDRESS_REQUIRED:
            errors[f"shipping_address.{name}"] = [_("This field is required.")]
        cleaned[name] = value
    if cleaned["phone"]:
        try:
            cleaned["phone"] = phone_to_e164(cleaned["phone"])
        except ValidationError as error:
            errors["shipping_address.phone"] = error.messages
    return cleaned, errors


def _delivery_address(shop: Shop, channel: str, address: dict | None) -> dict | None:
    """The cleaned delivery address; None for a sale handed over at the shop counter without one."""
    if channel == Channel.POS and not any((address or {}).values()):
        return None
    address = shipping_address_clean(address or {})
    shipping_address_check(shop=shop, address=address)
    return address


def _counter_address(buyer: Customer) -> dict:
    # Nothing is delivered: the order keeps who took the goods, for the receipt.
    return {
        "recipient_name": buyer.full_name,
        "phone": buyer.phone,
        "street": "",
        "ward": "",
        "district": "",
        "province": "",
    }


def shipping_fee_parse(value) -> Decimal | None:
    """The shipping fee as an amount; None when it is no amount or negative."""
    try:
        fee = to_decimal(value)
    except (TypeError, ValueError):
        return None
    return fee if fee >= 0 else None


def _check_choices(*, channel: str, payment_method: str, lines: list[CartLine], shipping_fee, points: int) -> Decimal:
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if payment_method not in PaymentMethod.values:
        errors["payment_method"] = [_("Unknown payment method.")]
    if not lines:
        errors["lines"] = [_("An order needs at least one line.")]
    for index, line in enumerate(lines):
        if line.quantity < 1:
            errors[f"lines.{index}.quantity"] = [_("Must be at least 1.")]
    fee = shipping_fee_parse(shipping_fee)
    if fee is None:
        errors["shipping_fee"] = [_("Give an amount that is not negative.")]
    if points < 0:
        errors["points"] = [_("Must not be negative.")]
    if errors:
        raise InvalidInput(fields=errors)
    return fee


def _buyer(shop: Shop, customer: dict) -> Customer:
    external_id = str(customer.get("external_id") or "").strip()
    if not external_id:
        raise InvalidInput(fields={"customer.external_id": [_("This field is required.")]})
    fields = {name: customer[name] for name in CUSTOMER_FIELDS if customer.get(name)}
    try:
        return customer_upsert(shop=shop, external_id=external_id, **fields)
    except InvalidInput as error:
        raise InvalidInput(fields={f"customer.{name}": msgs for name, msgs in error.fields.items()}) from None


def _lock_products(shop: Shop, pricing: Pricing) -> dict[int, Product]:
    """Lock every product the order takes, in pk order so that concurrent checkouts cannot deadlock,
    and refuse if a price or the for-sale flag changed since the cart was priced."""
    wanted = {line.product.pk: line.product for line in pricing.lines}
    locked = {p.pk: p for p in Product.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}
    for pk, product in wanted.items():
        now = locked[pk]
        if now.price != product.price or now.is_active != product.is_active:
            raise Conflict(
                _("The price of %(sku)s changed during checkout; please check the cart again.") % {"sku": now.sku},
                code="price_changed",
                sku=now.sku,
            )
    return locked


def order_lines_write(*, order: Order, lines: list[PricedLine]) -> None:
    """Write the order's lines from the priced cart, with the product's SKU and name as they are now."""
    OrderLine.objects.bulk_create(
        OrderLine(
            shop_id=order.shop_id,
            order=order,
            product=line.product,
            sku=line.product.sku,
            name=line.product.name,
            unit_price=line.unit_price,
            quantity=line.quantity,
            discount=line.discount,
            points_discount=line.points_discount,
            total=line.total,
            is_gift=line.is_gift,
        )
        for line in lines
    )


def order_insert(
    *,
    shop: Shop,
    customer: Customer,
    channel: str,
    payment_method: str,
    amounts: Amounts,
    lines: list[PricedLine],
    address: dict,
    actor: Actor,
    placed_at: datetime | None = None,
    event_data: dict | None = None,
    products_locked: bool = False,
    **fields,
) -> Order:
    """Write an order, its lines, its stock reservations and its `placed` event; it takes the shop's
    next order number. Stock is reserved by one conditional update for all lines: a line whose product
    has too little left raises Conflict naming the SKU. `products_locked` says the caller already holds
    the products' rows (locked in pk order). For the checkout and exchanges; call it inside a
    transaction."""
    now = placed_at or timezone.now()
    order = Order.objects.create(
        shop=shop,
        number=order_numbers_take(shop=shop)[0],
        customer=customer,
        channel=channel,
        payment_method=payment_method,
        currency=shop.currency,
        subtotal=amounts.subtotal,
        discount_total=amounts.discount_total,
        shipping_fee=amounts.shipping_fee,
        shipping_discount=amounts.shipping_discount,
        points_redeemed=amounts.points_redeemed,
        points_discount=amounts.points_discount,
        total=amounts.total,
        customer_name=customer.full_name,
        customer_email=customer.email,
        placed_at=now,
        **address_fields(address),
        **fields,
    )
    stock_apply(
        changes=[
            StockChange(product=line.product, kind=StockMovementKind.RESERVED, reserved=line.quantity) for line in lines
        ],
        actor=actor,
        reason=_("Order %(number)s") % {"number": order.number},
        order=order,
        locked=products_locked,
    )
    order_lines_write(order=order, lines=lines)
    OrderEvent.objects.create(
        shop=shop,
        order=order,
        type=OrderEventType.PLACED,
        to_status=order.status,
        **actor.record_fields(),
        data=event_data or {},
        created_at=now,
    )
    return order


def address_fields(address: dict) -> dict:
    return {
        "recipient_name": address["recipient_name"],
        "recipient_phone": address["phone"],
        "street": address["street"],
        "ward": address["ward"],
        "district": address.get("district", ""),
        "province": address["province"],
    }


# The delivery address's keys as the checkout takes it, and the order's columns that hold them.
ADDRESS_COLUMNS = {
    "recipient_name": "recipient_name",
    "phone": "recipient_phone",
    "street": "street",
    "ward": "ward",
    "district": "district",
    "province": "province",
}


def address_of(order: Order | Mapping) -> dict:
    """The order's delivery address in the shape the checkout takes it, from the order or from a
    `values()` row of it that has the ADDRESS_COLUMNS."""
    if isinstance(order, Mapping):
        return {key: order[column] for key, column in ADDRESS_COLUMNS.items()}
    return {key: getattr(order, column) for key, column in ADDRESS_COLUMNS.items()}


def _spend_benefits(order: Order, pricing: Pricing, customer: Customer, actor: Actor) -> None:
    if pricing.quote.applied:
        redemptions_record_for_order(
            shop=order.shop, order_ref=order.number, quote=pricing.quote, customer=customer, order_total=order.total
        )
    if pricing.points:
        value = points_redeem_for_order(customer=customer, order_ref=order.number, points=pricing.points, actor=actor)
        if value != pricing.points_discount:
            raise Conflict(_("The value of points changed during checkout; please try again."), code="points_changed")


def order_place(
    *,
    shop: Shop,
    customer: dict,
    channel: str,
    lines: list[CartLine],
    shipping_address: dict | None,
    payment_method: str,
    actor: Actor,
    shipping_fee=ZERO,
    voucher_codes: list[str] | None = None,
    points: int = 0,
    note: str = "",
    session: dict | None = None,
) -> Order:
    """Place an order. In one transaction: the customer is created or updated (`customer` holds
    `external_id` and optionally full_name, email, phone); prices come from the products; the
    promotions quote is applied and its budget spent; points are redeemed; stock is reserved; the
    order, its lines (with price, discount and name snapshots) and its event are written. A COD
    order is confirmed at once; a prepaid one waits for its payment until the shop's payment timeout.
    A free gift that cannot be given is left out; the `placed` event names it and why (`gifts_dropped`).
    The customer's `order_placed` behaviour event is written here, once per order, in the storefront
    visit that `session` names (`session_id`, `anonymous_id`), so funnels count real orders; a
    `message_token` in it credits the order to that journey message.

    Refuses, changing nothing: bad input with InvalidInput naming the field (`lines.0.sku`,
    `voucher_codes.1`, `points`, `shipping_address.phone`, a ward the shop's carrier cannot place
    `shipping_address.ward`, ...; only a counter sale, channel `pos`, may come without an address);
    with Conflict a SKU out of stock
    (`details.sku`), a campaign whose budget ran out (`details.campaign_id`), too few points."""
    fee = _check_choices(
        channel=channel, payment_method=payment_method, lines=lines, shipping_fee=shipping_fee, points=points
    )
    address = _delivery_address(shop, channel, shipping_address)
    codes = [code for code in (voucher_codes or []) if code.strip()]
    now = timezone.now()
    with transaction.atomic():
        buyer = _buyer(shop, customer)
        products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in={line.sku for line in lines})}
        pricing = cart_price(
            shop=shop,
            lines=lines,
            products=products,
            customer=buyer,
            channel=channel,
            voucher_codes=codes,
            shipping_fee=money_round(fee, shop.currency),
            points=points,
        )
        _lock_products(shop, pricing)
        order = order_insert(
            products_locked=True,
            shop=shop,
            customer=buyer,
            channel=channel,
            payment_method=payment_method,
            amounts=Amounts(
                subtotal=pricing.subtotal,
                discount_total=pricing.discount_total,
                shipping_fee=pricing.shipping_fee,
                shipping_discount=pricing.shipping_discount,
                points_redeemed=pricing.points,
                points_discount=pricing.points_discount,
            ),
            lines=pricing.lines,
            address=address or _counter_address(buyer),
            actor=actor,
            voucher_codes=[application.code for application in pricing.quote.applied if application.code],
            promotions=[promotion_snapshot(application) for application in pricing.quote.applied],
            note=note.strip(),
            placed_at=now,
            event_data=_placed_data(pricing),
            payment_due_at=(
                now + timedelta(minutes=shop.payment_timeout_minutes) if payment_method != PaymentMethod.COD else None
            ),
        )
        _spend_benefits(order, pricing, buyer, actor)
        order_placed_event_record(
            order, buyer, session or {}, items=sum(line.quantity for line in pricing.lines if not line.is_gift)
        )
        journey_order_placed(
            shop=shop,
            customer=buyer,
            order_ref=order.number,
            revenue=order.total,
            placed_at=now,
            voucher_codes=codes,
            token=(session or {}).get("message_token", ""),
        )
        if payment_method == PaymentMethod.COD:
            order = order_confirm(order=order, actor=Actor.system(), note=_("Cash on delivery"), held=True)
    return order


def order_placed_event_record(order: Order, buyer: Customer, session: dict, *, items: int) -> None:
    """The buyer's `order_placed` behaviour event, once per order (its id is the order's: a storefront
    that still reports the order, or a report imported again, cannot count it twice)."""
    events_ingest(
        shop=order.shop,
        events=[
            {
                "event_id": f"order:{order.number}",
                "type": EventType.ORDER_PLACED,
                "customer_id": buyer.external_id,
                "session_id": str(session.get("session_id") or ""),
                "anonymous_id": str(session.get("anonymous_id") or ""),
                "channel": order.channel,
                "occurred_at": order.placed_at,
                "properties": {
                    "order_number": order.number,
                    "value": str(order.total),
                    "items": items,
                },
            }
        ],
        customers={buyer.external_id: buyer.pk},
    )


def _placed_data(pricing: Pricing) -> dict:
    """What the `placed` event keeps beside the order's columns: the gifts left out, and why."""
    if not pricing.gifts_dropped:
        return {}
    return {
        "gifts_dropped": [
            {"campaign_id": gift.campaign_id, "sku": gift.sku, "reason": gift.reason} for gift in pricing.gifts_dropped
        ]
    }


def promotion_snapshot(application) -> dict:
    return {
        "campaign_id": application.campaign_id,
        "name": application.name,
        "kind": application.kind,
        "code": application.code,
        "amount": str(application.amount),
    }
