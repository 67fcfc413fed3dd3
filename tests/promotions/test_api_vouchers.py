"""GET/POST /api/v1/promotions/campaigns/{id}/vouchers and GET .../results."""

from decimal import Decimal

import pytest

from promotions.models import CodeMode, Voucher
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.promotions.factories import CampaignFactory, RedemptionFactory, VoucherFactory

pytestmark = pytest.mark.django_db


def _url(campaign, tail):
    return f"/api/v1/promotions/campaigns/{campaign.pk}/{tail}"


def test_generate_a_batch_once_per_idempotency_key(api, shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)

    first = api.post(_url(campaign, "vouchers"), {"count": 3, "prefix": "hv"}, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    again = api.post(_url(campaign, "vouchers"), {"count": 3, "prefix": "hv"}, format="json", HTTP_IDEMPOTENCY_KEY="b1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(first.json()["codes"]) == 3 and all(code.startswith("HV") for code in first.json()["codes"])
    assert Voucher.objects.count() == 3


def test_batch_input_and_mode_are_checked(api, shop):
    unique = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    automatic = CampaignFactory(shop=shop)

    too_many = api.post(_url(unique, "vouchers"), {"count": 10001}, format="json")
    wrong_mode = api.post(_url(automatic, "vouchers"), {"count": 1}, format="json")

    assert too_many.status_code == 400 and "count" in too_many.json()["error"]["fields"]
    assert wrong_mode.status_code == 409
    assert not Voucher.objects.exists()


def test_list_vouchers_filtered_by_use(api, shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    VoucherFactory(campaign=campaign, code="MOI")
    VoucherFactory(campaign=campaign, code="DADUNG", used_order_ref="SC-1", used_at=campaign.starts_at)

    used = api.get(_url(campaign, "vouchers"), {"used": "true"}).json()["results"]
    unused = api.get(_url(campaign, "vouchers"), {"used": "false"}).json()["results"]

    assert [v["code"] for v in used] == ["DADUNG"]
    assert [v["code"] for v in unused] == ["MOI"]


def test_storefront_keys_cannot_see_vouchers_or_results(shop):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)

    assert storefront.get(_url(campaign, "vouchers")).status_code == 403
    assert storefront.post(_url(campaign, "vouchers"), {"count": 1}, format="json").status_code == 403
    assert storefront.get(_url(campaign, "results")).status_code == 403


def test_results(api, shop):
    campaign = CampaignFactory(shop=shop)
    RedemptionFactory(campaign=campaign, amount=Decimal("50000"), order_total=Decimal("600000"), channel="app")

    body = api.get(_url(campaign, "results")).json()

    assert (body["redemptions"], body["cost"], body["revenue"], body["return_on_spend"]) == (
        1,
        "50000.00",
        "600000.00",
        "12.00",
    )
    assert body["by_channel"] == [
        {"key": "app", "label": "App", "redemptions": 1, "cost": "50000.00", "revenue": "600000.00"}
    ]
    assert body["daily"][-1]["cost"] == "50000.00"
