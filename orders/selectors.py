"""Orders reads: the catalogue, order and return lists, the checkout preview, ship-by risk, shop performance."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel
from customers.selectors import customer_resolve
from orders.models import (
    AWAITING_HANDOVER,
    SHIPMENT_CLOSED,
    CancelledBy,
    CatalogueStatus,
    Category,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    Product,
    ProductGroup,
    RefundDue,
    RefundDueStatus,
    ReturnRequest,
    ReturnStatus,
    Shipment,
)
from orders.pricing import CartLine, Pricing, cart_price
from sellercenter.errors import InvalidInput, NotFound
from sellercenter.models import Shop
from sellercenter.money import ZERO, money_round, to_decimal
from sellercenter.periods import local_days_bounds
from sellercenter.text import search_key

AT_RISK_WITHIN = timedelta(hours=24)
MAX_METRICS_DAYS = 366


def category_descendant_ids(*, shop: Shop, category: Category) -> list[int]:
    """`category` and every category under it, from one query of the shop's tree."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.filter(shop=shop).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def category_paths(*, shop_id: int, separator: str = " / ") -> dict[int, str]:
    """Every category of the shop -> its path from the top ("Thời trang nữ / Áo dài"), in one query."""
    rows = {
        pk: (name, parent_id)
        for pk, name, parent_id in Category.objects.filter(shop_id=shop_id).values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}
    for pk in rows:
        names, current, seen = [], pk, set()
        while current is not None and current not in seen:
            seen.add(current)
            name, current = rows[current]
            names.append(name)
        paths[pk] = separator.join(reversed(names))
    return paths


def category_get(*, shop: Shop, slug: str, field: str = "category") -> Category:
    """The shop's category with this slug; InvalidInput naming `field` when there is none."""
    found = Category.objects.filter(shop=shop, slug=slug).first()
    if found is None:
        raise InvalidInput(fields={field: [_("This category does not exist.")]})
    return found


def catalogue_product_list(*, shop: Shop, for_sale_only: bool) -> QuerySet[ProductGroup]:
    """The shop's catalogue products with their category, variants and images in three more
    queries whatever the page size. `for_sale_only` (storefronts) leaves out archived products,
    variants not for sale and products with none for sale."""
    groups = ProductGroup.objects.filter(shop=shop).select_related("category")
    variants = catalogue_variants(for_sale_only=for_sale_only)
    if for_sale_only:
        groups = groups.filter(status=CatalogueStatus.ACTIVE).filter(Exists(variants.filter(group=OuterRef("pk"))))
    return groups.prefetch_related(Prefetch("variants", queryset=variants), "images")


def catalogue_variants(*, for_sale_only: bool) -> QuerySet[Product]:
    """The variants a catalogue product shows, in the order it shows them: those for sale only for
    storefronts (`for_sale_only`), every one for the back office."""
    variants = Product.objects.order_by("pk")
    return variants.filter(is_active=True) if for_sale_only else variants


def catalogue_product_get(*, shop: Shop, pk: int, for_sale_only: bool) -> ProductGroup:
    found = catalogue_product_list(shop=shop, for_sale_only=for_sale_only).filter(pk=pk).first()
    if found is None:
        raise catalogue_product_not_found()
    return found


def catalogue_product_not_found() -> NotFound:
    """The refusal of a catalogue product the shop does not have (or, for a storefront, does not sell)."""
    return NotFound(_("This product does not exist."))


def catalogue_export_rows(*, groups: QuerySet[ProductGroup]) -> QuerySet[Product]:
    """The variants of `groups`, product by product, with what an export row shows of their product."""
    return (
        Product.objects.filter(group__in=groups.order_by().values("pk"))
        .select_related("group")
        .order_by("group__name", "group_id", "pk")
    )


def in_stock_q() -> Q:
    """Something left to sell."""
    return Q(stock_on_hand__gt=F("stock_reserved"))


def variant_filter_q(
    *, shop: Shop, category: Category | None = None, in_stock: bool | None = None, price_min=None, price_max=None
) -> Q:
    """The conditions on one SKU of the catalogue filters, all of them on the same SKU (a product
    priced within the range means one of its variants is, not one above the minimum and another
    below the maximum)."""
    q = Q()
    if category is not None:
        q &= Q(group__category__in=category_descendant_ids(shop=shop, category=category))
    if in_stock is not None:
        q &= in_stock_q() if in_stock else ~in_stock_q()
    if price_min is not None:
        q &= Q(price__gte=price_min)
    if price_max is not None:
        q &= Q(price__lte=price_max)
    return q


def catalogue_search_q(text: str, prefix: str = "") -> Q:
    """Names containing `text`, accents and case aside: "ao dai" finds "Áo dài" (see sellercenter.text)."""
    return Q(**{f"{prefix}search_key__contains": search_key(text)})


def variant_search_q(text: str) -> Q:
    """SKUs whose catalogue product's name contains `text`, accents and case aside (catalogue_search_q),
    or whose own name contains it as typed (an option value such as "Đỏ", a SKU left without a
    catalogue product): what every staff and storefront search of variants by name matches."""
    return catalogue_search_q(text, prefix="group__") | Q(name__icontains=text.strip())


def catalogue_product_filter(
    groups: QuerySet[ProductGroup], *, shop: Shop, for_sale_only: bool, q: str = "", **variant_filters
) -> QuerySet[ProductGroup]:
    """`groups` narrowed to those with a variant (for sale, for storefronts) that meets every
    variant filter (variant_filter_q), and whose name contains `q`."""
    if q.strip():
        groups = groups.filter(catalogue_search_q(q))
    condition = variant_filter_q(shop=shop, **variant_filters)
    if condition:
        if for_sale_only:
            condition &= Q(is_active=True)
        groups = groups.filter(Exists(Product.objects.filter(condition, group=OuterRef("pk"))))
    return groups


def order_list(*, shop: Shop) -> QuerySet[Order]:
    """The shop's orders with what a list shows: customer and lines in two extra queries in all."""
    return Order.objects.filter(shop=shop).select_related("customer", "replacement_for").prefetch_related("lines")


def order_get(*, shop: Shop, number: str) -> Order:
    order = order_list(shop=shop).filter(number=number).first()
    if order is None:
        raise order_not_found(number)
    return order


def order_not_found(number: str) -> NotFound:
    """The refusal of an order number the shop does not have."""
    return NotFound(_("No order has the number %(number)s.") % {"number": number})


def order_status_history(*, order: Order | int) -> QuerySet[OrderEvent]:
    """The order's (or the order id's) moves from status to status, oldest first (what a customer
    may see of its timeline)."""
    return OrderEvent.objects.filter(order=order).exclude(to_status="").order_by("created_at", "pk")


def products_by_sku(*, shop: Shop, skus) -> dict[str, Product]:
    """{sku: product} of the shop's products with these SKUs, in one query."""
    return {product.sku: product for product in Product.objects.filter(shop=shop, sku__in=set(skus))}


@dataclass(frozen=True)
class PickList:
    # One row per SKU: {"sku", "name", "units", "orders": ["<number> × <units>", ...]}.
    rows: list[dict]
    orders: int


def pick_list(*, order_ids: list[int]) -> PickList:
    """What the warehouse takes from the shelves for the orders among `order_ids` that are picking:
    each SKU once, with its units and the orders they go to. One query for the lines."""
    lines = (
        OrderLine.objects.filter(order__in=order_ids, order__status=OrderStatus.PICKING)
        .values_list("sku", "name", "quantity", "order__number")
        .order_by("sku", "order__number")
    )
    rows, numbers = {}, set()
    for sku, name, quantity, number in lines:
        row = rows.setdefault(sku, {"sku": sku, "name": name, "units": 0, "orders": []})
        row["units"] += quantity
        row["orders"].append(f"{number} × {quantity}")
        numbers.add(number)
    return PickList(rows=list(rows.values()), orders=len(numbers))


def refund_late_q(now: datetime) -> Q:
    """Refunds still due whose deadline has passed."""
    return Q(status=RefundDueStatus.DUE, due_at__lt=now)


def refunds_due(*, shop: Shop, now: datetime | None = None) -> QuerySet[RefundDue]:
    """The refunds the shop still owes, the late ones first, each with its order."""
    return (
        RefundDue.objects.filter(shop=shop, status=RefundDueStatus.DUE)
        .select_related("order")
        .annotate(late=ExpressionWrapper(refund_late_q(now or timezone.now()), output_field=BooleanField()))
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


def return_list(*, shop: Shop) -> QuerySet[ReturnRequest]:
    return (
        ReturnRequest.objects.filter(shop=shop)
        .select_related("order", "replacement_order")
        .prefetch_related("lines__order_line")
    )


def checkout_preview(
    *,
    shop: Shop,
    customer_external_id: str,
    channel: str,
    lines: list[CartLine],
    voucher_codes: list[str],
    shipping_fee,
    points: int = 0,
    customer_pk: int | None = None,
) -> Pricing:
    """What the order would cost if placed now: the checkout's own pricing, with nothing written,
    reserved or spent. The customer is named by the storefront's id, or by ours (`customer_pk`, the
    staff order page: a counter customer may have no storefront id yet). Raises the same errors as
    the checkout's pricing."""
    customer = customer_resolve(shop=shop, external_id=customer_external_id, pk=customer_pk)
    products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in={line.sku for line in lines})}
    return cart_price(
        shop=shop,
        lines=lines,
        products=products,
        customer=customer,
        channel=channel,
        voucher_codes=voucher_codes,
        shipping_fee=money_round(to_decimal(shipping_fee), shop.currency),
        points=points,
        quote_balance=True,
    )


PRODUCT_MATCHES = 10


def product_find_for_sale(*, shop: Shop, text: str) -> list[Product]:
    """The shop's products for sale that `text` names, for adding a line to a staff order: the one
    whose SKU (case aside) or barcode it is exactly (what a scanner types), else those whose name
    contains it, accents aside (variant_search_q; at most PRODUCT_MATCHES, by SKU). Empty for a
    blank text."""
    text = text.strip()
    if not text:
        return []
    for_sale = Product.objects.filter(shop=shop, is_active=True)
    exact = for_sale.filter(Q(sku__iexact=text) | Q(barcode=text)).order_by("pk")[:1]
    if exact:
        return list(exact)
    return list(for_sale.filter(variant_search_q(text)).order_by("sku")[:PRODUCT_MATCHES])


def at_risk_q(now: datetime) -> Q:
    """Not yet handed to the carrier, with the ship-by deadline in the next 24 hours."""
    return Q(status__in=AWAITING_HANDOVER, ship_by_at__gte=now, ship_by_at__lt=now + AT_RISK_WITHIN)


def out_of_stock_q() -> Q:
    """For sale with nothing left to sell."""
    return Q(is_active=True, stock_on_hand__lte=F("stock_reserved"))


def low_stock_q() -> Q:
    """For sale, some left, but no more than the product's low-stock threshold."""
    return Q(is_active=True, stock_on_hand__gt=F("stock_reserved")) & Q(
        stock_on_hand__lte=F("stock_reserved") + F("low_stock_threshold")
    )


def late_q(now: datetime) -> Q:
    """Past the ship-by deadline and still not handed over, or handed over after it."""
    return Q(status__in=AWAITING_HANDOVER, ship_by_at__lt=now) | Q(shipped_at__gt=F("ship_by_at"))


def metrics_days_bounds(*, shop: Shop, start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the shop's time zone. Refuses end before start, or
    a period over a year."""
    if end < start:
        raise InvalidInput(fields={"end": [_("The end is before the start.")]})
    if (end - start).days >= MAX_METRICS_DAYS:
        raise InvalidInput(fields={"end": [_("Ask for at most %(days)d days.") % {"days": MAX_METRICS_DAYS}]})
    return local_days_bounds(start, end, shop.tzinfo)


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class Performance:
    start: date
    end: date
    currency: str
    orders: int
    confirmed: int
    late_shipment_rate: Decimal | None
    cancellation_rate: Decimal | None
    cancellation_rate_by_seller: Decimal | None
    cancellation_rate_by_customer: Decimal | None
    cancellation_rate_unpaid: Decimal | None
    defect_rate: Decimal | None
    return_rate: Decimal | None
    on_time_delivery_rate: Decimal | None
    average_preparation_hours: Decimal | None
    average_delivery_hours: Decimal | None
    by_channel: list[ChannelFigures]


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _hours(duration: timedelta | None) -> Decimal | None:
    if duration is None:
        return None
    return (Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _between(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _counts(orders: QuerySet[Order], now: datetime) -> dict:
    # The Exists go inside the filters: as annotations, the aggregate's subquery would drop them.
    defective = Exists(OrderEvent.objects.filter(order=OuterRef("pk"), type=OrderEventType.QUALITY_CHECK_FAILED))
    returned = Exists(ReturnRequest.objects.filter(order=OuterRef("pk")).exclude(status=ReturnStatus.REJECTED))
    cancelled = Q(status=OrderStatus.CANCELLED)
    confirmed = Q(confirmed_at__isnull=False)
    delivered = Q(delivered_at__isnull=False)
    return orders.aggregate(
        orders=Count("pk"),
        confirmed=Count("pk", filter=confirmed),
        late=Count("pk", filter=confirmed & late_q(now)),
        cancelled=Count("pk", filter=cancelled),
        by_seller=Count("pk", filter=cancelled & Q(cancelled_by=CancelledBy.SELLER)),
        by_customer=Count("pk", filter=cancelled & Q(cancelled_by=CancelledBy.CUSTOMER)),
        unpaid=Count("pk", filter=cancelled & Q(cancelled_by=CancelledBy.SYSTEM)),
        defective=Count("pk", filter=confirmed & Q(defective)),
        delivered=Count("pk", filter=delivered),
        returned=Count("pk", filter=delivered & Q(returned)),
        on_time=Count("pk", filter=delivered & Q(delivered_at__lte=F("deliver_by_at"))),
        preparation=Avg(_between("shipped_at", "confirmed_at"), filter=Q(shipped_at__isnull=False)),
        delivery=Avg(_between("delivered_at", "shipped_at"), filter=delivered & Q(shipped_at__isnull=False)),
    )


def _by_channel(orders: QuerySet[Order]) -> list[ChannelFigures]:
    kept = Q(confirmed_at__isnull=False) & ~Q(status__in=(OrderStatus.CANCELLED, OrderStatus.RETURNED_TO_SENDER))
    rows = {
        row["channel"]: row
        for row in orders.order_by()
        .values("channel")
        .annotate(count=Count("pk", filter=kept), revenue=Sum(F("total") - F("refunded_amount"), filter=kept))
    }
    return [
        ChannelFigures(
            channel=channel,
            orders=rows.get(channel, {}).get("count", 0),
            revenue=rows.get(channel, {}).get("revenue") or ZERO,
        )
        for channel in Channel.values
    ]


def shop_performance(*, shop: Shop, start: date, end: date, now: datetime | None = None) -> Performance:
    """The marketplace-style figures of the orders placed from `start` to `end` (days in the shop's
    time zone), replacement orders left out:

    - late shipment rate: confirmed orders handed to the carrier after their ship-by deadline, or
      still not handed over past it / confirmed orders;
    - cancellation rate: cancelled / placed, split by who cancelled (seller, customer, unpaid);
    - defect rate: confirmed orders with a failed quality check / confirmed orders;
    - return rate: delivered orders with a return request not rejected / delivered orders;
    - on-time delivery rate: delivered by the deliver-by date / delivered orders;
    - average preparation time (confirmed -> handed over) and delivery time (handed over -> delivered);
    - orders and revenue (total less refunds) by channel, of confirmed orders not cancelled or
      returned to sender.
    Rates are percentages with two decimals, None when there is nothing to divide by."""
    now = now or timezone.now()
    since, until = metrics_days_bounds(shop=shop, start=start, end=end)
    orders = Order.objects.filter(shop=shop, placed_at__gte=since, placed_at__lt=until, replacement_for__isnull=True)
    counts = _counts(orders, now)
    return Performance(
        start=start,
        end=end,
        currency=shop.currency,
        orders=counts["orders"],
        confirmed=counts["confirmed"],
        late_shipment_rate=_percent(counts["late"], counts["confirmed"]),
        cancellation_rate=_percent(counts["cancelled"], counts["orders"]),
        cancellation_rate_by_seller=_percent(counts["by_seller"], counts["orders"]),
        cancellation_rate_by_customer=_percent(counts["by_customer"], counts["orders"]),
        cancellation_rate_unpaid=_percent(counts["unpaid"], counts["orders"]),
        defect_rate=_percent(counts["defective"], counts["confirmed"]),
        return_rate=_percent(counts["returned"], counts["delivered"]),
        on_time_delivery_rate=_percent(counts["on_time"], counts["delivered"]),
        average_preparation_hours=_hours(counts["preparation"]),
        average_delivery_hours=_hours(counts["delivery"]),
        by_channel=_by_channel(orders),
    )


def shipments_open_for(*, orders) -> dict:
    """The latest shipment of each order that is not cancelled or refused, by order id."""
    rows = Shipment.objects.filter(order__in=orders).exclude(status__in=SHIPMENT_CLOSED).select_related("account")
    return {shipment.order_id: shipment for shipment in rows.order_by("created_at")}
