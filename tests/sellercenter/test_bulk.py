"""`copy_rows`: one COPY on PostgreSQL that writes what `bulk_create` writes, and is counted as a query."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import CustomerEvent
from sellercenter.bulk import copy_rows
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
