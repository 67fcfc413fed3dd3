"""Packed to delivered with nobody touching the order after hand-over, on PostgreSQL with a real
Celery worker on Redis: the worker books the parcel with GHN on loopback, GHN's webhooks reach the
live server, the worker applies them, and finance writes the sale line."""

import time
from decimal import Decimal

import pytest
from django.urls import reverse
from kombu import pools

from finance.models import LineKind, StatementLine
from orders import services
from orders.models import Order, OrderStatus, Shipment, ShipmentStatus, TrackingEvent
from sellercenter.celery import app
from sellercenter.money import money_format
from tests.orders.factories import ProductFactory, advance, place, staff_actor
from tests.sellercenter.factories import UserFactory
from tests.sellercenter.test_celery_worker import worker  # noqa: F401 - the fixture

S = OrderStatus


def _until(check, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _status(order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


@pytest.fixture
def on_the_worker(worker, redis_url):  # noqa: F811
    """Tasks enqueued by this process go to the worker's queue on Redis instead of running here."""
    _client, queue = worker
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=redis_url, task_default_queue=queue)
    _connections_reset()
    yield
    app.conf.update(saved)
    _connections_reset()


def _connections_reset() -> None:
    """Drop the app's broker connections, so that the next message uses the broker now configured.
    The app's pools live in kombu's registries, keyed by broker: closing one and leaving it there gave
    the next test on the same broker a closed pool ("Acquire on closed pool"), so they are emptied."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_packed_to_delivered_with_no_person_after_hand_over(
    shop, ghn_account, ghn_server, live_server, client, request
):
    ghn_server.webhook_url = live_server.url + reverse("api:carriers-webhook", args=[ghn_account.webhook_key])
    product = ProductFactory(shop=shop, weight_grams=400)
    order = advance(place(shop, lines=[(product.sku, 2)], shipping_fee=Decimal("30000")), S.PACKED)
    request.getfixturevalue("on_the_worker")

    services.shipment_create(order=order, actor=staff_actor())
    _until(lambda: _status(order) == S.READY_TO_SHIP, "the worker to book the parcel")
    shipment = Shipment.objects.get(order=order)
    assert shipment.status == ShipmentStatus.BOOKED and shipment.cod_amount == Decimal("330000")

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    labels = client.post(
        reverse("admin:orders_order_changelist"), {"action": "print_labels", "_selected_action": [order.pk]}
    )
    page = labels.content.decode()
    assert shipment.tracking_number in page and money_format(Decimal("330000"), "VND") in page
    assert services.shipment_label(shipment=shipment).url.startswith(ghn_server.url)

    code = shipment.tracking_number
    assert ghn_server.set_status(code, "picked", at="2026-12-01T02:00:00.000Z") == 200
    _until(lambda: _status(order) == S.SHIPPED, "picked up -> shipped")
    assert ghn_server.post_webhook(ghn_server.callback(code, "picked", "2026-12-01T02:00:00.000Z")) == 200
    ghn_server.set_status(code, "delivery_fail", at="2026-12-01T09:00:00.000Z", reason="Khách vắng nhà")
    _until(lambda: _status(order) == S.DELIVERY_FAILED, "a failed attempt")
    ghn_server.set_status(code, "delivering", at="2026-12-02T02:00:00.000Z")
    ghn_server.set_status(code, "delivered", at="2026-12-02T04:00:00.000Z")
    _until(lambda: _status(order) == S.DELIVERED, "the second attempt -> delivered")
    ghn_server.post_webhook(ghn_server.callback(code, "storing", "2026-12-01T03:00:00.000Z"))  # late
    _until(lambda: TrackingEvent.objects.filter(carrier_status="storing", applied_at__isnull=False).exists(), "late")

    order.refresh_from_db()
    assert order.status == S.DELIVERED
    steps = order.events.filter(actor_kind="carrier", type="status_changed").order_by("pk")
    assert [e.to_status for e in steps] == [S.SHIPPED, S.DELIVERY_FAILED, S.SHIPPED, S.DELIVERED]
    assert TrackingEvent.objects.filter(shipment=shipment, carrier_status="picked").count() == 1
    sale = StatementLine.objects.get(kind=LineKind.SALE, order=order)
    assert sale.gross == Decimal("300000")
