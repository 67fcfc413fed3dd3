"""The customer timeline builds its page from query rows (CustomerEventsView through
sellercenter.api.rows): through the API it answers what EventSerializer(many=True) renders, on every
page and in the caller's time zone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from customers.api.serializers import EventSerializer
from customers.models import CustomerEvent, EventType
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory, EventFactory
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import (
    assert_pages_are_serialized,
    assert_queries_do_not_grow_with_the_page,
    staff_client,
)

pytestmark = pytest.mark.django_db


def _every_kind_of_event(shop):
    """Events of every shape: empty and nested properties, no channel or session, two at the same
    moment (the cursor's tie), a naive-looking midnight, microseconds."""
    customer = CustomerFactory(shop=shop)
    at = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    EventFactory(customer=customer, type=EventType.PAGE_VIEW, properties={}, session_id="", channel="")
    for n in range(7):
        EventFactory(
            customer=customer,
            type=EventType.ADD_TO_CART,
            channel="website",
            anonymous_id=f"anon-{n}" if n % 2 else "",
            properties={"sku": f"AO-{n}", "price": 99999.5, "tags": ["áo dài", None], "nested": {"n": n}},
            occurred_at=at - timedelta(hours=n % 3, microseconds=n * 1001),
            received_at=at + timedelta(seconds=n),
        )
    EventFactory(customer=customer, occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    EventFactory(customer=CustomerFactory(shop=shop))  # another customer's
    return customer


def _events(customer):
    return CustomerEvent.objects.filter(customer=customer).order_by("-occurred_at", "-pk")


def test_every_page_answers_what_the_serializer_renders_through_a_key(shop):
    customer = _every_kind_of_event(shop)

    listed = assert_pages_are_serialized(
        make_api_client(shop),
        f"/api/v1/customers/{customer.pk}/events?limit=3",
        EventSerializer,
        _events(customer),
        timezone.get_default_timezone(),
    )

    assert len(listed) == 9
    assert listed[-1]["occurred_at"] == "2026-01-01T07:00:00+07:00"


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    customer = _every_kind_of_event(shop)

    listed = assert_pages_are_serialized(
        staff_client(shop),
        f"/api/v1/customers/{customer.pk}/events?limit=4",
        EventSerializer,
        _events(customer),
        shop.tzinfo,
    )

    assert all(event["occurred_at"].endswith("Z") for event in listed) == (time_zone == "UTC")


def test_the_page_runs_as_many_queries_whatever_its_size(shop):
    customer = _every_kind_of_event(shop)

    assert_queries_do_not_grow_with_the_page(make_api_client(shop), f"/api/v1/customers/{customer.pk}/events")
