"""The offers open to a customer are rendered by the campaign list's row functions
(promotions.api.campaign_rows) from the campaigns the selector loaded: through the API they must
answer exactly what PublicCampaignSerializer(many=True) renders of selectors.campaigns_offered, in
its order (highest priority first), key order included, in the caller's time zone, in as many
queries whatever the number of offers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from promotions import selectors
from promotions.api.serializers import PublicCampaignSerializer
from promotions.models import CodeMode, Kind
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import SegmentFactory
from tests.promotions.factories import CampaignFactory, member_in_tier, tier_of
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import queries_of, serialized, staff_client

pytestmark = pytest.mark.django_db
OFFERS = "/api/v1/promotions/campaigns/offers"
MEMBER = {"customer_external_id": "WEB-7", "channel": "website"}
EVERY_CUSTOMER = [{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 0}]


def _offers_of_every_kind(shop) -> None:
    """Campaigns a Gold member on the website is offered, of every kind and with every rule she meets
    (priorities tied and out of creation order, tiers linked out of rank order, a shared code, a
    segment, limits), and campaigns she is not (paused, unique codes, another tier, the app only,
    scheduled, ended, spent)."""
    now = timezone.now()
    member_in_tier(shop, 3, external_id="WEB-7")
    CampaignFactory(shop=shop, name="Mọi người", description="Giảm 10%\ncho mọi đơn", priority=1)
    gold = CampaignFactory(shop=shop, name="Hạng Vàng", priority=5, starts_at=now - timedelta(hours=5, minutes=30))
    for rank in (5, 3, 4):
        gold.tiers.add(tier_of(shop, rank))
    CampaignFactory(
        shop=shop,
        name="Áo dài",
        kind=Kind.SKU_PERCENTAGE,
        skus=["AO-DAI", "KHAN"],
        max_discount=Decimal("50000.5"),
        min_subtotal=Decimal("199000"),
        channels=["app", "website"],
        code_mode=CodeMode.SHARED,
        code="GIAM10",
        priority=5,
        first_order_only=True,
        exclusive=True,
        usage_limit_total=100,
        usage_limit_per_customer=1,
    )
    CampaignFactory(shop=shop, name="Khách quen", segment=SegmentFactory(shop=shop, rules=EVERY_CUSTOMER), priority=-3)
    CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku="TUI-QUA", gift_quantity=2, value=Decimal("50000"))
    CampaignFactory(shop=shop, kind=Kind.ORDER_AMOUNT, value=Decimal("25000.75"), ends_at=now + timedelta(minutes=1))
    CampaignFactory(shop=shop, kind=Kind.FREE_SHIPPING, budget=Decimal("100"), spent=Decimal("99"))
    _not_offered(shop, now)


def _not_offered(shop, now) -> None:
    CampaignFactory(shop=shop, name="Tạm dừng", paused_at=now, priority=9)
    CampaignFactory(shop=shop, name="Mã riêng", code_mode=CodeMode.UNIQUE, priority=9)
    CampaignFactory(shop=shop, name="Hạng Bạc", tiers=[tier_of(shop, 2)], priority=9)
    CampaignFactory(shop=shop, name="Chỉ app", channels=["app"], priority=9)
    CampaignFactory(shop=shop, name="Sắp tới", starts_at=now + timedelta(days=1), priority=9)
    CampaignFactory(shop=shop, name="Đã dừng", ended_at=now, priority=9)
    CampaignFactory(shop=shop, name="Hết ngân sách", budget=Decimal("100"), spent=Decimal("100"), priority=9)


def _offered(client, query: dict) -> list:
    response = client.get(OFFERS, query)
    assert response.status_code == 200, response.content
    return response.json()


def _serialized(shop, tz, *, external_id: str | None = None, channel: str | None = None) -> list:
    customer = shop.customers.get(external_id=external_id) if external_id else None
    campaigns = selectors.campaigns_offered(shop=shop, customer=customer, channel=channel)
    return serialized(PublicCampaignSerializer, campaigns, tz)


def _same(offered: list, expected: list) -> None:
    assert offered == expected
    assert [list(campaign) for campaign in offered] == [list(campaign) for campaign in expected]


@pytest.mark.parametrize("scopes", [[ApiScope.STOREFRONT], [ApiScope.BACK_OFFICE]])
def test_a_member_is_offered_what_the_public_serializer_renders_through_a_key(shop, scopes):
    _offers_of_every_kind(shop)

    offered = _offered(make_api_client(shop, scopes), MEMBER)

    _same(offered, _serialized(shop, timezone.get_default_timezone(), external_id="WEB-7", channel="website"))
    assert len(offered) == 7 and "code" not in offered[0]
    assert [campaign["status"] for campaign in offered] == ["active"] * 7
    priorities = {campaign.pk: campaign.priority for campaign in shop.campaigns.all()}
    order = [(-priorities[campaign["id"]], campaign["id"]) for campaign in offered]
    assert order == sorted(order)
    assert next(c for c in offered if c["name"] == "Hạng Vàng")["tier_ranks"] == [3, 4, 5]


def test_a_guest_on_any_channel_is_offered_what_the_public_serializer_renders(shop):
    _offers_of_every_kind(shop)

    offered = _offered(make_api_client(shop, [ApiScope.STOREFRONT]), {})

    _same(offered, _serialized(shop, timezone.get_default_timezone()))
    assert {campaign["name"] for campaign in offered} >= {"Mọi người", "Chỉ app"}
    assert not {"Hạng Vàng", "Khách quen", "Áo dài"} & {campaign["name"] for campaign in offered}


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    _offers_of_every_kind(shop)

    offered = _offered(staff_client(shop), MEMBER)

    _same(offered, _serialized(shop, shop.tzinfo, external_id="WEB-7", channel="website"))
    suffix = {"UTC": "Z", "America/New_York": ("-04:00", "-05:00"), "Asia/Kolkata": "+05:30"}[time_zone]
    assert all(campaign["starts_at"].endswith(suffix) for campaign in offered)


def test_no_offer_is_an_empty_list(shop):
    _not_offered(shop, timezone.now())

    assert _offered(make_api_client(shop, [ApiScope.STOREFRONT]), {"channel": "website"}) == []


def test_the_offers_run_as_many_queries_however_many_there_are(shop):
    member_in_tier(shop, 3, external_id="WEB-7")
    segment = SegmentFactory(shop=shop, rules=EVERY_CUSTOMER)

    def offer() -> None:
        campaign = CampaignFactory(shop=shop, segment=segment, usage_limit_per_customer=2)
        campaign.tiers.add(tier_of(shop, 3), tier_of(shop, 4))

    client = make_api_client(shop, [ApiScope.STOREFRONT])
    url = f"{OFFERS}?customer_external_id=WEB-7&channel=website"
    offer()
    client.get(url)  # the key's first use is recorded once
    one = queries_of(client, url)
    for _ in range(9):
        offer()

    assert queries_of(client, url) == one
    assert len(_offered(client, MEMBER)) == 10
