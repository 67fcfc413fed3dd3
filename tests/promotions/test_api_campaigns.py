"""The campaigns endpoints: list, read, create, change, status actions, duplicate, offers."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from promotions.models import Campaign, CodeMode, Kind, Status
from sellercenter.models import ApiScope, Role
from tests.conftest import make_api_client
from tests.promotions.factories import CampaignFactory, member_in_tier, tier_of
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/api/v1/promotions/campaigns"
NEW = {
    "name": "Sale 7.7",
    "kind": "order_percentage",
    "value": "7",
    "starts_at": "2030-07-07T00:00:00",
    "ends_at": "2030-07-08T00:00:00",
    "budget": "20000000",
    "tier_ranks": [4, 5],
    "channels": ["app"],
    "code_mode": "shared",
    "code": "sale77",
}


@pytest.fixture
def storefront(shop):
    return make_api_client(shop, [ApiScope.STOREFRONT])


def _states(shop):
    now = timezone.now()
    return {
        "draft": CampaignFactory(shop=shop, published_at=None),
        "scheduled": CampaignFactory(shop=shop, starts_at=now + timedelta(days=2)),
        "active": CampaignFactory(shop=shop),
        "paused": CampaignFactory(shop=shop, paused_at=now),
        "ended": CampaignFactory(shop=shop, ended_at=now),
        "exhausted": CampaignFactory(shop=shop, budget=Decimal("100"), spent=Decimal("100")),
    }


def test_create_a_draft_with_dates_in_the_shops_time_zone(api, shop):
    response = api.post(CAMPAIGNS, NEW, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    campaign = Campaign.objects.get(pk=body["id"])
    assert campaign.shop == shop
    assert body["status"] == Status.DRAFT
    assert campaign.starts_at == datetime(2030, 7, 6, 17, 0, tzinfo=UTC)
    assert body["starts_at"] == "2030-07-07T00:00:00+07:00"
    assert (body["code"], body["tier_ranks"], body["channels"]) == ("SALE77", [4, 5], ["app"])
    assert list(campaign.tiers.order_by("rank")) == [tier_of(shop, 4), tier_of(shop, 5)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": "120"}, "value"),
        ({"ends_at": "2030-07-06T00:00:00"}, "ends_at"),
        ({"budget": "0"}, "budget"),
        ({"code": "x"}, "code"),
        ({"tier_ranks": [6]}, "tier_ranks.0"),
        ({"segment_id": 999999}, "segment_id"),
        ({"kind": "sku_percentage"}, "skus"),
        ({"channels": ["tiktok"]}, "channels.0"),
    ],
)
def test_bad_campaign_input_is_400_naming_the_field_and_creates_nothing(api, change, field):
    response = api.post(CAMPAIGNS, {**NEW, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Campaign.objects.exists()


def test_storefront_keys_cannot_write(storefront, shop):
    campaign = CampaignFactory(shop=shop)

    assert storefront.post(CAMPAIGNS, NEW, format="json").status_code == 403
    assert storefront.patch(f"{CAMPAIGNS}/{campaign.pk}", {"name": "x"}, format="json").status_code == 403
    assert storefront.post(f"{CAMPAIGNS}/{campaign.pk}/pause").status_code == 403


def test_staff_write_as_their_role_allows(client, shop):
    accountant = staff_user(shop, Role.ACCOUNTANT)
    marketing = staff_user(shop, Role.MARKETING)

    client.force_login(accountant)
    assert client.get(CAMPAIGNS).status_code == 200
    assert client.post(CAMPAIGNS, NEW, content_type="application/json").status_code == 403
    client.force_login(marketing)
    assert client.post(CAMPAIGNS, NEW, content_type="application/json").status_code == 201


def test_back_office_lists_every_campaign_with_budget_and_filters_by_status(api, shop):
    states = _states(shop)

    everything = api.get(CAMPAIGNS).json()["results"]
    paused = api.get(CAMPAIGNS, {"status": "paused"}).json()["results"]

    assert {c["id"]: c["status"] for c in everything} == {c.pk: name for name, c in states.items()}
    assert [c["id"] for c in paused] == [states["paused"].pk]
    assert "budget" in everything[0]


def test_storefronts_see_running_and_scheduled_campaigns_without_figures(storefront, shop):
    states = _states(shop)

    listed = storefront.get(CAMPAIGNS).json()["results"]

    assert {c["id"] for c in listed} == {states["active"].pk, states["scheduled"].pk}
    assert "budget" not in listed[0] and "spent" not in listed[0]
    assert storefront.get(f"{CAMPAIGNS}/{states['draft'].pk}").status_code == 404
    assert storefront.get(f"{CAMPAIGNS}/{states['active'].pk}").status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(api, shop, django_assert_num_queries):
    for rank in range(1, 6):
        CampaignFactory(shop=shop, tiers=[tier_of(shop, rank)])
    api.get(CAMPAIGNS)  # the key's last use is recorded once a minute

    # API key, campaigns (with segment), their tiers.
    with django_assert_num_queries(3):
        response = api.get(CAMPAIGNS)

    assert len(response.json()["results"]) == 5


def test_another_shops_campaign_is_not_found(api, other_shop):
    campaign = CampaignFactory(shop=other_shop)

    assert api.get(f"{CAMPAIGNS}/{campaign.pk}").status_code == 404
    assert api.patch(f"{CAMPAIGNS}/{campaign.pk}", {"name": "x"}, format="json").status_code == 404
    assert api.post(f"{CAMPAIGNS}/{campaign.pk}/pause").status_code == 404
    assert api.get(f"{CAMPAIGNS}/{campaign.pk}/results").status_code == 404
    assert api.get(f"{CAMPAIGNS}/{campaign.pk}/vouchers").status_code == 404


def test_a_running_campaign_may_change_its_budget_but_not_its_offer(api, shop):
    campaign = CampaignFactory(shop=shop)

    budget = api.patch(f"{CAMPAIGNS}/{campaign.pk}", {"budget": "30000000"}, format="json")
    offer = api.patch(f"{CAMPAIGNS}/{campaign.pk}", {"value": "50", "kind": "order_amount"}, format="json")

    assert budget.status_code == 200
    assert budget.json()["budget"] == "30000000.00"
    assert offer.status_code == 409
    assert set(offer.json()["error"]["fields"]) == {"value", "kind"}
    campaign.refresh_from_db()
    assert campaign.value == 10


def test_status_actions(api, shop):
    campaign = CampaignFactory(shop=shop, published_at=None)
    url = f"{CAMPAIGNS}/{campaign.pk}"

    assert api.post(f"{url}/publish").json()["status"] == Status.ACTIVE
    assert api.post(f"{url}/pause").json()["status"] == Status.PAUSED
    assert api.post(f"{url}/resume").json()["status"] == Status.ACTIVE
    assert api.post(f"{url}/end").json()["status"] == Status.ENDED
    refused = api.post(f"{url}/resume")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_allowed"


def test_duplicate_makes_a_draft_copy(api, shop):
    campaign = CampaignFactory(shop=shop, name="Sale 9.9", code_mode=CodeMode.SHARED, code="SALE99")

    response = api.post(f"{CAMPAIGNS}/{campaign.pk}/duplicate", HTTP_IDEMPOTENCY_KEY="dup-1")
    again = api.post(f"{CAMPAIGNS}/{campaign.pk}/duplicate", HTTP_IDEMPOTENCY_KEY="dup-1")

    assert response.status_code == 201
    assert again.json()["id"] == response.json()["id"]
    copy = response.json()
    assert (copy["status"], copy["name"], copy["code"], copy["spent"]) == (
        Status.DRAFT,
        "Sale 9.9 (copy)",
        "",
        "0.00",
    )


def test_offers_are_the_campaigns_a_customer_may_use(storefront, shop):
    member_in_tier(shop, 3, external_id="WEB-7")
    everyone = CampaignFactory(shop=shop, name="Mọi người", priority=1)
    for_gold = CampaignFactory(shop=shop, name="Hạng Vàng", tiers=[tier_of(shop, 3)], priority=5)
    CampaignFactory(shop=shop, name="Hạng Bạc", tiers=[tier_of(shop, 2)])
    CampaignFactory(shop=shop, name="Chỉ app", channels=["app"])
    CampaignFactory(shop=shop, name="Tạm dừng", paused_at=timezone.now())
    CampaignFactory(shop=shop, name="Mã riêng", code_mode=CodeMode.UNIQUE)

    member = storefront.get(f"{CAMPAIGNS}/offers", {"customer_external_id": "WEB-7", "channel": "website"}).json()
    guest = storefront.get(f"{CAMPAIGNS}/offers", {"channel": "website"}).json()

    assert [c["id"] for c in member] == [for_gold.pk, everyone.pk]
    assert [c["id"] for c in guest] == [everyone.pk]


def test_free_gift_campaign_round_trip(api):
    response = api.post(
        CAMPAIGNS,
        {**NEW, "kind": Kind.FREE_GIFT, "value": "45000", "gift_sku": "TUI-VAI", "gift_quantity": 2},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["gift_sku"], response.json()["gift_quantity"]) == ("TUI-VAI", 2)
