from datetime import UTC, datetime, timedelta

import pytest

from customers import services
from customers.models import AnonymousIdentity, Customer, CustomerEvent
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def event(event_id, type="page_view", **fields):
    return {"event_id": event_id, "type": type, "occurred_at": T0, **fields}


def test_new_events_are_stored_and_attached_to_their_customer(shop):
    customer = CustomerFactory(shop=shop, external_id="web-1")

    outcomes = services.events_ingest(
        shop=shop,
        events=[
            event("e1", "product_view", customer_id="web-1", properties={"sku": "AO-1", "price": "250000"}),
            event("e2", "page_view", anonymous_id="anon-1", session_id="s1", channel="app"),
        ],
    )

    assert outcomes == ["accepted", "accepted"]
    stored = {e.event_id: e for e in CustomerEvent.objects.filter(shop=shop)}
    assert stored["e1"].customer == customer
    assert stored["e1"].properties == {"sku": "AO-1", "price": "250000"}
    assert stored["e2"].customer is None and stored["e2"].channel == "app"
    customer.refresh_from_db()
    assert customer.journey_stage == "consideration"
    assert customer.last_seen_at == T0


def test_known_and_repeated_event_ids_are_duplicates(shop):
    services.events_ingest(shop=shop, events=[event("e1", anonymous_id="a")])

    outcomes = services.events_ingest(
        shop=shop, events=[event("e1", anonymous_id="a"), event("e2", anonymous_id="a"), event("e2", anonymous_id="a")]
    )

    assert outcomes == ["duplicate", "accepted", "duplicate"]
    assert CustomerEvent.objects.filter(shop=shop).count() == 2


def test_event_ids_are_unique_per_shop_only(shop, other_shop):
    services.events_ingest(shop=shop, events=[event("e1", anonymous_id="a")])

    assert services.events_ingest(shop=other_shop, events=[event("e1", anonymous_id="a")]) == ["accepted"]


def test_an_identified_anonymous_id_attaches_new_events_to_the_customer(shop):
    customer = CustomerFactory(shop=shop)
    services.customer_identify(customer=customer, anonymous_id="anon-1")

    services.events_ingest(shop=shop, events=[event("e1", "add_to_cart", anonymous_id="anon-1")])

    assert CustomerEvent.objects.get(event_id="e1").customer == customer


def test_a_customer_id_of_another_shop_is_not_matched(shop, other_shop):
    CustomerFactory(shop=other_shop, external_id="web-1")

    services.events_ingest(shop=shop, events=[event("e1", customer_id="web-1")])

    stored = CustomerEvent.objects.get(event_id="e1")
    assert stored.customer is None
    assert stored.customer_external_id == "web-1"


def test_last_seen_is_the_latest_event_even_when_events_arrive_out_of_order(shop):
    customer = CustomerFactory(shop=shop, external_id="web-1")
    services.events_ingest(shop=shop, events=[event("late", customer_id="web-1", occurred_at=T0 + timedelta(hours=2))])
    services.events_ingest(shop=shop, events=[event("early", customer_id="web-1")])

    customer.refresh_from_db()
    assert customer.last_seen_at == T0 + timedelta(hours=2)


def test_one_batch_moves_each_customers_last_seen_to_their_own_latest_event(shop):
    first = CustomerFactory(shop=shop, external_id="web-1", last_seen_at=T0 + timedelta(hours=5))
    second = CustomerFactory(shop=shop, external_id="web-2")
    services.events_ingest(
        shop=shop,
        events=[
            event("a", customer_id="web-1", occurred_at=T0 + timedelta(hours=1)),
            event("b", customer_id="web-2", occurred_at=T0 + timedelta(hours=3)),
            event("c", customer_id="web-2", occurred_at=T0 + timedelta(hours=2)),
        ],
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.last_seen_at == T0 + timedelta(hours=5)  # an older event does not move it back
    assert second.last_seen_at == T0 + timedelta(hours=3)


def test_a_batch_moves_each_customer_to_their_own_stage_and_leaves_the_others(shop):
    reviewer = CustomerFactory(shop=shop, external_id="web-1")
    browser = CustomerFactory(shop=shop, external_id="web-2")
    reader = CustomerFactory(shop=shop, external_id="web-3")

    services.events_ingest(
        shop=shop,
        events=[
            event("e1", "review_posted", customer_id="web-1"),
            event("e2", "product_view", customer_id="web-2"),
            event("e3", "page_view", customer_id="web-3"),
        ],
    )

    stages = dict(Customer.objects.values_list("pk", "journey_stage"))
    assert stages == {reviewer.pk: "advocacy", browser.pk: "consideration", reader.pk: "awareness"}
    changed = set(Customer.objects.filter(journey_stage_changed_at__isnull=False).values_list("pk", flat=True))
    assert changed == {reviewer.pk, browser.pk}


@pytest.mark.postgres
def test_a_batch_of_events_the_stage_does_not_look_at_does_not_read_the_stages(shop, django_assert_num_queries):
    CustomerFactory(shop=shop, external_id="web-1")
    views = [event(f"p{i}", "page_view", customer_id="web-1") for i in range(5)]

    # Known event ids, customers by id, one insert, last seen (no savepoint: the test's transaction is
    # the caller's): no anonymous id to look up, and no stage to read or write.
    with django_assert_num_queries(4):
        services.events_ingest(shop=shop, events=views)

    assert Customer.objects.get().last_seen_at == T0


def _batch(shop, size, prefix):
    return [
        event(f"{prefix}-{i}", "product_view", customer_id=f"web-{i % 3}", anonymous_id=f"anon-{i % 5}")
        for i in range(size)
    ]


# Known event ids, customers by id, anonymous ids, one insert, last seen, the stages read and the
# stages that changed written (no savepoint: the batch is written in its caller's transaction).
BATCH_QUERIES = 7


@pytest.mark.postgres  # SQLite splits a 500-row insert into several statements (999 parameters at most)
@pytest.mark.parametrize("size", [1, 500])
def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(shop, django_assert_num_queries, size):
    for i in range(3):
        CustomerFactory(shop=shop, external_id=f"web-{i}")
    services.customer_identify(customer=Customer.objects.first(), anonymous_id="anon-1")

    with django_assert_num_queries(BATCH_QUERIES):
        outcomes = services.events_ingest(shop=shop, events=_batch(shop, size, "batch"))

    assert outcomes.count("accepted") == size
    assert CustomerEvent.objects.filter(shop=shop).count() == size


def test_identify_attaches_earlier_anonymous_events(shop):
    customer = CustomerFactory(shop=shop)
    services.events_ingest(
        shop=shop,
        events=[event("e1", "product_view", anonymous_id="anon-1"), event("e2", anonymous_id="anon-2")],
    )

    attached = services.customer_identify(customer=customer, anonymous_id="anon-1")

    assert attached == 1
    assert list(customer.events.values_list("event_id", flat=True)) == ["e1"]
    customer.refresh_from_db()
    assert customer.journey_stage == "consideration"


def test_identify_again_as_someone_else_keeps_the_first_customers_events(shop):
    lan, minh = CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    services.events_ingest(shop=shop, events=[event("e1", anonymous_id="shared-tablet")])
    services.customer_identify(customer=lan, anonymous_id="shared-tablet")

    services.customer_identify(customer=minh, anonymous_id="shared-tablet")
    services.events_ingest(shop=shop, events=[event("e2", anonymous_id="shared-tablet")])

    assert AnonymousIdentity.objects.get(anonymous_id="shared-tablet").customer == minh
    assert CustomerEvent.objects.get(event_id="e1").customer == lan
    assert CustomerEvent.objects.get(event_id="e2").customer == minh
