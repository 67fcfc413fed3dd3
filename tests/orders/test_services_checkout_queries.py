"""The checkout's statements do not grow with the cart: all stock reservations of a cart are one
UPDATE, its lines and movements one insert each. Nor does it run statements that protect nothing."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Product, StockMovement
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, ProductFactory

pytestmark = pytest.mark.django_db


def _checkout_queries(shop, skus, number) -> list[str]:
    body = {
        "customer": {"external_id": f"KH-{number}"},
        "channel": "website",
        "lines": [{"sku": sku, "quantity": 2} for sku in skus],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
    }
    api = make_api_client(shop)
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    return [query["sql"] for query in queries.captured_queries]


def test_a_checkout_runs_as_many_statements_for_twenty_lines_as_for_one(shop):
    skus = [
        ProductFactory(shop=shop, sku=f"SP-{i:02d}", price=Decimal("100000"), stock_on_hand=10).sku for i in range(21)
    ]
    _checkout_queries(shop, skus[:1], 0)  # the first checkout of a shop creates its counters

    one = _checkout_queries(shop, skus[:1], 1)
    twenty = _checkout_queries(shop, skus[1:], 2)

    assert len(twenty) == len(one), [q for q in twenty if q not in one][:5]
    stock_updates = [q for q in twenty if q.startswith("WITH change") and "UPDATE" in q]
    assert len(stock_updates) == 1
    assert all(p.stock_reserved == 2 for p in Product.objects.filter(sku__in=skus[1:]))
    assert StockMovement.objects.filter(product__sku__in=skus[1:]).count() == 20


def test_a_checkout_reads_nothing_it_wrote_and_takes_no_savepoint_that_protects_nothing(shop):
    skus = [
        ProductFactory(shop=shop, sku=f"SP-{i:02d}", price=Decimal("100000"), stock_on_hand=10).sku for i in range(2)
    ]
    _checkout_queries(shop, skus[:1], 0)

    queries = _checkout_queries(shop, skus[1:], 1)

    # The order number is taken and read back by one statement; the order just written is confirmed
    # without being read again; the outbox row and the purchase fact are one INSERT each.
    assert not [q for q in queries if q.startswith('SELECT "orders_ordernumbercounter"')]
    assert not [q for q in queries if q.startswith('SELECT "orders_order"."id"')]
    assert not [q for q in queries if q.startswith('SELECT "sellercenter_outboxmessage"')]
    assert not [q for q in queries if q.startswith('SELECT "sellercenter_shop"')]
    # The buyer, read locked by its upsert, is not read again to find its current profile; whether the
    # shop ships with a carrier is a probe, not its default account loaded.
    assert not [q for q in queries if q.startswith('SELECT COALESCE("customers_customer"."merged_into_id"')]
    assert not [q for q in queries if q.startswith('SELECT "orders_carrieraccount"."id"')]
    assert len([q for q in queries if 'FROM "orders_carrieraccount"' in q]) == 1
    # Savepoints: the test's own transaction, the checkout's, the customer's upsert and its insert (a
    # race on a new storefront id), 2 each. The COD confirmation of the order the checkout has just
    # written takes none: a refusal there is the checkout's to roll back.
    assert sum(q.startswith("SAVEPOINT") for q in queries) == 4, [q for q in queries if "SAVEPOINT" in q]
    assert len(queries) <= 36, len(queries)
