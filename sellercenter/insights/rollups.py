"""Daily rollups per shop: every figure of the insights, per local day, recomputed from the source rows.

`rollups_refresh(shop=..., days=...)` recomputes whole days (delete-free upsert of every column), so it
is idempotent and the job and the rebuild command share it. What changes a day's figures is a change of
an order placed that day (status, refund, shipping), an event, a purchase, a redemption or a statement
line booked that day; the job folds in the days of rows changed since its cursor, plus the recent days
whose late-shipment count moves with the clock alone. A review counts on the day it is posted and its
rating never changes, so the recent days the job redoes always hold the new ones."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from customers.models import CustomerEvent, CustomerPurchase, EventType, Review
from customers.selectors import LOW_RATING
from finance.models import LineKind, StatementLine
from orders.models import Order, OrderLine, OrderStatus, ReturnRequest, ReturnStatus
from orders.selectors import late_q
from promotions.models import Redemption
from sellercenter.models import ProductDayRollup, RollupCursor, Shop, ShopDayRollup
from sellercenter.money import ZERO
from sellercenter.periods import local_days_bounds

# Ship-by deadlines fall within days of the order: orders older than this no longer turn late by the clock.
CLOCK_DAYS = 14
NOT_KEPT = (OrderStatus.CANCELLED, OrderStatus.RETURNED_TO_SENDER)
KEPT = Q(confirmed_at__isnull=False) & ~Q(status__in=NOT_KEPT)
ORDER_COLUMNS = (
    "orders",
    "confirmed",
    "kept",
    "sales",
    "discounts",
    "cancelled",
    "late",
    "delivered",
    "delivered_on_time",
    "returned",
    "preparation_seconds",
    "prepared",
)
SESSION_COLUMNS = (
    "sessions",
    "product_view_sessions",
    "cart_sessions",
    "checkout_sessions",
    "order_sessions",
    "abandoned_cart_sessions",
)
ROLLUP_COLUMNS = (
    *ORDER_COLUMNS,
    *SESSION_COLUMNS,
    "purchases",
    "first_purchases",
    "campaign_cost",
    "campaign_revenue",
    "fee_lines",
    "fees",
    "reviews",
    "rating_total",
    "low_reviews",
    "by_channel",
    "by_tier",
)


def _empty_day() -> dict:
    row = {column: 0 for column in ROLLUP_COLUMNS}
    row.update(sales=ZERO, discounts=ZERO, campaign_cost=ZERO, campaign_revenue=ZERO, fees=ZERO)
    row.update(by_channel={}, by_tier={})
    return row


def _in_days(queryset, field: str, shop: Shop, first: date, last: date):
    since, until = local_days_bounds(first, last, shop.tzinfo)
    return queryset.filter(shop=shop, **{f"{field}__gte": since, f"{field}__lt": until}).annotate(
        day=TruncDate(field, tzinfo=shop.tzinfo)
    )


def _order_figures(shop: Shop, first: date, last: date, now: datetime) -> dict[date, dict]:
    orders = _in_days(Order.objects.filter(replacement_for__isnull=True), "placed_at", shop, first, last)
    returned = Exists(ReturnRequest.objects.filter(order=OuterRef("pk")).exclude(status=ReturnStatus.REJECTED))
    delivered = Q(delivered_at__isnull=False)
    preparation = ExpressionWrapper(F("shipped_at") - F("confirmed_at"), output_field=DurationField())
    rows = (
        orders.order_by()
        .values("day")
        .annotate(
            orders=Count("pk"),
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
            kept=Count("pk", filter=KEPT),
            sales=Coalesce(Sum(F("total") - F("refunded_amount"), filter=KEPT), ZERO),
            discounts=Coalesce(Sum(F("discount_total") + F("shipping_discount"), filter=KEPT), ZERO),
            cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED)),
            late=Count("pk", filter=Q(confirmed_at__isnull=False) & late_q(now)),
            delivered=Count("pk", filter=delivered),
            delivered_on_time=Count("pk", filter=delivered & Q(delivered_at__lte=F("deliver_by_at"))),
            returned=Count("pk", filter=delivered & Q(returned)),
            preparation=Sum(preparation, filter=Q(shipped_at__isnull=False, confirmed_at__isnull=False)),
            prepared=Count("pk", filter=Q(shipped_at__isnull=False, confirmed_at__isnull=False)),
        )
    )
    figures = {}
    for row in rows:
        day = row.pop("day")
        duration = row.pop("preparation")
        row["preparation_seconds"] = int(duration.total_seconds()) if duration else 0
        figures[day] = row
    return figures


def _channel_and_tier(shop: Shop, first: date, last: date) -> tuple[dict, dict]:
    orders = _in_days(Order.objects.filter(KEPT, replacement_for__isnull=True), "placed_at", shop, first, last)
    by_channel: dict[date, dict] = defaultdict(dict)
    for row in (
        orders.order_by().values("day", "channel").annotate(n=Count("pk"), s=Sum(F("total") - F("refunded_amount")))
    ):
        by_channel[row["day"]][row["channel"]] = {"orders": row["n"], "sales": str(row["s"] or ZERO)}
    by_tier: dict[date, dict] = defaultdict(dict)
    tier_rows = (
        orders.order_by()
        .values("day", tier=F("customer__loyalty_account__tier__name"))
        .annotate(s=Sum(F("total") - F("refunded_amount")))
    )
    for row in tier_rows:
        by_tier[row["day"]][row["tier"] or ""] = str(row["s"] or ZERO)
    return by_channel, by_tier


def _session_figures(shop: Shop, first: date, last: date) -> dict[date, dict]:
    events = _in_days(CustomerEvent.objects.exclude(session_id=""), "occurred_at", shop, first, last)
    ordered = events.filter(type=EventType.ORDER_PLACED).values("session_id")

    def sessions(condition=None):
        return Count("session_id", distinct=True, filter=condition)

    rows = (
        events.order_by()
        .values("day")
        .annotate(
            sessions=sessions(),
            product_view_sessions=sessions(Q(type=EventType.PRODUCT_VIEW)),
            cart_sessions=sessions(Q(type=EventType.ADD_TO_CART)),
            checkout_sessions=sessions(Q(type=EventType.CHECKOUT_STARTED)),
            order_sessions=sessions(Q(type=EventType.ORDER_PLACED)),
            abandoned_cart_sessions=sessions(Q(type=EventType.ADD_TO_CART) & ~Q(session_id__in=ordered)),
        )
    )
    return {row.pop("day"): row for row in rows}


def _purchase_figures(shop: Shop, first: date, last: date) -> dict[date, dict]:
    purchases = _in_days(CustomerPurchase.objects.filter(reversed_at__isnull=True), "ordered_at", shop, first, last)
    rows = (
        purchases.order_by()
        .values("day")
        .annotate(
            purchases=Count("pk"),
            first_purchases=Count("pk", filter=Q(ordered_at=F("customer__first_order_at"))),
        )
    )
    return {row.pop("day"): row for row in rows}


def _campaign_figures(shop: Shop, first: date, last: date) -> dict[date, dict]:
    redemptions = _in_days(Redemption.objects.filter(released_at__isnull=True), "created_at", shop, first, last)
    rows = (
        redemptions.order_by()
        .values("day")
        .annotate(campaign_cost=Coalesce(Sum("amount"), ZERO), campaign_revenue=Coalesce(Sum("order_total"), ZERO))
    )
    return {row.pop("day"): row for row in rows}


def _fee_figures(shop: Shop, first: date, last: date) -> dict[date, dict]:
    # Statement lines carry deductions as negative amounts; the rollup keeps the cost as a positive one.
    fees = -(F("shipping_cost") + F("commission") + F("payment_fee") + F("service_fee") + F("fixed_fee"))
    rows = (
        StatementLine.objects.filter(shop=shop, kind=LineKind.SALE, booked_on__gte=first, booked_on__lte=last)
        .order_by()
        .values(day=F("booked_on"))
        .annotate(fee_lines=Count("pk"), fees=Coalesce(Sum(fees), ZERO))
    )
    return {row.pop("day"): row for row in rows}


def _review_figures(shop: Shop, first: date, last: date) -> dict[date, dict]:
    # Ratings never change once posted: a day's reviews are those created that day.
    rows = (
        _in_days(Review.objects.all(), "created_at", shop, first, last)
        .order_by()
        .values("day")
        .annotate(
            reviews=Count("pk"),
            rating_total=Coalesce(Sum("rating"), 0),
            low_reviews=Count("pk", filter=Q(rating__lte=LOW_RATING)),
        )
    )
    return {row.pop("day"): row for row in rows}


def _product_figures(shop: Shop, first: date, last: date) -> list[ProductDayRollup]:
    since, until = local_days_bounds(first, last, shop.tzinfo)
    lines = (
        OrderLine.objects.filter(
            order__shop=shop,
            order__placed_at__gte=since,
            order__placed_at__lt=until,
            order__replacement_for__isnull=True,
            order__confirmed_at__isnull=False,
        )
        .exclude(order__status__in=NOT_KEPT)
        .annotate(day=TruncDate("order__placed_at", tzinfo=shop.tzinfo))
        .order_by()
        .values("day", "sku")
        .annotate(quantity=Sum("quantity"), sales=Sum("total"), name=Max("name"))
    )
    return [ProductDayRollup(shop=shop, **row) for row in lines]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def rollups_compute(*, shop: Shop, first: date, last: date, now: datetime | None = None) -> dict[date, dict]:
    """Every rollup column of the shop's days `first`..`last`, computed from the source rows."""
    now = now or timezone.now()
    figures = {day: _empty_day() for day in _days(first, last)}
    by_channel, by_tier = _channel_and_tier(shop, first, last)
    parts = (
        _order_figures(shop, first, last, now),
        _session_figures(shop, first, last),
        _purchase_figures(shop, first, last),
        _campaign_figures(shop, first, last),
        _fee_figures(shop, first, last),
        _review_figures(shop, first, last),
        {day: {"by_channel": value} for day, value in by_channel.items()},
        {day: {"by_tier": value} for day, value in by_tier.items()},
    )
    for part in parts:
        for day, values in part.items():
            figures[day].update(values)
    return figures


def rollups_refresh(*, shop: Shop, first: date, last: date, now: datetime | None = None) -> int:
    """Recompute and store the shop's rollups of the days `first`..`last` (days with nothing get zeros,
    so a day whose last order was cancelled drops back). Returns the number of days written."""
    figures = rollups_compute(shop=shop, first=first, last=last, now=now)
    products = _product_figures(shop, first, last)
    rows = [ShopDayRollup(shop=shop, day=day, **values) for day, values in figures.items()]
    with transaction.atomic():
        ShopDayRollup.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["shop", "day"],
            update_fields=[*ROLLUP_COLUMNS, "computed_at"],
            batch_size=500,
        )
        ProductDayRollup.objects.filter(shop=shop, day__gte=first, day__lte=last).delete()
        ProductDayRollup.objects.bulk_create(products, batch_size=1000)
    return len(rows)


def _first_day(shop: Shop) -> date | None:
    starts = [
        Order.objects.filter(shop=shop).order_by("placed_at").values_list("placed_at", flat=True).first(),
        CustomerEvent.objects.filter(shop=shop).order_by("occurred_at").values_list("occurred_at", flat=True).first(),
        Review.objects.filter(shop=shop).order_by("created_at").values_list("created_at", flat=True).first(),
    ]
    known = [moment for moment in starts if moment is not None]
    return min(known).astimezone(shop.tzinfo).date() if known else None


def rollups_rebuild(*, shop: Shop, now: datetime | None = None, chunk_days: int = 31) -> int:
    """Recompute every day of the shop from its first order, event or review up to today, a month at a time,
    and drop rollups outside that span. Returns the number of days written."""
    now = now or timezone.now()
    today = now.astimezone(shop.tzinfo).date()
    first = _first_day(shop) or today
    ShopDayRollup.objects.filter(shop=shop).exclude(day__gte=first, day__lte=today).delete()
    ProductDayRollup.objects.filter(shop=shop).exclude(day__gte=first, day__lte=today).delete()
    written = 0
    while first <= today:
        last = min(first + timedelta(days=chunk_days - 1), today)
        written += rollups_refresh(shop=shop, first=first, last=last, now=now)
        first = last + timedelta(days=1)
    RollupCursor.objects.update_or_create(shop=shop, defaults={"changes_until": now})
    return written


def _changed_days(shop: Shop, since: datetime) -> set[date]:
    """Local days whose figures rows changed after `since` may have moved."""
    tz = shop.tzinfo

    def days(queryset, field):
        return set(queryset.annotate(d=TruncDate(field, tzinfo=tz)).order_by().values_list("d", flat=True).distinct())

    changed = days(Order.objects.filter(shop=shop, updated_at__gte=since), "placed_at")
    changed |= days(CustomerEvent.objects.filter(shop=shop, received_at__gte=since), "occurred_at")
    changed |= days(CustomerPurchase.objects.filter(shop=shop, created_at__gte=since), "ordered_at")
    changed |= set(
        StatementLine.objects.filter(shop=shop, created_at__gte=since).values_list("booked_on", flat=True).distinct()
    )
    return changed


def rollups_refresh_changed(*, shop: Shop, now: datetime | None = None) -> int:
    """The job's pass for one shop: the days of rows changed since the shop's cursor, plus the last
    CLOCK_DAYS days (their late counts move with time). A shop without a cursor is rebuilt whole.
    Returns the number of days written."""
    now = now or timezone.now()
    cursor = RollupCursor.objects.filter(shop=shop).first()
    if cursor is None:
        return rollups_rebuild(shop=shop, now=now)
    today = now.astimezone(shop.tzinfo).date()
    first = _first_day(shop) or today
    recent = _days(max(first, today - timedelta(days=CLOCK_DAYS)), today)
    days = _changed_days(shop, cursor.changes_until) | set(recent)
    written = 0
    for first, last in _spans(sorted(days)):
        written += rollups_refresh(shop=shop, first=first, last=last, now=now)
    RollupCursor.objects.filter(pk=cursor.pk).update(changes_until=now)
    return written


def _spans(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) spans: one refresh per span."""
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans
