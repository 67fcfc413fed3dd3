"""`copy_rows` and `copy_values`: one COPY on PostgreSQL that writes what `bulk_create` writes, counted as a query.
`insert_unless_present`: one statement that writes a row once, whoever else writes it at the same time."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from customers.models import CustomerEvent, CustomerPurchase
from sellercenter.bulk import copy_rows, copy_values, insert_unless_present
from sellercenter.models import OutboxMessage
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
FIELDS = ("customer_id", "customer_external_id", "anonymous_id", "event_id", "type", "properties", "occurred_at")


def _events(shop, customer, prefix):
    at = datetime(2026, 11, 30, 3, 15, 7, 123456, tzinfo=UTC)
    return [
        CustomerEvent(shop=shop, customer=customer, customer_external_id="web-1", event_id=f"{prefix}-1",
                      type="product_view", properties={"sku": "ÁO-DÀI", "price": 150000.5, "tags": ["lụa", None],
                                                       "note": 'tab\there, "quoted", back\\slash\nnew line'},
                      occurred_at=at, received_at=at),
        CustomerEvent(shop=shop, customer=None, anonymous_id="anon-1", event_id=f"{prefix}-2", type="add_to_cart",
                      properties={}, occurred_at=at, received_at=at),
    ]  # fmt: skip


def _stored(prefix):
    rows = CustomerEvent.objects.filter(event_id__startswith=f"{prefix}-").order_by("event_id")
    return list(rows.values_list(*FIELDS))


@pytest.mark.postgres
def test_copy_writes_what_bulk_create_writes_in_one_counted_statement(shop):
    customer = CustomerFactory(shop=shop, external_id="web-1")
    CustomerEvent.objects.bulk_create(_events(shop, customer, "bulk"))

    with CaptureQueriesContext(connection) as queries:
        copy_rows(CustomerEvent, _events(shop, customer, "copy"))

    assert len(queries) == 1 and queries[0]["sql"].startswith("COPY ")
    as_bulk = [(row[0], *row[1:3], row[3].replace("bulk", "copy"), *row[4:]) for row in _stored("bulk")]
    assert _stored("copy") == as_bulk
    assert _stored("copy")[0][5]["note"] == 'tab\there, "quoted", back\\slash\nnew line'


def test_nothing_to_write_is_no_statement(shop):
    with CaptureQueriesContext(connection) as queries:
        copy_rows(CustomerEvent, [])
    assert len(queries) == 0


def _purchase(customer, reference, amount="150000"):
    at = datetime(2026, 11, 30, tzinfo=UTC)
    return CustomerPurchase(
        shop_id=customer.shop_id,
        customer=customer,
        amount=Decimal(amount),
        ordered_at=at,
        discounted=False,
        reference=reference,
    )


def test_a_row_is_written_once_by_one_statement_and_the_second_is_told_it_was_there(shop):
    customer = CustomerFactory(shop=shop)
    first = _purchase(customer, "HM-00001")

    with CaptureQueriesContext(connection) as queries:
        assert insert_unless_present(first) is True
    assert len(queries) == 1 and "RETURNING" in queries[0]["sql"]
    stored = CustomerPurchase.objects.get(pk=first.pk)
    assert (stored.reference, stored.amount, stored.created_at is not None) == ("HM-00001", Decimal("150000"), True)
    assert first._state.adding is False

    again = _purchase(customer, "HM-00001", amount="999000")
    assert insert_unless_present(again) is False
    assert again.pk is None
    assert list(CustomerPurchase.objects.values_list("amount", flat=True)) == [Decimal("150000")]


def test_rows_outside_the_partial_unique_key_are_all_written(shop):
    customer = CustomerFactory(shop=shop)
    # The purchase reference is unique only when given: two without one are two purchases.
    assert insert_unless_present(_purchase(customer, "")) is True
    assert insert_unless_present(_purchase(customer, "")) is True
    assert CustomerPurchase.objects.count() == 2


def test_the_model_defaults_are_written(shop):
    message = OutboxMessage(key="k-defaults", task="tests.outbox.record", kwargs={"value": "á"})
    assert insert_unless_present(message) is True
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.status, stored.attempts, stored.kwargs) == ("pending", 0, {"value": "á"})
    assert stored.available_at is not None and stored.created_at is not None


@pytest.mark.postgres
def test_a_failed_check_constraint_is_still_an_error(shop):
    customer = CustomerFactory(shop=shop)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_unless_present(_purchase(customer, "HM-00002", amount="-1"))
    assert not CustomerPurchase.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_writers_of_the_same_key_at_once_exactly_one_writes(shop):
    from tests.concurrency import run_concurrently

    def write(index):
        with transaction.atomic():
            return insert_unless_present(OutboxMessage(key="k-race", task="tests.outbox.record", kwargs={"i": index}))

    results = run_concurrently(write, 8)

    assert sorted(results) == [False] * 7 + [True], results
    assert OutboxMessage.objects.filter(key="k-race").count() == 1


def _as_values(events) -> list[dict]:
    fields = [field.attname for field in CustomerEvent._meta.concrete_fields if not field.primary_key]
    return [{name: getattr(event, name) for name in fields} for event in events]


def test_copy_values_writes_what_copy_rows_writes_without_model_rows(shop):
    customer = CustomerFactory(shop=shop, external_id="web-1")
    copy_rows(CustomerEvent, _events(shop, customer, "rows"))

    with CaptureQueriesContext(connection) as queries:
        copy_values(CustomerEvent, _as_values(_events(shop, customer, "vals")))

    assert len(queries) == 1
    assert queries[0]["sql"].startswith("COPY " if connection.vendor == "postgresql" else "INSERT ")
    as_rows = [(row[0], *row[1:3], row[3].replace("rows", "vals"), *row[4:]) for row in _stored("rows")]
    assert _stored("vals") == as_rows
    with CaptureQueriesContext(connection) as queries:
        copy_values(CustomerEvent, [])
    assert len(queries) == 0
