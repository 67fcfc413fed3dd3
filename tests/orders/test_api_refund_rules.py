"""Cross-app rules of a refund, through the API: points redeemed on an order come back pro rata to
what is refunded (in the lots they came from), and buying then returning never lifts a tier."""

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, PointsLot, QualifyingSpend
from orders import services
from orders.models import Order
from orders.pipeline import Actor
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import ADDRESS, ProductFactory, return_window_closed

pytestmark = pytest.mark.django_db
ACTIONS = ["allocate", "start-picking", "send-to-quality-check", "pack", "ready-to-ship", "ship", "deliver"]


def _ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def _deliver(api, number):
    for action in ACTIONS:
        data = {"carrier": "GHN", "tracking_number": f"GHN-{number}"} if action == "ready-to-ship" else {}
        _ok(api.post(f"/api/v1/orders/{number}/{action}", data, format="json"))


def _order(api, lines, points=0):
    body = {
        "channel": "website",
        "customer": {"external_id": "KH-001"},
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
        "points": points,
    }
    number = _ok(api.post("/api/v1/orders", body, format="json"), 201)["number"]
    _deliver(api, number)
    return number


def _return(api, number, lines):
    opened = _ok(
        api.post(
            "/api/v1/returns",
            {
                "order_number": number,
                "reason": "changed_mind",
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            },
            format="json",
        ),
        201,
    )
    for action in ("approve", "receive", "refund"):
        settled = _ok(api.post(f"/api/v1/returns/{opened['id']}/{action}", {}, format="json"))
    return opened["id"], settled


def test_a_full_refund_gives_back_every_point_redeemed_into_their_lots(api, shop):
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("500000"), stock_on_hand=5)
    account = member(shop, external_id="KH-001")
    with_available_points(account, 3000, order_ref="CU-1")
    lot = PointsLot.objects.get(account=account)

    number = _order(api, [("AO-DAI", 1)], points=3000)
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 0
    return_id, settled = _return(api, number, [("AO-DAI", 1)])

    assert settled["status"] == "refunded"
    given_back = PointsEntry.objects.get(kind=EntryKind.REDEEM_REVERSAL, account=account)
    assert (given_back.available_delta, given_back.source) == (3000, f"order:{number}:return:{return_id}")
    account.refresh_from_db()
    assert account.available_points == 3000
    lot.refresh_from_db()
    assert lot.remaining == 3000  # back in the lot they came from, with its expiry
    assert PointsLot.objects.filter(account=account).count() == 1


def test_partial_refunds_give_back_points_pro_rata_and_all_of_them_in_the_end(api, shop):
    ProductFactory(shop=shop, sku="AO", price=Decimal("100000"), stock_on_hand=5)
    account = member(shop, external_id="KH-001")
    with_available_points(account, 1000, order_ref="CU-1")

    number = _order(api, [("AO", 3)], points=1000)
    _return(api, number, [("AO", 1)])
    after_one = LoyaltyAccount.objects.get(pk=account.pk).available_points
    _return(api, number, [("AO", 2)])

    assert after_one == 333
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 1000


def test_buying_and_returning_cannot_lift_a_tier(api, shop):
    ProductFactory(shop=shop, sku="AO-DAI-VIP", price=Decimal("17450000"), stock_on_hand=2)
    account = member(shop, external_id="KH-001")
    tier_before = account.tier

    number = _order(api, [("AO-DAI-VIP", 1)])
    assert LoyaltyAccount.objects.get(pk=account.pk).tier == tier_before  # delivered: not counted yet
    _return(api, number, [("AO-DAI-VIP", 1)])
    order = Order.objects.get(number=number)
    return_window_closed(order)
    services.order_complete(order=order, actor=Actor.system())

    account.refresh_from_db()
    assert account.tier == tier_before
    assert not QualifyingSpend.objects.filter(account=account).exists()


def test_what_was_kept_counts_towards_the_tier_when_the_order_completes(api, shop):
    ProductFactory(shop=shop, sku="AO", price=Decimal("3000000"), stock_on_hand=5)
    account = member(shop, external_id="KH-001")

    number = _order(api, [("AO", 2)])
    _return(api, number, [("AO", 1)])
    order = Order.objects.get(number=number)
    return_window_closed(order)
    services.order_complete(order=order, actor=Actor.system())

    spend = QualifyingSpend.objects.get(account=account)
    assert spend.amount == Decimal("3000000")
    account.refresh_from_db()
    assert account.tier.rank == 2  # Bạc from 2.000.000 ₫ kept (the order of 6.000.000 ₫ would be Vàng)
    assert spend.occurred_at > order.delivered_at + timedelta(seconds=0)
