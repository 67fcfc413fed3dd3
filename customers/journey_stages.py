"""The customer journey stage, derived from purchase facts and events (the README lists the rules).

The stage is one SQL expression, so keeping it current for one customer, a batch of them or a whole
shop is one UPDATE (customers.services.journey)."""

from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When

from customers.models import Customer, CustomerEvent, EventType, JourneyStage

# Telling others about the shop.
ADVOCACY_EVENTS = (EventType.REVIEW_POSTED, EventType.REFERRAL_SENT)
# Looking at products with intent: more than reading a page or opening an e-mail.
CONSIDERATION_EVENTS = (
    EventType.PRODUCT_VIEW,
    EventType.ADD_TO_CART,
    EventType.ADD_TO_WISHLIST,
    EventType.CHECKOUT_STARTED,
)
# The event types the stage depends on: an event of another type leaves every stage as it was.
STAGE_EVENTS = frozenset(ADVOCACY_EVENTS + CONSIDERATION_EVENTS)


def _did(event_types) -> Exists:
    return Exists(CustomerEvent.objects.filter(customer=OuterRef("pk"), type__in=event_types))


def journey_stage_expression(*, buyers: bool = False) -> Case:
    """The stage each customer row is in, checked from the most advanced stage down:

    advocacy      posted a review, sent a referral, or another customer was referred by them
    retention     two or more orders
    purchase      one order
    consideration viewed a product, added to cart or wishlist, or started a checkout; never bought
    awareness     anything else: known to the shop (a visit, a sign-up, an opened e-mail) and no more

    With `buyers` (every row has an order, as just after a purchase) the stages below purchase cannot
    be reached and their check on the events is left out: each check on the events is planned for
    every partition of the events table, which costs more than running it."""
    referred_someone = Exists(Customer.objects.filter(referred_by=OuterRef("pk")))
    below_purchase = (
        []
        if buyers
        else [
            When(orders_count=1, then=Value(JourneyStage.PURCHASE.value)),
            When(_did(CONSIDERATION_EVENTS), then=Value(JourneyStage.CONSIDERATION.value)),
        ]
    )
    return Case(
        When(Q(_did(ADVOCACY_EVENTS)) | Q(referred_someone), then=Value(JourneyStage.ADVOCACY.value)),
        When(orders_count__gte=2, then=Value(JourneyStage.RETENTION.value)),
        *below_purchase,
        default=Value((JourneyStage.PURCHASE if buyers else JourneyStage.AWARENESS).value),
        output_field=CharField(),
    )
