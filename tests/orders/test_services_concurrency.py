"""Checkouts, cancellations and payment notifications at the same moment (PostgreSQL, real threads):
the last units are never oversold, nothing deadlocks, a release happens once."""

import json
from decimal import Decimal

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from orders import services
from orders.models import Order, OrderStatus, Payment, PaymentMethod, Product, StockMovement, StockMovementKind
from orders.pipeline import Actor
from promotions.models import Campaign, CodeMode, Kind
from sellercenter.errors import Conflict, NotAllowed
from tests.concurrency import row_held, run_concurrently
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, PaymentGatewayFactory, ProductFactory, place
from tests.promotions.factories import CampaignFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 16


def _split(results, expected=Conflict):
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, expected)]
    assert unexpected == [], unexpected  # no deadlock (OperationalError), no integrity error
    return [r for r in results if not isinstance(r, Exception)], [r for r in results if isinstance(r, expected)]


def _stock(product):
    product.refresh_from_db()
    return product.stock_on_hand, product.stock_reserved


def test_the_last_units_are_never_oversold(shop):
    product = ProductFactory(shop=shop, sku="AO-CUOI", stock_on_hand=5)

    placed, refused = _split(
        run_concurrently(lambda i: place(shop, lines=[(product.sku, 1)], customer_id=f"KH-{i}"), THREADS)
    )

    assert len(placed) == 5
    assert {error.code for error in refused} == {"out_of_stock"}
    assert {error.params["sku"] for error in refused} == {"AO-CUOI"}
    assert _stock(product) == (5, 5)
    assert Order.objects.count() == 5
    assert StockMovement.objects.filter(kind=StockMovementKind.RESERVED).count() == 5


def test_carts_taking_the_same_products_in_opposite_orders_never_deadlock(shop):
    first = ProductFactory(shop=shop, sku="A", stock_on_hand=6)
    second = ProductFactory(shop=shop, sku="B", stock_on_hand=100)

    def checkout(index):
        lines = [(first.sku, 1), (second.sku, 1)]
        return place(shop, lines=lines if index % 2 else lines[::-1], customer_id=f"KH-{index}")

    placed, refused = _split(run_concurrently(checkout, THREADS))

    assert len(placed) == 6 and len(refused) == THREADS - 6
    assert _stock(first) == (6, 6)
    assert _stock(second) == (100, 6)  # a refused cart reserved nothing of its other line


def test_one_customer_checking_out_while_cancelling_never_deadlocks(shop):
    products = [ProductFactory(shop=shop, sku=f"P{i}", stock_on_hand=100) for i in range(3)]
    existing = [place(shop, lines=[(p.sku, 1) for p in products]) for _ in range(THREADS // 2)]

    def work(index):
        if index % 2:
            return services.order_cancel(order=existing[index // 2], actor=Actor(kind="customer"))
        return place(shop, lines=[(p.sku, 1) for p in reversed(products)])

    done, _refused = _split(run_concurrently(work, THREADS), expected=(Conflict, NotAllowed))

    assert len(done) == THREADS
    assert {_stock(p) for p in products} == {(100, THREADS // 2)}


def test_a_transition_does_not_wait_for_a_row_being_written_that_names_the_order(shop):
    """A row inserted elsewhere that points at the order (an event, a payment, a statement line)
    holds FOR KEY SHARE on it until its transaction commits: the order's own lock does not wait."""
    product = ProductFactory(shop=shop, stock_on_hand=3)
    order = place(shop, lines=[(product.sku, 1)])

    with row_held("orders_order", order.pk, mode="FOR KEY SHARE"):
        services.order_cancel(order=order, actor=Actor(kind="customer"))

    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_a_transition_still_waits_for_another_change_of_the_same_order(shop):
    product = ProductFactory(shop=shop, stock_on_hand=3)
    order = place(shop, lines=[(product.sku, 1)])

    with pytest.raises(OperationalError), row_held("orders_order", order.pk, mode="FOR NO KEY UPDATE"):
        services.order_cancel(order=order, actor=Actor(kind="customer"))  # waits, then the lock times out

    assert Order.objects.get(pk=order.pk).status == order.status != OrderStatus.CANCELLED
    assert _stock(product) == (3, 1)


def test_concurrent_cancellations_release_once(shop):
    product = ProductFactory(shop=shop, stock_on_hand=3)
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    order = place(shop, lines=[(product.sku, 2)], voucher_codes=["GIAM10"])

    cancelled, refused = _split(
        run_concurrently(lambda i: services.order_cancel(order=order, actor=Actor(kind="customer")), 8),
        expected=NotAllowed,
    )

    assert (len(cancelled), len(refused)) == (1, 7)
    assert _stock(product) == (3, 0)
    assert StockMovement.objects.filter(kind=StockMovementKind.RELEASED).count() == 1
    assert Campaign.objects.get(pk=campaign.pk).spent == Decimal("0")


def test_a_budget_for_two_discounts_serves_two_checkouts(shop):
    product = ProductFactory(shop=shop, price=Decimal("500000"), stock_on_hand=100)
    campaign = CampaignFactory(
        shop=shop,
        kind=Kind.ORDER_AMOUNT,
        value=Decimal("50000"),
        budget=Decimal("100000"),
        code_mode=CodeMode.SHARED,
        code="GIAM50K",
    )

    placed, refused = _split(
        run_concurrently(
            lambda i: place(shop, lines=[(product.sku, 1)], voucher_codes=["GIAM50K"], customer_id=f"KH-{i}"), 8
        )
    )

    assert len(placed) == 2
    assert {error.params["campaign_id"] for error in refused} == {campaign.pk}
    assert Campaign.objects.get(pk=campaign.pk).spent == Decimal("100000")
    assert _stock(product) == (100, 2)


def test_a_notification_delivered_many_times_at_once_confirms_once(shop):
    PaymentGatewayFactory(shop=shop, merchant_code="HOAMAI01", secret="bi-mat")
    order = place(shop, payment_method=PaymentMethod.VNPAY)
    body = json.dumps(
        {
            "merchant_code": "HOAMAI01",
            "order_number": order.number,
            "transaction_id": "VNP1",
            "amount": str(order.total),
            "status": "success",
        }
    ).encode()
    signature = services.payment_signature(secret="bi-mat", body=body)

    def notify(_index):
        return APIClient().post(
            "/api/v1/payments/notify", body, content_type="application/json", HTTP_X_SIGNATURE=signature
        )

    responses = run_concurrently(notify, 8)

    assert {response.status_code for response in responses} == {200}
    assert sorted(response.json()["replayed"] for response in responses) == [False] + [True] * 7
    assert Payment.objects.count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_the_same_checkout_sent_at_once_with_one_key_places_one_order(shop):
    ProductFactory(shop=shop, sku="AO", stock_on_hand=50)
    api = make_api_client(shop)
    body = {
        "customer": {"external_id": "KH-1"},
        "channel": "app",
        "lines": [{"sku": "AO", "quantity": 1}],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
    }

    responses = run_concurrently(
        lambda i: api.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="mot-lan"), 8
    )

    assert {r.status_code for r in responses} <= {201, 409}
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="AO").stock_reserved == 1
    assert not any(isinstance(r, OperationalError) for r in responses)
