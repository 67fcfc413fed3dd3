"""Behaviour events partitioned by month (PostgreSQL), kept for EVENTS_RETENTION_MONTHS, unique per
shop and event id across months."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from customers import partitions, services
from customers.models import CustomerEvent, CustomerEventKey

pytestmark = pytest.mark.django_db


def event(event_id, occurred_at, **fields):
    return {"event_id": event_id, "type": "page_view", "occurred_at": occurred_at, "anonymous_id": "a1", **fields}


def months_ago(count: int) -> datetime:
    month = partitions.add_months(partitions.month_start(timezone.now().astimezone(UTC).date()), -count)
    return datetime(month.year, month.month, 15, 12, tzinfo=UTC)


def partition_of(event_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM customers_customerevent WHERE event_id = %s", [event_id])
        return cursor.fetchone()[0]


def test_an_event_id_is_a_duplicate_in_any_month(shop):
    assert services.events_ingest(shop=shop, events=[event("e1", months_ago(3))]) == ["accepted"]

    again = services.events_ingest(shop=shop, events=[event("e1", months_ago(1)), event("e2", months_ago(1))])

    assert again == ["duplicate", "accepted"]
    assert CustomerEvent.objects.filter(shop=shop, event_id="e1").count() == 1
    assert CustomerEventKey.objects.filter(shop=shop).count() == 2


def test_the_same_event_id_in_two_shops_is_two_events(shop, other_shop):
    assert services.events_ingest(shop=shop, events=[event("e1", months_ago(1))]) == ["accepted"]
    assert services.events_ingest(shop=other_shop, events=[event("e1", months_ago(1))]) == ["accepted"]


@pytest.mark.postgres
def test_the_table_is_partitioned_by_month_and_each_event_lands_in_its_month(shop):
    services.events_ingest(shop=shop, events=[event("old", months_ago(5)), event("new", months_ago(0))])

    with connection.cursor() as cursor:
        assert partitions.is_partitioned(cursor)
        months = set(partitions.partitions(cursor))
    this_month = partitions.month_start(timezone.now().astimezone(UTC).date())
    assert partitions.add_months(this_month, partitions.MONTHS_AHEAD) in months
    assert partition_of("old") == partitions.partition_name(months_ago(5).date().replace(day=1))
    assert partition_of("new") == partitions.partition_name(this_month)


@pytest.mark.postgres
def test_retention_drops_whole_months_and_makes_the_months_ahead(shop, settings):
    settings.EVENTS_RETENTION_MONTHS = 6
    services.events_ingest(
        shop=shop, events=[event("too-old", months_ago(8)), event("kept", months_ago(5)), event("now", months_ago(0))]
    )
    with connection.cursor() as cursor:
        before = set(partitions.partitions(cursor))

    done = services.events_retention_apply()

    with connection.cursor() as cursor:
        after = set(partitions.partitions(cursor))
    cutoff = services.events_kept_since().date()
    assert done["partitions_dropped"] == len([month for month in before if month < cutoff]) > 0
    assert min(after) == cutoff
    assert set(CustomerEvent.objects.filter(shop=shop).values_list("event_id", flat=True)) == {"kept", "now"}
    assert not CustomerEventKey.objects.filter(event_id="too-old").exists()
    assert services.events_retention_apply()["partitions_dropped"] == 0  # safe to run twice


def test_retention_forgets_old_events_on_any_database(shop, settings):
    settings.EVENTS_RETENTION_MONTHS = 6
    services.events_ingest(shop=shop, events=[event("too-old", months_ago(7)), event("kept", months_ago(2))])

    services.events_retention_apply()

    assert list(CustomerEvent.objects.filter(shop=shop).values_list("event_id", flat=True)) == ["kept"]
    # Forgotten with its key: the storefront may send that id again, as a new event.
    assert not CustomerEventKey.objects.filter(shop=shop, event_id="too-old").exists()


def test_the_api_refuses_an_event_older_than_the_shop_keeps(api, shop, settings):
    settings.EVENTS_RETENTION_MONTHS = 6
    older = (services.events_kept_since() - timedelta(days=1)).isoformat()
    fresh = timezone.now().isoformat()

    response = api.post(
        "/api/v1/events",
        {"events": [event("old", older), event("fresh", fresh)]},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    assert [result["status"] for result in body["results"]] == ["rejected", "accepted"]
    assert list(body["results"][0]["errors"]) == ["occurred_at"]
    assert list(CustomerEvent.objects.filter(shop=shop).values_list("event_id", flat=True)) == ["fresh"]


def test_each_key_of_the_events_starts_an_index_and_no_index_is_the_start_of_another():
    """Every index is written for each event and weighed for each partition when a query on the events
    is planned: the shop and customer keys are served by the indexes that start with them."""
    with connection.cursor() as cursor:
        tables = [CustomerEvent._meta.db_table]
        if connection.vendor == "postgresql":
            tables.append(min(partitions.partitions(cursor).values()))
        for table in tables:
            constraints = connection.introspection.get_constraints(cursor, table).values()
            indexes = [tuple(found["columns"]) for found in constraints if found["index"] and not found["primary_key"]]
            for key in ("shop_id", "customer_id"):
                assert any(columns[0] == key for columns in indexes), (table, key)
            for columns in indexes:
                longer = [other for other in indexes if other != columns and other[: len(columns)] == columns]
                assert not longer, (table, columns, longer)
