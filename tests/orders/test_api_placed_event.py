"""The checkout writes the customer's `order_placed` behaviour event itself, once per order, in the
storefront visit the request names."""

from decimal import Decimal

import pytest

from customers.models import CustomerEvent, EventType
from tests.orders.factories import ADDRESS, ProductFactory

pytestmark = pytest.mark.django_db


def test_the_checkout_records_order_placed_once_in_the_named_session(api, shop):
    ProductFactory(shop=shop, sku="AO", price=Decimal("200000"), stock_on_hand=5)
    body = {
        "channel": "app",
        "customer": {"external_id": "KH-7"},
        "lines": [{"sku": "AO", "quantity": 2}],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
        "session_id": "phien-42",
        "anonymous_id": "anon-9",
    }

    first = api.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="mot")
    again = api.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="mot")

    assert first.status_code == again.status_code == 201
    events = list(CustomerEvent.objects.filter(shop=shop, type=EventType.ORDER_PLACED))
    assert len(events) == 1
    event = events[0]
    number = first.json()["number"]
    assert (event.session_id, event.anonymous_id, event.customer.external_id, event.channel) == (
        "phien-42",
        "anon-9",
        "KH-7",
        "app",
    )
    assert event.properties == {"order_number": number, "value": "400000", "items": 2}


def test_an_order_without_a_session_still_counts_once(api, shop):
    ProductFactory(shop=shop, sku="AO", stock_on_hand=5)
    body = {
        "channel": "website",
        "customer": {"external_id": "KH-8"},
        "lines": [{"sku": "AO", "quantity": 1}],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
    }

    assert api.post("/api/v1/orders", body, format="json").status_code == 201
    assert api.post("/api/v1/orders", body, format="json").status_code == 201

    assert CustomerEvent.objects.filter(shop=shop, type=EventType.ORDER_PLACED, session_id="").count() == 2
