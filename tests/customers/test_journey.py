from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customers import services
from customers.models import Customer
from tests.customers.factories import CustomerFactory, EventFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def stage_of(customer) -> str:
    services.journey_stages_refresh(shop_id=customer.shop_id, customer_ids=[customer.pk])
    return Customer.objects.get(pk=customer.pk).journey_stage


def buy(customer, times=1):
    for _ in range(times):
        services.customer_record_purchase(customer=customer, amount=Decimal("100000"), ordered_at=T0, discounted=False)


@pytest.mark.parametrize(
    ("event_types", "orders", "stage"),
    [
        ([], 0, "awareness"),
        (["page_view", "email_opened", "search"], 0, "awareness"),
        (["product_view"], 0, "consideration"),
        (["add_to_cart"], 0, "consideration"),
        (["add_to_wishlist"], 0, "consideration"),
        (["checkout_started"], 0, "consideration"),
        (["product_view"], 1, "purchase"),
        ([], 2, "retention"),
        (["add_to_cart"], 5, "retention"),
        (["review_posted"], 1, "advocacy"),
        (["referral_sent"], 0, "advocacy"),
    ],
)
def test_stage_rules(shop, event_types, orders, stage):
    customer = CustomerFactory(shop=shop)
    for event_type in event_types:
        EventFactory(customer=customer, shop=shop, type=event_type)
    buy(customer, orders)

    assert stage_of(customer) == stage


def test_referring_a_customer_makes_the_referrer_an_advocate(shop):
    referrer = CustomerFactory(shop=shop)
    services.customer_upsert(shop=shop, external_id="new", referred_by=referrer, acquisition_channel="referral")

    assert Customer.objects.get(pk=referrer.pk).journey_stage == "advocacy"


def test_refresh_writes_only_changed_rows_and_stamps_the_change(shop):
    unchanged = CustomerFactory(shop=shop)
    changed = CustomerFactory(shop=shop)
    EventFactory(customer=changed, shop=shop, type="product_view")

    assert services.journey_stages_refresh(shop_id=shop.pk) == 1

    assert Customer.objects.get(pk=changed.pk).journey_stage_changed_at is not None
    assert Customer.objects.get(pk=unchanged.pk).journey_stage_changed_at is None


def test_the_nightly_task_recomputes_every_shop(shop, other_shop):
    from customers.tasks import journey_stages_recompute

    mine = CustomerFactory(shop=shop)
    theirs = CustomerFactory(shop=other_shop)
    EventFactory(customer=mine, shop=shop, type="review_posted")
    EventFactory(customer=theirs, shop=other_shop, type="add_to_cart")

    assert journey_stages_recompute() == 2

    assert Customer.objects.get(pk=mine.pk).journey_stage == "advocacy"
    assert Customer.objects.get(pk=theirs.pk).journey_stage == "consideration"


@pytest.mark.parametrize(
    ("event_types", "referred_someone", "orders"),
    [
        ([], False, 1),
        (["product_view", "add_to_cart"], False, 1),
        (["checkout_started"], False, 2),
        (["review_posted"], False, 1),
        (["referral_sent", "product_view"], False, 3),
        ([], True, 1),
    ],
)
def test_a_purchase_leaves_the_stage_the_full_rules_give(shop, event_types, referred_someone, orders):
    # The events are written without a refresh: only the purchase brings the stage up to date.
    customer = CustomerFactory(shop=shop)
    for event_type in event_types:
        EventFactory(customer=customer, shop=shop, type=event_type)
    if referred_someone:
        CustomerFactory(shop=shop, referred_by=customer)
    buy(customer, orders)

    after_purchase = Customer.objects.get(pk=customer.pk).journey_stage
    assert after_purchase == stage_of(customer)  # every rule, both checks on the events
    assert after_purchase != "awareness"


def test_after_a_purchase_the_stage_checks_the_events_once():
    from customers.journey_stages import journey_stage_expression

    def event_checks(expression) -> int:
        return str(Customer.objects.annotate(stage=expression).query).count('FROM "customers_customerevent"')

    assert event_checks(journey_stage_expression()) == 2
    assert event_checks(journey_stage_expression(buyers=True)) == 1
