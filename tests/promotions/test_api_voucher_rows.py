"""The voucher list builds its page from query rows (CampaignVouchersView through sellercenter.api.rows):
through the API it answers what VoucherSerializer(many=True) renders, on every page, filtered, in the
caller's time zone, in as many queries whatever the page size."""

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.api.vouchers import VoucherSerializer
from promotions.models import CodeMode, Voucher
from tests.conftest import make_api_client
from tests.promotions.factories import CampaignFactory, VoucherFactory
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import (
    assert_pages_are_serialized,
    assert_queries_do_not_grow_with_the_page,
    staff_client,
)

pytestmark = pytest.mark.django_db


def _campaign_with_vouchers(shop):
    """Unused codes of two batches, codes used on orders, and another campaign's code."""
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    for index in range(4):
        VoucherFactory(campaign=campaign, code=f"TET-{index}", batch="tet")
    VoucherFactory(campaign=campaign, code="HE-1", batch="he")
    used_at = timezone.now() - timedelta(hours=30)
    for index in range(3):
        VoucherFactory(campaign=campaign, code=f"DUNG-{index}", used_order_ref=f"SC-{index}", used_at=used_at)
    VoucherFactory(campaign=CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE), code="KHAC")
    return campaign


def _url(campaign) -> str:
    return f"/api/v1/promotions/campaigns/{campaign.pk}/vouchers"


@pytest.mark.parametrize(
    ("query", "lookup"),
    [("", {}), ("used=true", {"used_at__isnull": False}), ("used=false&batch=tet", {"used_at": None, "batch": "tet"})],
)
def test_every_page_answers_what_the_serializer_renders_through_a_key(shop, query, lookup):
    campaign = _campaign_with_vouchers(shop)

    listed = assert_pages_are_serialized(
        make_api_client(shop),
        f"{_url(campaign)}?limit=2&{query}",
        VoucherSerializer,
        Voucher.objects.filter(campaign=campaign, **lookup).order_by("-pk"),
        timezone.get_default_timezone(),
    )

    assert listed


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    campaign = _campaign_with_vouchers(shop)

    listed = assert_pages_are_serialized(
        staff_client(shop),
        f"{_url(campaign)}?limit=3",
        VoucherSerializer,
        Voucher.objects.filter(campaign=campaign).order_by("-pk"),
        shop.tzinfo,
    )

    assert any(voucher["used_at"] for voucher in listed) and any(voucher["used_at"] is None for voucher in listed)


def test_the_page_runs_as_many_queries_whatever_its_size(shop):
    campaign = _campaign_with_vouchers(shop)

    assert_queries_do_not_grow_with_the_page(make_api_client(shop), _url(campaign))
