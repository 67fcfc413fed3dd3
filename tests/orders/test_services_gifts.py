"""Free gifts the shop cannot give (no such product, not for sale, out of stock) are left out of the
quote and the order, with a machine-readable reason, and the order goes through; a campaign naming
SKUs that are no products is refused at publishing; the admin warns about a running gift campaign
whose gift ran out."""

from decimal import Decimal

import pytest

from orders.models import OrderEventType, Product
from promotions.models import Campaign, Kind, Redemption
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, ProductFactory, place
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dress(shop):
    return ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("600000"), stock_on_hand=5)


def _gift_campaign(shop, sku):
    return CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku=sku, value=Decimal("50000"))


@pytest.mark.parametrize(
    ("make_gift", "reason"),
    [
        (lambda shop: None, "gift_unknown"),
        (lambda shop: ProductFactory(shop=shop, sku="TUI-VAI-01", is_active=False), "gift_not_for_sale"),
        (lambda shop: ProductFactory(shop=shop, sku="TUI-VAI-01", stock_on_hand=0), "gift_out_of_stock"),
    ],
    ids=["no such product", "not for sale", "out of stock"],
)
def test_an_order_goes_through_without_a_gift_that_cannot_be_given(shop, dress, make_gift, reason):
    make_gift(shop)
    campaign = _gift_campaign(shop, "TUI-VAI-01")

    order = place(shop, lines=[(dress.sku, 1)])

    assert list(order.lines.values_list("sku", "is_gift")) == [("AO-DAI", False)]
    placed = order.events.get(type=OrderEventType.PLACED)
    assert placed.data["gifts_dropped"] == [{"campaign_id": campaign.pk, "sku": "TUI-VAI-01", "reason": reason}]
    assert Campaign.objects.get(pk=campaign.pk).spent == 0
    assert not Redemption.objects.filter(campaign=campaign).exists()


def test_the_quote_names_the_gift_left_out(shop, dress):
    campaign = _gift_campaign(shop, "TUI-VAI-01")
    api = make_api_client(shop)
    cart = {"channel": "website", "lines": [{"sku": dress.sku, "quantity": 1}]}

    response = api.post("/api/v1/orders/quote", cart, format="json")
    placed = api.post(
        "/api/v1/orders",
        {**cart, "customer": {"external_id": "KH-1"}, "shipping_address": ADDRESS, "payment_method": "cod"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [(g["campaign_id"], g["sku"], g["reason"]) for g in response.json()["gifts_dropped"]] == [
        (campaign.pk, "TUI-VAI-01", "gift_unknown")
    ]
    assert placed.status_code == 201, placed.json()


def test_a_gift_the_cart_itself_takes_the_last_units_of_is_left_out(shop):
    scarf = ProductFactory(shop=shop, sku="KHAN", price=Decimal("600000"), stock_on_hand=2)
    _gift_campaign(shop, "KHAN")

    order = place(shop, lines=[(scarf.sku, 2)])

    assert order.lines.filter(is_gift=True).count() == 0
    assert Product.objects.get(pk=scarf.pk).stock_reserved == 2


def test_a_gift_in_stock_is_still_given(shop, dress):
    ProductFactory(shop=shop, sku="TUI-VAI-01", stock_on_hand=3)
    _gift_campaign(shop, "TUI-VAI-01")

    order = place(shop, lines=[(dress.sku, 1)])

    assert list(order.lines.filter(is_gift=True).values_list("sku", "quantity")) == [("TUI-VAI-01", 1)]


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"kind": Kind.FREE_GIFT, "gift_sku": "TUI-VAI-01"}, "gift_sku"),
        ({"kind": Kind.SKU_PERCENTAGE, "skus": ["AO-DAI", "AO-DAI-02"]}, "skus"),
    ],
)
def test_publishing_a_campaign_naming_no_product_is_refused(shop, dress, terms, field):
    campaign = CampaignFactory(shop=shop, published_at=None, **terms)

    response = make_api_client(shop).post(f"/api/v1/promotions/campaigns/{campaign.pk}/publish")

    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert Campaign.objects.get(pk=campaign.pk).published_at is None


def test_the_admin_warns_about_a_running_campaign_whose_gift_ran_out(shop, owner_client):
    ProductFactory(shop=shop, sku="TUI-VAI-01", stock_on_hand=0)
    campaign = _gift_campaign(shop, "TUI-VAI-01")

    listed = owner_client.get("/admin/promotions/campaign/")
    page = owner_client.get(f"/admin/promotions/campaign/{campaign.pk}/change/")

    for response in (listed, page):
        warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
        assert any(campaign.name in warning and "TUI-VAI-01" in warning for warning in warnings), warnings
