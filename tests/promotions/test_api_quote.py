"""POST /api/v1/promotions/quote and POST /api/v1/promotions/vouchers/validate."""

from decimal import Decimal

import pytest
from django.utils import timezone

from promotions.models import CodeMode, Kind
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.promotions.factories import CampaignFactory, CustomerFactory, VoucherFactory, member_in_tier, tier_of

pytestmark = pytest.mark.django_db

QUOTE = "/api/v1/promotions/quote"
VALIDATE = "/api/v1/promotions/vouchers/validate"
CART = {"lines": [{"sku": "AO-DAI", "quantity": 2, "unit_price": "250000"}], "channel": "website"}


def test_quote_answers_discounts_applied_campaigns_and_reasons(shop):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])
    percent = CampaignFactory(shop=shop, name="Giảm 10%")
    ship = CampaignFactory(shop=shop, name="Freeship", kind=Kind.FREE_SHIPPING, value=Decimal("30000"))
    gold = CampaignFactory(shop=shop, name="Hạng Vàng", tiers=[tier_of(shop, 3)])

    response = storefront.post(QUOTE, {**CART, "codes": ["khongco"], "shipping_fee": "25000"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "VND"
    assert body["subtotal"] == "500000.00"
    assert body["order_discount"] == "50000.00"
    assert body["shipping_discount"] == "25000.00"
    assert body["total_discount"] == "75000.00"
    assert body["total"] == "450000.00"
    assert body["lines"][0]["order_discount_share"] == "50000.00"
    assert {(a["campaign_id"], a["amount"]) for a in body["applied"]} == {
        (percent.pk, "50000.00"),
        (ship.pk, "25000.00"),
    }
    assert {(r["campaign_id"], r["code"], r["reason"]) for r in body["rejected"]} == {
        (None, "KHONGCO", "unknown_code"),
        (gold.pk, "", "tier_not_eligible"),
    }
    assert all(r["message"] for r in body["rejected"])
    percent.refresh_from_db()
    assert percent.spent == 0


def test_the_customer_is_named_by_our_id_or_the_storefronts(api, shop):
    customer = member_in_tier(shop, 3, external_id="WEB-42")
    CampaignFactory(shop=shop, name="Hạng Vàng", tiers=[tier_of(shop, 3)])

    by_id = api.post(QUOTE, {**CART, "customer_id": customer.pk}, format="json").json()
    by_external = api.post(QUOTE, {**CART, "customer_external_id": "WEB-42"}, format="json").json()

    assert by_id["total_discount"] == by_external["total_discount"] == "50000.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 999999}, "customer_id"),
        ({"customer_external_id": "NOBODY"}, "customer_external_id"),
        ({"channel": "tiktok"}, "channel"),
        ({"lines": []}, "lines.non_field_errors"),
        ({"lines": [{"sku": "A", "quantity": 0, "unit_price": "1"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "A", "quantity": 1, "unit_price": "-1"}]}, "lines.0.unit_price"),
        ({"codes": [f"MA{i}" for i in range(11)]}, "codes"),
    ],
)
def test_bad_quote_input_is_400_naming_the_field(api, change, field):
    response = api.post(QUOTE, {**CART, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_another_shops_customer_is_unknown(api, other_shop):
    stranger = CustomerFactory(shop=other_shop)

    response = api.post(QUOTE, {**CART, "customer_id": stranger.pk}, format="json")

    assert response.status_code == 400
    assert "customer_id" in response.json()["error"]["fields"]


def test_validate_a_usable_code(shop):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])
    campaign = CampaignFactory(shop=shop, name="Tết", code_mode=CodeMode.SHARED, code="TET2026", budget=Decimal("1000"))

    body = storefront.post(VALIDATE, {"code": "tet2026", "channel": "app"}, format="json").json()

    assert body["valid"] is True
    assert body["reason"] is None
    assert body["campaign"]["id"] == campaign.pk
    assert "budget" not in body["campaign"] and "code" not in body["campaign"]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("unknown", "unknown_code"),
        ("used", "voucher_used"),
        ("paused", "paused"),
        ("first_order", "first_order_only"),
    ],
)
def test_validate_says_why_a_code_cannot_be_used(api, shop, setup, reason):
    campaign = CampaignFactory(
        shop=shop,
        code_mode=CodeMode.UNIQUE,
        paused_at=timezone.now() if setup == "paused" else None,
        first_order_only=setup == "first_order",
    )
    used = {"used_at": timezone.now(), "used_order_ref": "SC-1"} if setup == "used" else {}
    VoucherFactory(campaign=campaign, code="MA-1", **used)
    customer = CustomerFactory(shop=shop, orders_count=2)

    code = "KHONGCO" if setup == "unknown" else "MA-1"
    body = api.post(VALIDATE, {"code": code, "customer_id": customer.pk}, format="json").json()

    assert (body["valid"], body["reason"]) == (False, reason)
    assert body["message"]
    assert (body["campaign"] is None) == (setup == "unknown")


def test_a_not_yet_valid_code_answers_as_an_unknown_one(api, shop):
    later = timezone.now() + timezone.timedelta(days=3)
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="SAPRA", starts_at=later)

    scheduled = api.post(VALIDATE, {"code": "SAPRA"}, format="json").json()
    unknown = api.post(VALIDATE, {"code": "KHONGCO"}, format="json").json()

    assert {**scheduled, "code": None} == {**unknown, "code": None}
    assert scheduled["reason"] == "unknown_code"
    quoted = api.post(QUOTE, {**CART, "codes": ["SAPRA"]}, format="json").json()
    assert [(r["code"], r["reason"], r.get("campaign_id")) for r in quoted["rejected"]] == [
        ("SAPRA", "unknown_code", None)
    ]
