"""Who enters a journey, and when: one enrolment per customer and trigger occurrence.

Event-driven triggers (cart, browse, delivery, tier) enrol at once in `waiting`, due when the trigger's
delay has passed; the runner then checks that the trigger still holds (no order, cart not empty, no
add to cart) before the customer really enters. Daily facts (birthday, at risk, segment entered) are
scanned every hour."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import BuiltinSegment, Customer, CustomerEvent, EventType, Segment
from customers.selectors import segment_customers
from promotions.models import (
    OPEN_ENROLMENT,
    Enrolment,
    Journey,
    JourneyStatus,
    JourneyTrigger,
)
from sellercenter.models import Shop

CART_EVENTS = (EventType.ADD_TO_CART, EventType.CHECKOUT_STARTED)
BROWSE_WINDOW = timedelta(days=1)


def live_journeys(shop_id: int, trigger: str):
    return Journey.objects.filter(shop_id=shop_id, trigger=trigger, status=JourneyStatus.LIVE)


def enrolment_create(
    *,
    journey: Journey,
    customer: Customer,
    occurrence: str,
    triggered_at: datetime,
    due_at: datetime,
    context: dict | None = None,
) -> Enrolment | None:
    """Enrol the customer for one occurrence of the journey's trigger, waiting until `due_at`.
    Returns None, creating nothing, when this occurrence was enrolled before (in any version of the
    journey) or the customer is still in the journey for an earlier one: the database's unique
    constraints decide, so two workers seeing the same event enrol once."""
    if customer.erased_at is not None or customer.merged_into_id is not None:
        return None
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                shop_id=journey.shop_id,
                journey=journey,
                family=journey.family,
                customer=customer,
                occurrence=occurrence[:100],
                triggered_at=triggered_at,
                due_at=due_at,
                context=context or {},
            )
    except IntegrityError:
        return None


def _open_enrolment_exists(journey: Journey, customer_id: int) -> bool:
    return Enrolment.objects.filter(family=journey.family, customer_id=customer_id, status__in=OPEN_ENROLMENT).exists()


def enrol_from_events(*, shop: Shop, events: list[CustomerEvent]) -> int:
    """Cart abandoned: the first add to cart or checkout started of a customer not already in the
    journey starts an occurrence (named by that event), due after the journey's delay. Browse
    abandoned: the N-th view of a product within a day, without that product added to the cart.
    Returns how many enrolments were made."""
    made = 0
    cart = [e for e in events if e.type in CART_EVENTS]
    views = [e for e in events if e.type == EventType.PRODUCT_VIEW]
    if cart:
        for journey in live_journeys(shop.pk, JourneyTrigger.CART_ABANDONED):
            for event in sorted(cart, key=lambda e: e.occurred_at):
                if _open_enrolment_exists(journey, event.customer_id):
                    continue
                made += bool(
                    enrolment_create(
                        journey=journey,
                        customer=event.customer,
                        occurrence=f"cart:{event.event_id}",
                        triggered_at=event.occurred_at,
                        due_at=event.occurred_at + journey.trigger_delay,
                    )
                )
    if views:
        for journey in live_journeys(shop.pk, JourneyTrigger.BROWSE_ABANDONED):
            made += sum(_enrol_browse(journey, event) for event in views)
    return made


def _enrol_browse(journey: Journey, event: CustomerEvent) -> bool:
    sku = str(event.properties.get("sku") or "")
    if not sku:
        return False
    since = event.occurred_at - BROWSE_WINDOW
    recent = CustomerEvent.objects.filter(customer_id=event.customer_id, occurred_at__gte=since, properties__sku=sku)
    if recent.filter(type=EventType.PRODUCT_VIEW).count() < journey.trigger_count:
        return False
    if recent.filter(type=EventType.ADD_TO_CART).exists():
        return False
    local_day = timezone.localtime(event.occurred_at, journey.shop.tzinfo).date()
    return bool(
        enrolment_create(
            journey=journey,
            customer=event.customer,
            occurrence=f"browse:{sku}:{local_day.isoformat()}",
            triggered_at=event.occurred_at,
            due_at=event.occurred_at + journey.trigger_delay,
            context={"sku": sku, "product": {k: event.properties.get(k) for k in ("name", "price", "image", "url")}},
        )
    )


def _enrol_in_live(trigger: str, customer: Customer, occurrence: str, at: datetime, **context) -> int:
    """Enrol the customer, for this occurrence, in every live journey of the trigger in their shop,
    each due its own delay after `at`; returns how many took them."""
    return sum(
        bool(
            enrolment_create(
                journey=journey,
                customer=customer,
                occurrence=occurrence,
                triggered_at=at,
                due_at=at + journey.trigger_delay,
                context=context,
            )
        )
        for journey in live_journeys(customer.shop_id, trigger)
    )


def enrol_delivered(*, shop: Shop, customer: Customer, order_ref: str, delivered_at: datetime) -> int:
    """Order delivered: enrol for the order, due the journey's delay after delivery (ask for a review)."""
    occurrence = f"delivered:{order_ref}"
    return _enrol_in_live(JourneyTrigger.ORDER_DELIVERED, customer, occurrence, delivered_at, order_ref=order_ref)


def enrol_tier_upgraded(*, customer: Customer, tier_rank: int, at: datetime) -> int:
    """Tier upgraded: enrol for reaching this tier (once per tier, however often it is reached)."""
    return _enrol_in_live(
        JourneyTrigger.TIER_UPGRADED, customer, f"tier:{tier_rank}:{at:%Y%m%d}", at, tier_rank=tier_rank
    )


def _scan_audience(journey: Journey, now: datetime):
    if journey.trigger == JourneyTrigger.BIRTHDAY:
        today = timezone.localtime(now, journey.shop.tzinfo).date()
        occurrence = f"birthday:{today.year}"
        audience = Customer.objects.current().filter(
            shop_id=journey.shop_id, birth_date__month=today.month, birth_date__day=today.day
        )
        return audience, occurrence
    if journey.trigger == JourneyTrigger.AT_RISK:
        segment = Segment.objects.filter(shop_id=journey.shop_id, builtin=BuiltinSegment.AT_RISK).first()
        # Once per lapse: an order makes the customer a new occurrence the next time they drift away.
        return (segment_customers(segment=segment, now=now) if segment else Customer.objects.none()), "at_risk:{last}"
    return segment_customers(segment=journey.segment, now=now), f"segment:{journey.segment_id}"


def enrol_scheduled(*, now: datetime | None = None) -> int:
    """Birthday (the customer's birthday in the shop's time zone, once a year), at risk (in the
    at-risk segment, once per lapse) and segment entered (once per segment): enrol whoever the
    facts name today and was not enrolled for it. Returns how many enrolments were made."""
    now = now or timezone.now()
    made = 0
    scanned = (JourneyTrigger.BIRTHDAY, JourneyTrigger.AT_RISK, JourneyTrigger.SEGMENT_ENTERED)
    for journey in Journey.objects.filter(trigger__in=scanned, status=JourneyStatus.LIVE).select_related("shop"):
        audience, occurrence = _scan_audience(journey, now)
        known = set(Enrolment.objects.filter(family=journey.family).values_list("customer_id", "occurrence"))
        for customer in audience.only("pk", "shop_id", "last_order_at", "erased_at", "merged_into_id").iterator():
            name = occurrence.format(last=f"{customer.last_order_at:%Y%m%d}" if customer.last_order_at else "-")
            if (customer.pk, name) in known:
                continue
            made += bool(
                enrolment_create(
                    journey=journey,
                    customer=customer,
                    occurrence=name,
                    triggered_at=now,
                    due_at=now + journey.trigger_delay,
                )
            )
    return made
