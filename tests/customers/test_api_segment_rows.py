"""The segment list builds its page from query rows (SegmentListView through sellercenter.api.rows):
through the API it answers what SegmentSerializer(many=True) renders, on every page and in the
caller's time zone."""

import pytest
from django.utils import timezone

from customers.api.insights import SegmentSerializer
from customers.models import Segment
from tests.conftest import make_api_client
from tests.customers.factories import SegmentFactory
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import (
    assert_pages_are_serialized,
    assert_queries_do_not_grow_with_the_page,
    staff_client,
)

pytestmark = pytest.mark.django_db


def _every_kind_of_segment(shop) -> None:
    """The built-in segments every shop starts with, and saved ones: no rules, nested rules, any-match,
    a description with accents and a line break."""
    SegmentFactory(shop=shop, rules=[], description="")
    SegmentFactory(shop=shop, match=Segment.Match.ANY, description="Khách quen\nở Hà Nội")
    SegmentFactory(
        shop=shop,
        rules=[{"kind": "attribute", "field": "province", "op": "in", "value": ["Hà Nội", None, 1.5]}],
    )


def _segments(shop):
    return Segment.objects.filter(shop=shop).order_by("-pk")


def test_every_page_answers_what_the_serializer_renders_through_a_key(shop):
    _every_kind_of_segment(shop)

    listed = assert_pages_are_serialized(
        make_api_client(shop),
        "/api/v1/customers/segments?limit=2",
        SegmentSerializer,
        _segments(shop),
        timezone.get_default_timezone(),
    )

    assert any(segment["builtin"] for segment in listed) and any(not segment["builtin"] for segment in listed)


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    _every_kind_of_segment(shop)

    assert_pages_are_serialized(
        staff_client(shop), "/api/v1/customers/segments?limit=3", SegmentSerializer, _segments(shop), shop.tzinfo
    )


def test_the_page_runs_as_many_queries_whatever_its_size(shop):
    _every_kind_of_segment(shop)

    assert_queries_do_not_grow_with_the_page(make_api_client(shop), "/api/v1/customers/segments")
