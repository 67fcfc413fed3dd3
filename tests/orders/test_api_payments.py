"""POST /api/v1/payments/notify: signed by the shop's gateway secret, replay-safe."""

import json

import pytest
from rest_framework.test import APIClient

from orders import services
from orders.models import Order, OrderEventType, OrderStatus, Payment, PaymentMethod, PaymentOutcome
from orders.pipeline import Actor
from orders.services import payment_signature
from tests.orders.factories import PaymentGatewayFactory, place, snapshot

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/notify"


@pytest.fixture
def gateway(shop):
    return PaymentGatewayFactory(shop=shop, merchant_code="HOAMAI01", secret="vnp-hash-secret")


@pytest.fixture
def order(shop):
    return place(shop, payment_method=PaymentMethod.VNPAY)


def _notify(order, *, transaction_id="VNP14012345", amount=None, status="success", secret="vnp-hash-secret", **extra):
    body = json.dumps(
        {
            "merchant_code": extra.pop("merchant_code", "HOAMAI01"),
            "order_number": extra.pop("order_number", order.number),
            "transaction_id": transaction_id,
            "amount": str(order.total if amount is None else amount),
            "status": status,
        }
    ).encode()
    signature = extra.pop("signature", payment_signature(secret=secret, body=body))
    return APIClient().post(URL, body, content_type="application/json", HTTP_X_SIGNATURE=signature)


def test_a_signed_payment_of_the_total_confirms_the_order(gateway, order):
    response = _notify(order)

    assert response.status_code == 200
    assert response.json() == {
        "order_number": order.number,
        "transaction_id": "VNP14012345",
        "outcome": "confirmed",
        "replayed": False,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.paid_at is not None
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.outcome) == ("vnpay", order.total, PaymentOutcome.CONFIRMED)
    assert order.events.filter(type=OrderEventType.PAYMENT_RECEIVED).exists()
    assert order.events.latest("pk").actor_kind == "gateway"


def test_a_replayed_notification_answers_the_same_and_changes_nothing(gateway, order):
    _notify(order)
    before = snapshot(order)

    replay = _notify(order)

    assert replay.status_code == 200
    assert replay.json()["replayed"] is True
    assert replay.json()["outcome"] == "confirmed"
    assert snapshot(order) == before


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "0" * 64},
        {"secret": "not-the-secret"},
        {"merchant_code": "UNKNOWN"},
        {"signature": ""},
    ],
    ids=["forged", "wrong-secret", "unknown-merchant", "unsigned"],
)
def test_a_bad_signature_is_401_and_changes_nothing(gateway, order, tamper):
    before = snapshot(order)

    response = _notify(order, **tamper)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "HMAC-SHA256"
    assert snapshot(order) == before


def test_an_inactive_gateway_account_is_401(gateway, order):
    gateway.is_active = False
    gateway.save()

    assert _notify(order).status_code == 401


def test_a_wrong_amount_is_400_naming_it(gateway, order):
    before = snapshot(order)

    response = _notify(order, amount=order.total - 1)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert snapshot(order) == before


def test_a_failed_payment_is_recorded_and_the_order_keeps_waiting(gateway, order):
    response = _notify(order, status="failed")

    assert response.json()["outcome"] == "failed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    retry = _notify(order, transaction_id="VNP14012346")
    assert retry.json()["outcome"] == "confirmed"


def test_a_payment_after_the_order_was_cancelled_is_kept_for_a_refund(gateway, order):
    services.order_cancel(order=order, actor=Actor.system(), reason="Hết hạn thanh toán")

    response = _notify(order)

    assert response.json()["outcome"] == "not_payable"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert order.events.latest("pk").data["refund_due"] == "150000"


def test_a_gateway_reaches_only_its_own_shops_orders(gateway, other_shop):
    theirs = place(other_shop, payment_method=PaymentMethod.VNPAY)

    response = _notify(theirs)

    assert response.status_code == 404
    assert Order.objects.get(pk=theirs.pk).status == OrderStatus.PENDING_PAYMENT


def test_malformed_input_is_400(gateway, order):
    response = _notify(order, status="maybe")

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
