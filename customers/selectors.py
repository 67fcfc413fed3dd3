"""Reads: customer lists, duplicates, consent, segment membership, timelines, personal data, metrics."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import (
    PROFILE_FIELDS,
    Address,
    AnonymousIdentity,
    ConsentRecord,
    Customer,
    CustomerEvent,
    CustomerMerge,
    CustomerPurchase,
    CustomerTag,
    EventType,
    MarketingChannel,
    Review,
    Segment,
)
from customers.phones import phone_search_fragments, phone_to_e164
from customers.segment_rules import rules_filter, rules_validate
from sellercenter.errors import InvalidInput, NotFound
from sellercenter.models import Shop
from sellercenter.money import money_round
from sellercenter.periods import local_days_bounds
from sellercenter.text import Folded, search_key

# --- Customers -------------------------------------------------------------------------------------


def duplicate_exists() -> Case:
    """For a customer row: another current profile of the shop has the same e-mail or phone. One
    EXISTS per contact, each an index lookup on (shop, email) or (shop, phone), and looked up only
    when the row has that contact: with the two contacts OR-ed in one EXISTS, or for a shop where most
    profiles have no e-mail, PostgreSQL read the shop's whole customer table for every row listed."""
    others = Customer.objects.current().filter(shop=OuterRef("shop")).exclude(pk=OuterRef("pk"))
    same_email = Exists(others.filter(email=OuterRef("email")).exclude(email=""))
    same_phone = Exists(others.filter(phone=OuterRef("phone")).exclude(phone=""))
    return Case(
        When(~Q(email="") & same_email, then=Value(True)),
        When(~Q(phone="") & same_phone, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def customer_survivor(customer: Customer, *, for_update: bool = False) -> Customer:
    """The profile that stands for `customer`: itself, or the profile it was merged into. A merge
    moves everything the customer has (orders, points, redemptions) to the survivor and repoints
    earlier merges at it, so the survivor is one step away; following on is a safeguard."""
    while customer.merged_into_id is not None:
        rows = Customer.objects.select_for_update() if for_update else Customer.objects
        customer = rows.get(pk=customer.merged_into_id)
    return customer


def customer_resolve(
    *, shop: Shop, external_id: str | None = None, pk: int | None = None, for_update: bool = False
) -> Customer | None:
    """The shop's customer named by the storefront's id (`external_id`) or by ours (`pk`), following
    merges: a storefront still sending the id of a merged-away profile gets the survivor, in every
    app alike. None when the shop has no such customer. `for_update` locks the rows read."""
    if pk is not None:
        lookup = {"pk": pk}
    elif external_id:
        lookup = {"external_id": external_id}
    else:
        return None
    rows = Customer.objects.select_for_update() if for_update else Customer.objects
    customer = rows.filter(shop=shop, **lookup).first()
    return customer_survivor(customer, for_update=for_update) if customer is not None else None


def customer_find_by_phone(*, shop: Shop, phone: str) -> Customer | None:
    """The shop's current customer with this phone number, however it is typed (it is compared in
    E.164, as stored); the oldest profile when duplicates share it. None for a number that is not one."""
    try:
        number = phone_to_e164(phone)
    except ValidationError:
        return None
    if not number:
        return None
    return Customer.objects.current().filter(shop=shop, phone=number).order_by("pk").first()


def customer_require(*, shop: Shop, external_id: str, field: str = "external_id") -> Customer:
    """`customer_resolve` by storefront id for a caller that cannot go on without the customer:
    NotFound naming `field` when the shop has none with this id."""
    customer = customer_resolve(shop=shop, external_id=external_id)
    if customer is None:
        message = _("No customer has this id.")
        raise NotFound(message, fields={field: [message]})
    return customer


def customer_list(*, shop: Shop) -> QuerySet[Customer]:
    """The shop's current customers with their tags and duplicate flag, in a fixed number of queries."""
    return (
        Customer.objects.current()
        .filter(shop=shop)
        .annotate(has_duplicates=duplicate_exists())
        .prefetch_related(Prefetch("tags", queryset=CustomerTag.objects.order_by("name")))
    )


def customer_search(queryset: QuerySet[Customer], term: str) -> QuerySet[Customer]:
    """Customers whose name or e-mail contains `term`, or whose phone matches it typed any way
    (`0912 345 678`, `+84912345678`, `912345`). The name matches with or without accents either side
    ("nguyen van duc" finds "Nguyễn Văn Đức", and "Đức" finds "Duc")."""
    term = term.strip()
    if not term:
        return queryset
    condition = Q(full_name__icontains=term) | Q(email__icontains=term) | Q(external_id=term)
    if key := search_key(term):
        queryset = queryset.alias(name_folded=Folded("full_name"))
        condition |= Q(name_folded__contains=key)
    for fragment in phone_search_fragments(term):
        condition |= Q(phone__contains=fragment)
    return queryset.filter(condition)


def customer_duplicates(*, customer: Customer) -> QuerySet[Customer]:
    """Other current profiles of the shop with the same e-mail or phone: candidates for a merge."""
    same_contact = Q()
    if customer.email:
        same_contact |= Q(email=customer.email)
    if customer.phone:
        same_contact |= Q(phone=customer.phone)
    if not same_contact:
        return Customer.objects.none()
    return Customer.objects.current().filter(same_contact, shop_id=customer.shop_id).exclude(pk=customer.pk)


def customer_named(*, shop: Shop, external_id: str, field: str) -> Customer:
    """The current customer a request names by storefront id in its body (`field`), following
    merges; InvalidInput naming `field` when the shop has none with this id, or it was erased."""
    customer = customer_resolve(shop=shop, external_id=external_id)
    if customer is None or customer.erased_at is not None:
        raise InvalidInput(fields={field: [_("No customer has this id.")]})
    return customer


def merge_survivor(*, customers) -> Customer:
    """Which of the duplicates `customers` the others merge into: the one with most orders (the
    profile the shop knows best), the oldest among equals. Refuses (InvalidInput) fewer than two
    profiles, or profiles of more than one shop."""
    profiles = list(customers)
    if len(profiles) < 2 or len({customer.shop_id for customer in profiles}) > 1:
        raise InvalidInput(_("Choose two or more profiles of one shop."))
    return min(profiles, key=lambda customer: (-customer.orders_count, customer.pk))


def customer_timeline(*, customer: Customer, limit: int = 20) -> list[CustomerEvent]:
    """The customer's latest events, newest first."""
    return list(CustomerEvent.objects.filter(customer=customer).order_by("-occurred_at", "-pk")[:limit])


# --- Consent ---------------------------------------------------------------------------------------


def customer_consents(*, customer: Customer, at: datetime | None = None) -> dict[str, ConsentRecord | None]:
    """Channel -> the record in force at `at` (default now), None where the customer never said."""
    at = at or timezone.now()
    state: dict[str, ConsentRecord | None] = dict.fromkeys(MarketingChannel.values)
    records = ConsentRecord.objects.filter(customer=customer, recorded_at__lte=at).order_by("-recorded_at", "-pk")
    for record in records:
        if state.get(record.channel) is None:
            state[record.channel] = record
    return state


def marketing_allowed(*, customer: Customer, channel: str, at: datetime | None = None) -> bool:
    """May the shop send marketing to the customer on `channel` ("email", "sms", "zalo", "web_push")
    at `at` (default now)? Only if the latest consent record on that channel at that moment is a
    grant, and the profile is neither erased nor merged away. Everything that sends marketing asks this.
    Raises ValueError for an unknown channel."""
    return (customer.pk, channel) in marketing_allowed_among(customers=[customer], channels=[channel], at=at)


def marketing_allowed_among(
    *, customers: list[Customer], channels: set[str] | list[str], at: datetime | None = None
) -> set[tuple[int, str]]:
    """The (customer id, channel) pairs among `customers` x `channels` on which marketing may be sent
    at `at` (default now), by the rule of `marketing_allowed`: one query for a whole batch.
    Raises ValueError for an unknown channel."""
    unknown = set(channels) - set(MarketingChannel.values)
    if unknown:
        raise ValueError(f"unknown marketing channel {sorted(unknown)[0]!r}")
    current = [c.pk for c in customers if c.erased_at is None and c.merged_into_id is None]
    if not current or not channels:
        return set()
    records = ConsentRecord.objects.filter(
        customer_id__in=current, channel__in=channels, recorded_at__lte=at or timezone.now()
    )
    if connections[records.db].features.can_distinct_on_fields:  # PostgreSQL: one pass over the records, sorted
        latest = records.order_by("customer_id", "channel", "-recorded_at", "-pk").distinct("customer_id", "channel")
    else:  # SQLite (the demo): each pair's newest record found by a subquery
        newest = records.filter(customer_id=OuterRef("customer_id"), channel=OuterRef("channel"))
        latest = records.filter(pk=Subquery(newest.order_by("-recorded_at", "-pk").values("pk")[:1]))
    return {
        (customer_id, channel)
        for customer_id, channel, granted in latest.values_list("customer_id", "channel", "granted")
        if granted
    }


# --- Segments --------------------------------------------------------------------------------------


def _members(segment: Segment, now: datetime | None, tzinfo) -> QuerySet[Customer]:
    # Rules saved without the segment services are brought to their normal form first.
    return rules_filter(
        Customer.objects.current().filter(shop_id=segment.shop_id),
        rules=rules_validate(segment.rules, match=segment.match),
        match=segment.match,
        now=now or timezone.now(),
        tzinfo=tzinfo,
    )


def segment_customers(*, segment: Segment, now: datetime | None = None) -> QuerySet[Customer]:
    """The segment's members (current profiles of its shop matching its rules), as one query
    (plus one for the shop's time zone if a rule has a window and the segment came without its shop)."""
    return _members(segment, now, lambda: segment.shop.tzinfo)


def segment_includes(*, segment: Segment, customer: Customer, now: datetime | None = None) -> bool:
    """Is the customer in the segment now? One query."""
    if customer.shop_id != segment.shop_id:
        return False
    # Both hold the same shop: take its time zone from whichever copy is loaded already.
    shop = customer if Customer.shop.is_cached(customer) else segment
    return _members(segment, now, lambda: shop.shop.tzinfo).filter(pk=customer.pk).exists()


def segments_member_counts(*, segments: list[Segment], now: datetime | None = None) -> dict[int, int]:
    """Segment id -> member count, for all the given segments in one query."""
    if not segments:
        return {}
    counts = {
        f"segment_{segment.pk}": Coalesce(
            Subquery(
                segment_customers(segment=segment, now=now)
                .order_by()
                .values("shop_id")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        for segment in segments
    }
    row = Shop.objects.filter(pk=segments[0].shop_id).values(**counts).get()
    return {segment.pk: row[f"segment_{segment.pk}"] for segment in segments}


# --- Personal data ---------------------------------------------------------------------------------

PROFILE_EXPORT_FIELDS = (
    "external_id",
    *(name for name in PROFILE_FIELDS if name != "referred_by"),  # a profile id is no personal datum
    "orders_count",
    "total_spent",
    "first_order_at",
    "last_order_at",
    "journey_stage",
    "created_at",
    "updated_at",
)


def customer_profile_data(customer: Customer) -> dict:
    return {"id": customer.pk, **{name: getattr(customer, name) for name in PROFILE_EXPORT_FIELDS}}


def customer_personal_data(*, customer: Customer) -> dict:
    """Everything the shop holds about the customer, for a data-access request (JSON-ready with
    DjangoJSONEncoder)."""
    return {
        "profile": customer_profile_data(customer),
        "tags": list(CustomerTag.objects.filter(customer=customer).values_list("name", flat=True)),
        "addresses": list(
            Address.objects.filter(customer=customer).values(
                "label", "recipient_name", "phone", "street", "ward", "district", "province", "is_default"
            )
        ),
        "consents": list(
            ConsentRecord.objects.filter(customer=customer)
            .order_by("recorded_at", "pk")
            .values("channel", "granted", "recorded_at", "source", "wording_version", "evidence")
        ),
        "purchases": list(
            CustomerPurchase.objects.filter(customer=customer)
            .order_by("ordered_at", "pk")
            .values("reference", "amount", "ordered_at", "discounted", "reversed_at")
        ),
        "anonymous_ids": list(
            AnonymousIdentity.objects.filter(customer=customer).values_list("anonymous_id", flat=True)
        ),
        "events": list(
            CustomerEvent.objects.filter(customer=customer)
            .order_by("occurred_at", "pk")
            .values("event_id", "type", "channel", "session_id", "properties", "occurred_at")
        ),
        "merged_profiles": list(
            CustomerMerge.objects.filter(target=customer).values("source_id", "source_snapshot", "merged_at")
        ),
    }


# --- Metrics ---------------------------------------------------------------------------------------

RATE_PLACES = Decimal("0.0001")


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def local_day_bounds(*, shop: Shop, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[00:00 of date_from, 00:00 of the day after date_to) in the shop's time zone."""
    return local_days_bounds(date_from, date_to, shop.tzinfo)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _retention_by_cohort(shop: Shop, start: datetime, end: datetime) -> list[dict]:
    """Customers by the month of their first order (in the range), and for each later month up to the
    range's end, the share of them who ordered in it (month 0 is always 1)."""
    months = (
        CustomerPurchase.objects.filter(
            shop=shop,
            reversed_at__isnull=True,
            ordered_at__lt=end,
            customer__first_order_at__gte=start,
            customer__first_order_at__lt=end,
        )
        .annotate(month=TruncMonth("ordered_at", tzinfo=shop.tzinfo))
        .values_list("customer_id", "month")
        .distinct()
    )
    active: dict[int, set[int]] = defaultdict(set)
    for customer_id, month in months:
        active[customer_id].add(_month_index(month.date() if isinstance(month, datetime) else month))
    cohorts: dict[int, list[set[int]]] = defaultdict(list)
    for customer_months in active.values():
        cohorts[min(customer_months)].append(customer_months)
    last_month = _month_index((end - timedelta(microseconds=1)).astimezone(shop.tzinfo).date())
    result = []
    for cohort in sorted(cohorts):
        members = cohorts[cohort]
        retention = [
            _rate(sum(1 for m in members if cohort + offset in m), len(members))
            for offset in range(last_month - cohort + 1)
        ]
        result.append(
            {"cohort": f"{cohort // 12:04d}-{cohort % 12 + 1:02d}", "customers": len(members), "retention": retention}
        )
    return result


def _session_count(events: QuerySet[CustomerEvent]) -> int:
    return events.exclude(session_id="").values("session_id").distinct().count()


def _session_rates(shop: Shop, start: datetime, end: datetime) -> dict:
    in_range = CustomerEvent.objects.filter(shop=shop, occurred_at__gte=start, occurred_at__lt=end)
    order_sessions = in_range.filter(type=EventType.ORDER_PLACED).exclude(session_id="").values("session_id")
    cart_events = in_range.filter(type=EventType.ADD_TO_CART)
    sessions = _session_count(in_range)
    converted = _session_count(in_range.filter(type=EventType.ORDER_PLACED))
    cart_sessions = _session_count(cart_events)
    abandoned = _session_count(cart_events.exclude(session_id__in=order_sessions))
    return {
        "sessions": sessions,
        "sessions_with_order": converted,
        "conversion_rate": _rate(converted, sessions),
        "sessions_with_cart": cart_sessions,
        "sessions_with_abandoned_cart": abandoned,
        "cart_abandonment_rate": _rate(abandoned, cart_sessions),
    }


def _purchase_rates(shop: Shop, start: datetime, end: datetime) -> dict:
    counted = CustomerPurchase.objects.filter(shop=shop, reversed_at__isnull=True)
    buyers = counted.filter(ordered_at__gte=start, ordered_at__lt=end).values("customer_id").distinct()
    buyer_count = buyers.count()
    repeat = (
        counted.filter(ordered_at__lt=end, customer_id__in=buyers)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .count()
    )
    lifetime = counted.filter(ordered_at__lt=end).aggregate(
        total=Coalesce(Sum("amount"), Decimal("0")), customers=Count("customer_id", distinct=True)
    )
    average = lifetime["total"] / lifetime["customers"] if lifetime["customers"] else None
    return {
        "customers_with_orders": buyer_count,
        "repeat_customers": repeat,
        "repeat_customer_rate": _rate(repeat, buyer_count),
        "average_lifetime_value": None if average is None else money_round(average, shop.currency),
    }


def customer_metrics(*, shop: Shop, date_from: date, date_to: date) -> dict:
    """The shop's customer metrics for the days date_from..date_to (inclusive, in its time zone):

    new_customers          customers whose first order falls in the range
    repeat_customer_rate   of the customers who ordered in the range, those with 2+ orders by its end
    retention_by_cohort    per month of first order in the range: share ordering again in each month
    average_lifetime_value spend up to the range's end / customers who ordered by then
    conversion_rate        sessions with an order / sessions (events in the range)
    cart_abandonment_rate  sessions with add_to_cart and no order / sessions with add_to_cart
    Rates are Decimals with 4 places, None when nothing to divide by."""
    start, end = local_day_bounds(shop=shop, date_from=date_from, date_to=date_to)
    new_customers = (
        Customer.objects.current().filter(shop=shop, first_order_at__gte=start, first_order_at__lt=end).count()
    )
    return {
        "date_from": date_from,
        "date_to": date_to,
        "new_customers": new_customers,
        **_purchase_rates(shop, start, end),
        "retention_by_cohort": _retention_by_cohort(shop, start, end),
        **_session_rates(shop, start, end),
    }


# --- Carts -----------------------------------------------------------------------------------------

CART_EVENTS = (EventType.ADD_TO_CART, EventType.REMOVE_FROM_CART)


def customer_cart(*, customer: Customer, since: datetime, until: datetime | None = None) -> list[dict]:
    """What the customer's cart holds, as their add-to-cart and remove-from-cart events since `since`
    tell it: one line per SKU with quantity > 0 ({sku, name, price, quantity, image, url}), in the
    order first added. Quantity defaults to 1; a removal without a quantity removes the whole line."""
    events = customers_cart_events(customer_ids=[customer.pk], since=since).get(customer.pk, [])
    return cart_lines(events, since=since, until=until)


def customers_cart_events(*, customer_ids: list[int], since: datetime) -> dict[int, list[tuple]]:
    """Each customer's add-to-cart and remove-from-cart events since `since`, oldest first, as
    (occurred_at, type, properties): one query for a batch, folded into carts by `cart_lines`."""
    events = defaultdict(list)
    rows = (
        CustomerEvent.objects.filter(customer_id__in=customer_ids, type__in=CART_EVENTS, occurred_at__gte=since)
        .order_by("occurred_at", "pk")
        .values_list("customer_id", "occurred_at", "type", "properties")
    )
    for customer_id, occurred_at, event_type, properties in rows:
        events[customer_id].append((occurred_at, event_type, properties))
    return events


def cart_lines(events: list[tuple], *, since: datetime, until: datetime | None = None) -> list[dict]:
    """The cart that one customer's cart events (see `customers_cart_events`) between `since` and
    `until` leave, as `customer_cart` describes it; new dicts on every call."""
    lines: dict[str, dict] = {}
    for occurred_at, event_type, properties in events:
        if occurred_at < since or (until is not None and occurred_at > until):
            continue
        sku = str(properties.get("sku") or "")
        if not sku:
            continue
        quantity = properties.get("quantity")
        if event_type == EventType.ADD_TO_CART:
            line = lines.setdefault(sku, {"sku": sku, "quantity": 0})
            line["quantity"] += quantity if isinstance(quantity, int) and quantity > 0 else 1
            for key in ("name", "price", "image", "url"):
                if properties.get(key) not in (None, ""):
                    line[key] = properties[key]
        elif sku in lines:
            lines[sku]["quantity"] -= quantity if isinstance(quantity, int) and quantity > 0 else lines[sku]["quantity"]
    return [line for line in lines.values() if line["quantity"] > 0]


def customer_last_viewed(*, customer: Customer, limit: int = 3) -> list[dict]:
    """The products the customer looked at last, newest first, one per SKU ({sku, name, price, image, url})."""
    return customers_last_viewed(customer_ids=[customer.pk], limit=limit).get(customer.pk, [])


def customers_last_viewed(*, customer_ids: list[int], limit: int = 3) -> dict[int, list[dict]]:
    """`customer_last_viewed` for many customers in one query: the last views of each (a window over
    each customer's newest events), folded into at most `limit` products per customer."""
    newest = Window(RowNumber(), partition_by=[F("customer_id")], order_by=[F("occurred_at").desc(), F("pk").desc()])
    views = (
        CustomerEvent.objects.filter(customer_id__in=customer_ids, type=EventType.PRODUCT_VIEW)
        .annotate(newest=newest)
        .filter(newest__lte=limit * 10)
        .order_by("customer_id", "newest")
        .values_list("customer_id", "properties")
    )
    seen, products = defaultdict(set), defaultdict(list)
    for customer_id, properties in views:
        sku = str(properties.get("sku") or "")
        if sku and sku not in seen[customer_id] and len(products[customer_id]) < limit:
            seen[customer_id].add(sku)
            products[customer_id].append(
                {key: properties[key] for key in ("sku", "name", "price", "image", "url") if key in properties}
            )
    return products


# --- Reviews ---------------------------------------------------------------------------------------

LOW_RATING = 2


def review_satisfaction(*, shop: Shop, since: datetime | None = None) -> dict:
    """The shop's customer satisfaction from reviews (since `since`): how many, the average rating
    (2 decimals, None without reviews) and the share of low ones (1-2 stars, a fraction such as 0.1250)."""
    reviews = Review.objects.filter(shop=shop)
    if since is not None:
        reviews = reviews.filter(created_at__gte=since)
    figures = reviews.aggregate(
        count=Count("pk"), total=Sum("rating"), low=Count("pk", filter=Q(rating__lte=LOW_RATING))
    )
    count = figures["count"]
    if not count:
        return {"count": 0, "average": None, "low_share": None}
    average = (Decimal(figures["total"]) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"count": count, "average": average, "low_share": _rate(figures["low"], count)}
