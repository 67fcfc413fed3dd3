"""The campaign list builds its page from query rows (promotions.api.campaign_rows): through the public
API it must answer exactly what StaffCampaignSerializer (back office) or PublicCampaignSerializer
(storefront) renders with many=True, in the same key order, in the caller's time zone."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from promotions import selectors
from promotions.api.base import STOREFRONT_STATUSES
from promotions.api.serializers import PublicCampaignSerializer, StaffCampaignSerializer
from promotions.models import CodeMode, Kind
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import SegmentFactory
from tests.promotions.factories import CampaignFactory, tier_of
from tests.sellercenter.factories import ShopFactory, staff_user

pytestmark = pytest.mark.django_db
CAMPAIGNS = "/api/v1/promotions/campaigns?limit=50"


def _campaigns_of_every_kind(shop) -> None:
    now = timezone.now()
    segment = SegmentFactory(shop=shop)
    CampaignFactory(shop=shop, published_at=None, description="Chưa đăng")
    scheduled = CampaignFactory(shop=shop, starts_at=now + timedelta(days=2))
    for rank in (5, 1, 3):  # linked out of rank order: the answer sorts them
        scheduled.tiers.add(tier_of(shop, rank))
    CampaignFactory(
        shop=shop,
        kind=Kind.SKU_PERCENTAGE,
        skus=["AO-DAI", "KHAN"],
        max_discount=Decimal("50000.5"),
        channels=["app", "website"],
        segment=segment,
        usage_limit_total=100,
        usage_limit_per_customer=1,
        code_mode=CodeMode.SHARED,
        code="GIAM10",
        priority=5,
        first_order_only=True,
        exclusive=True,
    )
    CampaignFactory(shop=shop, paused_at=now)
    CampaignFactory(shop=shop, ended_at=now)
    CampaignFactory(shop=shop, budget=Decimal("100"), spent=Decimal("99.99"), uses_count=3)
    CampaignFactory(shop=shop, budget=Decimal("100"), spent=Decimal("100"))
    CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku="TUI-QUA", gift_quantity=2, value=Decimal("50000"))


def _serialized(shop, serializer, tz, statuses=None) -> list:
    campaigns = selectors.campaign_list(shop=shop).order_by("-pk")
    if statuses:
        campaigns = campaigns.filter(current_status__in=statuses)
    with timezone.override(tz):
        return json.loads(JSONRenderer().render(serializer(campaigns, many=True).data))


def _listed(client) -> list:
    response = client.get(CAMPAIGNS)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _same(listed: list, expected: list) -> None:
    assert listed == expected
    assert [list(campaign) for campaign in listed] == [list(campaign) for campaign in expected]


def test_the_back_office_gets_what_the_staff_serializer_renders(shop):
    _campaigns_of_every_kind(shop)

    listed = _listed(make_api_client(shop, [ApiScope.BACK_OFFICE]))

    assert len(listed) == 8 and {campaign["status"] for campaign in listed} >= {"draft", "paused", "exhausted"}
    _same(listed, _serialized(shop, StaffCampaignSerializer, timezone.get_default_timezone()))


def test_a_storefront_gets_what_the_public_serializer_renders(shop):
    _campaigns_of_every_kind(shop)

    listed = _listed(make_api_client(shop, [ApiScope.STOREFRONT]))

    assert len(listed) >= 2
    expected = _serialized(shop, PublicCampaignSerializer, timezone.get_default_timezone(), STOREFRONT_STATUSES)
    _same(listed, expected)


def test_staff_get_the_times_in_the_shops_time_zone():
    shop = ShopFactory(slug="mui-gio", time_zone="UTC")
    _campaigns_of_every_kind(shop)
    client = APIClient()
    client.force_login(staff_user(shop, username="chu.cua.hang"))

    listed = _listed(client)

    _same(listed, _serialized(shop, StaffCampaignSerializer, shop.tzinfo))
    assert all(campaign["created_at"].endswith("Z") for campaign in listed)


def test_the_next_page_follows_the_rows_cursor(shop):
    _campaigns_of_every_kind(shop)
    api = make_api_client(shop, [ApiScope.BACK_OFFICE])

    first = api.get("/api/v1/promotions/campaigns?limit=3").json()
    rest = api.get(first["next"]).json()

    ids = [campaign["id"] for campaign in first["results"] + rest["results"]]
    assert ids == [campaign.pk for campaign in selectors.campaign_list(shop=shop).order_by("-pk")][:6]
