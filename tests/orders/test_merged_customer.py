"""A storefront still sending the id of a profile merged into another one: every app answers for the
survivor, so the promotions quote, the checkout quote, the loyalty card and the checkout itself agree."""

from decimal import Decimal

import pytest

from customers.services import customer_merge
from loyalty.services import account_set_tier_floor
from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import SYSTEM, member, with_available_points
from tests.orders.factories import ADDRESS, ProductFactory
from tests.promotions.factories import CampaignFactory, tier_of

pytestmark = pytest.mark.django_db

CART = [{"sku": "AO-DAI", "quantity": 1}]


@pytest.fixture
def merged(shop):
    """KH-CU was merged into KH-GIU, a rank-2 member with 5.000 points; a campaign is for rank 2 only."""
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"))
    kept = member(shop, external_id="KH-GIU")
    with_available_points(kept, 5000, order_ref="SC-SEED")
    account_set_tier_floor(account=kept, tier=tier_of(shop, 2), reason="Khách thân thiết", actor=SYSTEM)
    CampaignFactory(shop=shop, name="Ưu đãi hạng Bạc", tiers=[tier_of(shop, 2)])
    customer_merge(source=CustomerFactory(shop=shop, external_id="KH-CU"), target=kept.customer)
    return kept


def _promotions_quote(api, external_id):
    lines = [{**line, "unit_price": "400000"} for line in CART]
    body = {"lines": lines, "channel": "website", "customer_external_id": external_id}
    response = api.post("/api/v1/promotions/quote", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _checkout_quote(api, external_id, points):
    body = {"lines": CART, "channel": "website", "customer_external_id": external_id, "points": points}
    response = api.post("/api/v1/orders/quote", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_merged_storefront_id_gets_the_survivors_answer_everywhere(api, merged):
    promotions = _promotions_quote(api, "KH-CU")
    quote = _checkout_quote(api, "KH-CU", points=3000)
    card = api.get("/api/v1/loyalty/members/KH-CU").json()
    redemption = api.post(
        "/api/v1/loyalty/redemption-quote",
        {"external_id": "KH-CU", "order_amount": quote["total"], "points": 3000},
        format="json",
    ).json()

    assert promotions == _promotions_quote(api, "KH-GIU")
    assert [applied["name"] for applied in promotions["applied"]] == ["Ưu đãi hạng Bạc"]
    assert quote == _checkout_quote(api, "KH-GIU", points=3000)
    assert (quote["points"], quote["points_available"]) == (3000, 5000)
    assert (card["external_id"], card["available_points"], card["tier"]["rank"]) == ("KH-GIU", 5000, 2)
    assert redemption["available_points"] == 5000

    checkout = {
        "customer": {"external_id": "KH-CU", "full_name": "Nguyễn Thị Lan"},
        "channel": "website",
        "lines": CART,
        "shipping_address": ADDRESS,
        "payment_method": "cod",
        "points": 3000,
    }
    response = api.post("/api/v1/orders", checkout, format="json", HTTP_IDEMPOTENCY_KEY="dat-hang-gop")

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.customer_id == merged.customer_id
    assert order.points_redeemed == 3000
    assert response.json()["total"] == quote["total"]
