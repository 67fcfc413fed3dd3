"""The customer list builds its page from query rows (customers.api.customer_rows): through the public
API it must answer exactly what CustomerSerializer(many=True) renders, in the same key order, for
customers of every kind and in the caller's time zone, in three queries whatever the page size."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from customers import selectors
from customers.api.serializers import CustomerSerializer
from customers.models import CustomerTag, Gender, JourneyStage
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory
from tests.sellercenter.factories import ShopFactory, staff_user

pytestmark = pytest.mark.django_db


def _customers_of_every_kind(shop) -> None:
    bought = datetime(2026, 3, 8, 1, 30, 15, 250000, tzinfo=UTC)
    referrer = CustomerFactory(shop=shop, email="", phone="")
    buyer = CustomerFactory(
        shop=shop,
        gender=Gender.FEMALE,
        birth_date=date(1990, 2, 28),
        utm_source="facebook",
        referred_by=referrer,
        note="Khách quen",
        orders_count=3,
        discounted_orders_count=1,
        total_spent=Decimal("1250000.5"),
        first_order_at=bought,
        last_order_at=bought + timedelta(days=40),
        last_seen_at=bought + timedelta(days=41),
        journey_stage=JourneyStage.AWARENESS,
    )
    for name in ("vip", "khách sỉ", "hà nội"):  # stored out of order: the answer sorts them
        CustomerTag.objects.create(shop=shop, customer=buyer, name=name)
    CustomerFactory(shop=shop, email="song.sinh@example.vn")
    CustomerFactory(shop=shop, email="song.sinh@example.vn", external_id=None)
    CustomerFactory(shop=shop, erased_at=bought)  # not listed


def _serialized(shop, tz) -> list:
    customers = selectors.customer_list(shop=shop).order_by("-pk")
    with timezone.override(tz):
        return json.loads(JSONRenderer().render(CustomerSerializer(customers, many=True).data))


def _listed(client, limit: int = 50) -> list:
    response = client.get(f"/api/v1/customers?limit={limit}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _same(listed: list, expected: list) -> None:
    assert listed == expected
    assert [list(customer) for customer in listed] == [list(customer) for customer in expected]


def test_the_list_answers_what_the_serializer_renders_through_a_key(shop):
    _customers_of_every_kind(shop)

    listed = _listed(make_api_client(shop))

    assert len(listed) == 4
    assert any(customer["tags"] == ["hà nội", "khách sỉ", "vip"] for customer in listed)
    assert any(customer["referred_by"] for customer in listed) and any(c["has_duplicates"] for c in listed)
    _same(listed, _serialized(shop, timezone.get_default_timezone()))


def test_staff_get_the_times_in_the_shops_time_zone():
    shop = ShopFactory(slug="mui-gio", time_zone="America/New_York")
    _customers_of_every_kind(shop)
    client = APIClient()
    client.force_login(staff_user(shop, username="chu.cua.hang"))

    _same(_listed(client), _serialized(shop, shop.tzinfo))


def test_the_list_runs_three_queries_and_pages_by_the_rows_cursor(shop):
    _customers_of_every_kind(shop)
    api = make_api_client(shop)
    api.get("/api/v1/customers")  # the key's last-used time is written once; later requests only read

    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/customers?limit=2")
    assert response.status_code == 200, response.content
    assert len(queries) == 3  # the key, the customers with their duplicate flag, their tags
    first = response.json()
    rest = api.get(first["next"]).json()

    ids = [customer["id"] for customer in first["results"] + rest["results"]]
    assert ids == [customer["id"] for customer in _serialized(shop, timezone.get_default_timezone())]
