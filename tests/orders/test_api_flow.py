"""One order's whole life through the API: quote, checkout with a voucher and points, payment
notification, fulfilment, delivery, a return with its refund, completion; and who its points are by."""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry
from orders import services, tasks
from orders.models import Order, OrderStatus, Product
from promotions.models import Campaign, CodeMode
from sellercenter.models import ActorKind, ApiKey
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import (
    ADDRESS,
    PaymentGatewayFactory,
    ProductFactory,
    advance,
    return_window_closed,
    staff_actor,
)
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def _ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_an_order_from_quote_to_completion_and_return(api, shop, django_capture_on_commit_callbacks, mailoutbox):
    ProductFactory(shop=shop, sku="AO-DAI", name="Áo dài lụa", price=Decimal("500000"), stock_on_hand=10)
    ProductFactory(shop=shop, sku="KHAN", name="Khăn lụa", price=Decimal("100000"), stock_on_hand=10)
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="HE2026", value=Decimal("10"))
    account = member(shop, external_id="KH-001", email="lan@example.vn")
    with_available_points(account, 3000, order_ref="SC-CU")
    PaymentGatewayFactory(shop=shop, merchant_code="HOAMAI-VNP", secret="vnp-secret")
    cart = {
        "channel": "website",
        "lines": [{"sku": "AO-DAI", "quantity": 2}, {"sku": "KHAN", "quantity": 1}],
        "voucher_codes": ["he2026"],
        "shipping_fee": "30000",
        "points": 2000,
    }

    # 1. The storefront quotes the cart: 1.100.000 - 10 % - 2.000 points (20.000 ₫) + shipping.
    quote = _ok(api.post("/api/v1/orders/quote", {**cart, "customer_external_id": "KH-001"}, format="json"))
    assert (quote["discount_total"], quote["points_discount"], quote["total"]) == (
        "110000.00",
        "20000.00",
        "1000000.00",
    )

    # 2. It places the order, prepaid with VNPay; a retry with the same key changes nothing.
    checkout = {
        **cart,
        "customer": {"external_id": "KH-001", "full_name": "Nguyễn Thị Lan", "email": "lan@example.vn"},
        "shipping_address": ADDRESS,
        "payment_method": "vnpay",
    }
    with django_capture_on_commit_callbacks(execute=True):
        order = _ok(api.post("/api/v1/orders", checkout, format="json", HTTP_IDEMPOTENCY_KEY="gio-hang-42"), 201)
        again = _ok(api.post("/api/v1/orders", checkout, format="json", HTTP_IDEMPOTENCY_KEY="gio-hang-42"), 201)
    number = order["number"]
    assert again == order
    assert (order["status"], order["total"]) == ("pending_payment", quote["total"])
    assert Campaign.objects.get(pk=campaign.pk).spent == Decimal("110000")
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 1000

    # 3. VNPay notifies the payment, signed; the order is confirmed and the customer mailed.
    body = json.dumps(
        {
            "merchant_code": "HOAMAI-VNP",
            "order_number": number,
            "transaction_id": "14123456",
            "amount": order["total"],
            "status": "success",
        }
    ).encode()
    signature = services.payment_signature(secret="vnp-secret", body=body)
    with django_capture_on_commit_callbacks(execute=True):
        paid = _ok(
            APIClient().post(
                "/api/v1/payments/notify", body, content_type="application/json", HTTP_X_SIGNATURE=signature
            )
        )
    assert paid["outcome"] == "confirmed"
    assert mailoutbox[0].subject.endswith(f"Xác nhận đơn hàng {number}")

    # 4. The warehouse fulfils it and the carrier delivers it.
    with django_capture_on_commit_callbacks(execute=True):
        for action, data in [
            ("allocate", {}),
            ("start-picking", {}),
            ("send-to-quality-check", {}),
            ("pack", {}),
            ("ready-to-ship", {"carrier": "GHN", "tracking_number": "GHN-8899"}),
            ("ship", {}),
            ("deliver", {}),
        ]:
            moved = _ok(api.post(f"/api/v1/orders/{number}/{action}", data, format="json"))
    assert moved["status"] == "delivered"
    assert "GHN-8899" in mailoutbox[1].body
    assert Product.objects.get(sku="AO-DAI").stock_on_hand == 8
    earned = PointsEntry.objects.get(source=f"order:{number}", kind=EntryKind.EARN).pending_delta
    assert earned == 970  # 970.000 ₫ of goods paid (after the discount and the points), 1 point per 1.000 ₫

    # 5. The customer returns one scarf; the shop takes it back and refunds its share.
    opened = _ok(
        api.post(
            "/api/v1/returns",
            {"order_number": number, "reason": "damaged", "lines": [{"sku": "KHAN", "quantity": 1}]},
            format="json",
        ),
        201,
    )
    for action in ("approve", "receive", "refund"):
        settled = _ok(api.post(f"/api/v1/returns/{opened['id']}/{action}", {}, format="json"))
    assert settled["status"] == "refunded"
    assert settled["refund_amount"] == "88182.00"  # 100.000 - 10 % - its share of the 20.000 ₫ of points
    assert Product.objects.get(sku="KHAN").stock_on_hand == 10

    # 6. The return window closes: the beat job completes the order and releases the points left.
    return_window_closed(Order.objects.get(number=number))
    assert tasks.orders_complete_due.delay().get() == 1
    final = _ok(api.get(f"/api/v1/orders/{number}"))
    assert (final["status"], final["refunded_amount"]) == ("completed", "88182.00")
    assert [step["status"] for step in final["history"]][-3:] == ["shipped", "delivered", "completed"]
    released = PointsEntry.objects.get(source=f"order:{number}", kind=EntryKind.RELEASE).available_delta
    assert released == earned - 88  # the refund clawed back its share of the pending points
    assert _ok(api.get(f"/api/v1/returns?order={number}"))["results"][0]["status"] == "refunded"


def test_the_ledger_records_who_moved_an_orders_points(api, shop):
    """The storefront redeems at checkout (the customer, through its key), a staff member delivers, the
    beat job completes."""
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("500000"), stock_on_hand=10)
    account = member(shop, external_id="KH-001")
    with_available_points(account, 1000, order_ref="SC-CU")
    key = ApiKey.objects.get(shop=shop)
    checkout = {
        "channel": "website",
        "lines": [{"sku": "AO-DAI", "quantity": 1}],
        "points": 100,
        "customer": {"external_id": "KH-001", "full_name": "Nguyễn Thị Lan"},
        "shipping_address": ADDRESS,
        "payment_method": "cod",
    }
    number = _ok(api.post("/api/v1/orders", checkout, format="json"), 201)["number"]
    staff = staff_actor()
    order = advance(Order.objects.get(number=number), OrderStatus.DELIVERED, staff)
    return_window_closed(order)
    tasks.orders_complete_due.delay().get()

    entries = PointsEntry.objects.filter(source=f"order:{number}")
    who = {entry.kind: (entry.actor_kind, entry.user, entry.api_key) for entry in entries}
    assert who == {
        EntryKind.REDEEM: (ActorKind.CUSTOMER, None, key),
        EntryKind.EARN: (ActorKind.STAFF, staff.user, None),
        EntryKind.RELEASE: (ActorKind.SYSTEM, None, None),
    }
