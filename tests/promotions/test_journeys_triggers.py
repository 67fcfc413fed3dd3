"""The triggers besides the abandoned cart: browse abandoned, order delivered (ask for a review),
tier upgraded, birthday, at risk, entered a segment. Each enrols once per occurrence."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.services import customer_record_purchase, events_ingest
from loyalty.services import tier_record_qualifying_spend
from promotions.journeys.definitions import journey_create, journey_publish
from promotions.journeys.runner import journeys_run_due
from promotions.journeys.triggers import enrol_scheduled
from promotions.models import Enrolment, JourneyTrigger, StepKind
from tests.customers.factories import SegmentFactory
from tests.loyalty.factories import SYSTEM
from tests.orders.factories import advance, place
from tests.promotions.journey_setup import cart_event, customer_with_consent, journey_start

pytestmark = pytest.mark.django_db
SEND = [{"kind": StepKind.SEND, "channel": "email", "subject": "Xin chào {{ name }}"}]


def live(shop, trigger, **fields):
    journey = journey_create(shop=shop, name=str(trigger), trigger=trigger, steps=SEND, **fields)
    return journey_publish(journey=journey)


def test_browse_abandoned_after_three_views_without_adding_to_cart(shop, django_capture_on_commit_callbacks):
    journey = live(shop, JourneyTrigger.BROWSE_ABANDONED, trigger_delay=timedelta(hours=2))
    start = journey_start()
    customer = customer_with_consent(shop, at=start)
    views = [cart_event(customer, sku="VAY-1", at=start + timedelta(minutes=i), kind="product_view") for i in range(4)]

    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(shop=shop, events=views[:2])
    assert not Enrolment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(shop=shop, events=views[2:])

    [enrolment] = Enrolment.objects.filter(journey=journey)
    assert enrolment.occurrence.startswith("browse:VAY-1:")
    assert enrolment.context["product"]["name"] == "Áo dài lụa"


def test_browse_abandoned_is_dismissed_when_the_product_was_added_to_the_cart(shop, django_capture_on_commit_callbacks):
    live(shop, JourneyTrigger.BROWSE_ABANDONED, trigger_delay=timedelta(hours=2))
    start = journey_start()
    customer = customer_with_consent(shop, at=start)
    views = [cart_event(customer, sku="VAY-1", at=start + timedelta(minutes=i), kind="product_view") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(shop=shop, events=views)
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(shop=shop, events=[cart_event(customer, sku="VAY-1", at=start + timedelta(minutes=30))])

    journeys_run_due(now=start + timedelta(hours=3))

    assert Enrolment.objects.get(journey__trigger=JourneyTrigger.BROWSE_ABANDONED).status == "dismissed"


def test_a_delivered_order_enrols_its_customer_once_after_the_delay(shop):
    journey = live(shop, JourneyTrigger.ORDER_DELIVERED, trigger_delay=timedelta(days=14))

    order = advance(place(shop, customer_id="KH-1"), "delivered")

    [enrolment] = Enrolment.objects.filter(journey=journey)
    assert (enrolment.customer, enrolment.occurrence) == (order.customer, f"delivered:{order.number}")
    assert enrolment.due_at == order.delivered_at + timedelta(days=14)


def test_a_tier_upgrade_enrols_the_member(shop):
    journey = live(shop, JourneyTrigger.TIER_UPGRADED, trigger_delay=timedelta(0))
    customer = customer_with_consent(shop, at=timezone.now())

    tier_record_qualifying_spend(
        customer=customer, order_ref="SC-000001", amount=Decimal("2500000"), at=timezone.now(), actor=SYSTEM
    )

    [enrolment] = Enrolment.objects.filter(journey=journey)
    assert enrolment.context == {"tier_rank": 2}


def test_birthdays_enrol_once_a_year(shop):
    journey = live(shop, JourneyTrigger.BIRTHDAY, trigger_delay=timedelta(0))
    now = timezone.now()
    today = timezone.localtime(now, shop.tzinfo).date()
    born = customer_with_consent(shop, at=now, birth_date=date(1992, today.month, today.day))
    customer_with_consent(shop, at=now, birth_date=date(1992, today.month % 12 + 1, 1))

    assert (enrol_scheduled(now=now), enrol_scheduled(now=now)) == (1, 0)
    assert Enrolment.objects.get(journey=journey).customer == born
    assert Enrolment.objects.get(journey=journey).occurrence == f"birthday:{today.year}"


def test_at_risk_customers_enrol_once_per_lapse(shop):
    journey = live(shop, JourneyTrigger.AT_RISK, trigger_delay=timedelta(0))
    now = timezone.now()
    customer = customer_with_consent(shop, at=now)
    customer_record_purchase(
        customer=customer, amount=Decimal("300000"), ordered_at=now - timedelta(days=90), discounted=False
    )

    assert enrol_scheduled(now=now) == 1
    assert enrol_scheduled(now=now) == 0
    assert Enrolment.objects.get(journey=journey).customer == customer


def test_entering_a_segment_enrols_once(shop):
    segment = SegmentFactory(shop=shop)
    journey = live(shop, JourneyTrigger.SEGMENT_ENTERED, trigger_delay=timedelta(0), segment=segment)
    now = timezone.now()
    customer = customer_with_consent(shop, at=now)
    assert enrol_scheduled(now=now) == 0
    customer_record_purchase(customer=customer, amount=Decimal("300000"), ordered_at=now, discounted=False)

    assert enrol_scheduled(now=now) == 1
    assert enrol_scheduled(now=now) == 0
    assert Enrolment.objects.get(journey=journey).occurrence == f"segment:{segment.pk}"
