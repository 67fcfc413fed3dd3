"""Shipments through the services and the carriers on loopback: booking a packed order, refusals,
rate limits, cancelling before pick-up, tracking webhooks moving the pipeline (idempotent and safe
out of order), polling for lost webhooks, the checkout quote's real fee and address checks."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from orders import services
from orders.models import (
    Carrier,
    OrderEventType,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingMilestone,
)
from orders.shipping.carriers.base import TrackingUpdate
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.models import OutboxMessage, OutboxStatus
from sellercenter.outbox import outbox_message_run
from tests.concurrency import row_held
from tests.orders.factories import ADDRESS, ProductFactory, advance, carrier_account, place, staff_actor

pytestmark = pytest.mark.django_db
S = OrderStatus


def _packed(shop, **kwargs):
    product = ProductFactory(shop=shop, weight_grams=400)
    return advance(place(shop, lines=[(product.sku, 2)], shipping_fee=Decimal("30000"), **kwargs), S.PACKED)


def _book(order, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        shipment = services.shipment_create(order=order, actor=staff_actor(), **kwargs)
    shipment.refresh_from_db()
    order.refresh_from_db()
    return shipment


def _make_default(account):
    services.carrier_account_save(shop=account.shop, carrier=account.carrier, account=account, is_default=True)


def _webhook(account, payload):
    url = reverse("api:carriers-webhook", args=[account.webhook_key])
    return APIClient().post(url, json.dumps(payload), content_type="application/json")


def _ghn(ghn_server, ghn_account, shipment, status, at, callbacks, **kwargs):
    payload = ghn_server.callback(shipment.tracking_number, status, at, **kwargs)
    with callbacks(execute=True):
        response = _webhook(ghn_account, payload)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_packed_cod_order_is_booked_with_its_cash_to_collect(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    order = _packed(shop)

    shipment = _book(order, django_capture_on_commit_callbacks)

    assert shipment.status == ShipmentStatus.BOOKED and shipment.tracking_number.startswith("GHN")
    assert shipment.cod_amount == order.total == Decimal("330000")
    assert shipment.fee_quoted == Decimal("28500") and shipment.weight_grams == 800
    assert (order.status, order.carrier, order.tracking_number) == (S.READY_TO_SHIP, "GHN", shipment.tracking_number)
    assert ghn_server.requests[-1][2]["cod_amount"] == 330000
    assert order.events.filter(type=OrderEventType.NOTE, note__contains=shipment.tracking_number).exists()


def test_a_prepaid_order_is_booked_without_cod(shop, ghtk_account, django_capture_on_commit_callbacks):
    _make_default(ghtk_account)
    order = _packed(shop, payment_method="vnpay")

    shipment = _book(order, django_capture_on_commit_callbacks)

    assert shipment.cod_amount == 0 and shipment.status == ShipmentStatus.BOOKED


def test_booking_refuses_an_order_not_packed_and_a_second_parcel(shop, ghn_account, django_capture_on_commit_callbacks):
    confirmed = place(shop)
    with pytest.raises(NotAllowed):
        services.shipment_create(order=confirmed, actor=staff_actor())
    order = _packed(shop, customer_id="KH-2")
    services.shipment_create(order=order, actor=staff_actor())

    with pytest.raises((Conflict, NotAllowed)):
        services.shipment_create(order=order, actor=staff_actor())
    assert Shipment.objects.filter(order=order).count() == 1


def test_another_shops_account_is_refused(shop, other_shop, ghn_account):
    order = _packed(other_shop)

    with pytest.raises(InvalidInput) as refused:
        services.shipment_create(order=order, actor=staff_actor(), account=ghn_account)
    assert "account" in refused.value.fields
    assert not Shipment.objects.exists()


def test_self_delivery_needs_a_tracking_number_and_is_ready_at_once(shop, units):
    account = carrier_account(shop, Carrier.MANUAL, name="Shop tự giao")
    order = _packed(shop)
    with pytest.raises(InvalidInput):
        services.shipment_create(order=order, actor=staff_actor(), account=account)

    services.shipment_create(order=order, actor=staff_actor(), account=account, tracking_number="TG-001")

    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (S.READY_TO_SHIP, "TG-001")


def test_a_carrier_refusal_leaves_the_order_packed_with_the_carriers_words(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    ghn_server.token = "rotated"
    order = _packed(shop)

    shipment = _book(order, django_capture_on_commit_callbacks)

    assert shipment.status == ShipmentStatus.REFUSED and "Token is not valid" in shipment.error
    assert order.status == S.PACKED
    assert order.events.filter(note__contains="Token is not valid").exists()
    ghn_server.token = "ghn-test-token"
    assert _book(order, django_capture_on_commit_callbacks).status == ShipmentStatus.BOOKED


def test_a_rate_limited_booking_waits_in_the_outbox_and_is_retried(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    ghn_server.rate_limit_next(1)
    order = _packed(shop)

    shipment = _book(order, django_capture_on_commit_callbacks)

    message = OutboxMessage.objects.get(key=f"shipment_book:{shipment.pk}")
    assert shipment.status == ShipmentStatus.REQUESTED and order.status == S.PACKED
    assert message.status == OutboxStatus.PENDING and "rate limited" in message.last_error
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())  # the backoff is over
    assert outbox_message_run(message_id=message.pk) == OutboxStatus.DONE
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.BOOKED
    assert len([r for r in ghn_server.requests if r[1].endswith("/create")]) == 2


def test_cancelling_before_pick_up_cancels_the_parcel_at_the_carrier(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.order_cancel(order=order, actor=staff_actor(), reason="Khách đổi ý")

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED
    assert ghn_server.parcels[shipment.tracking_number]["status"] == "cancel"


def test_webhooks_move_the_order_from_pick_up_to_delivery(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    cb = django_capture_on_commit_callbacks

    _ghn(ghn_server, ghn_account, shipment, "picked", "2026-12-01T02:00:00Z", cb)
    order.refresh_from_db()
    assert order.status == S.SHIPPED and order.shipped_at.isoformat() == "2026-12-01T02:00:00+00:00"
    _ghn(ghn_server, ghn_account, shipment, "delivering", "2026-12-01T05:00:00Z", cb)
    _ghn(ghn_server, ghn_account, shipment, "delivered", "2026-12-01T08:00:00Z", cb)

    order.refresh_from_db()
    shipment.refresh_from_db()
    assert order.status == S.DELIVERED and order.payments.get().amount == order.total
    assert shipment.status == ShipmentStatus.DELIVERED
    carrier_events = order.events.filter(actor_kind="carrier", type=OrderEventType.STATUS_CHANGED)
    assert list(carrier_events.order_by("pk").values_list("to_status", flat=True)) == [S.SHIPPED, S.DELIVERED]
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 3


def test_repeated_and_late_webhooks_change_nothing(shop, ghn_account, ghn_server, django_capture_on_commit_callbacks):
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    cb = django_capture_on_commit_callbacks
    _ghn(ghn_server, ghn_account, shipment, "delivered", "2026-12-01T08:00:00Z", cb)
    events = order.events.count()

    again = _ghn(ghn_server, ghn_account, shipment, "delivered", "2026-12-01T08:00:00Z", cb)
    late = _ghn(ghn_server, ghn_account, shipment, "picked", "2026-12-01T02:00:00Z", cb)

    assert (again["replayed"], late["received"]) == (1, 1)
    order.refresh_from_db()
    assert order.status == S.DELIVERED and order.events.count() == events
    assert TrackingEvent.objects.get(carrier_status="picked").outcome == "shipment closed"


def test_a_failed_attempt_then_a_second_one_ends_delivered(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    cb = django_capture_on_commit_callbacks

    _ghn(ghn_server, ghn_account, shipment, "picked", "2026-12-01T02:00:00Z", cb)
    _ghn(ghn_server, ghn_account, shipment, "delivery_fail", "2026-12-01T09:00:00Z", cb, reason="Khách vắng nhà")
    order.refresh_from_db()
    assert order.status == S.DELIVERY_FAILED
    _ghn(ghn_server, ghn_account, shipment, "delivered", "2026-12-02T09:00:00Z", cb)
    _ghn(ghn_server, ghn_account, shipment, "delivering", "2026-12-02T03:00:00Z", cb)  # late: ignored

    order.refresh_from_db()
    assert order.status == S.DELIVERED
    steps = order.events.filter(actor_kind="carrier", type=OrderEventType.STATUS_CHANGED).order_by("pk")
    assert [e.to_status for e in steps] == [S.SHIPPED, S.DELIVERY_FAILED, S.SHIPPED, S.DELIVERED]
    assert steps[1].note == "Khách vắng nhà"


def test_a_parcel_returned_gives_the_stock_back(shop, ghtk_account, ghtk_server, django_capture_on_commit_callbacks):
    _make_default(ghtk_account)
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    url = reverse("api:carriers-webhook", args=[ghtk_account.webhook_key]) + "?hash=ghtk-bi-mat"
    body = f"label_id={shipment.tracking_number}&partner_id=x&status_id=21&action_time=2026-12-01T10:00:00%2B07:00"

    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(url, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == S.RETURNED_TO_SENDER
    assert order.lines.get().product.stock_reserved == 0


def test_webhooks_that_do_not_authenticate_are_refused_and_store_nothing(
    shop, ghn_account, ghtk_account, ghn_server, django_capture_on_commit_callbacks
):
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    payload = ghn_server.callback(shipment.tracking_number, "delivered", "2026-12-01T08:00:00Z")

    unknown = APIClient().post(
        "/api/v1/carriers/webhooks/doan-mo", json.dumps(payload), content_type="application/json"
    )
    other_shop_id = _webhook(ghn_account, {**payload, "ShopID": 42})
    bad_hash = APIClient().post(
        reverse("api:carriers-webhook", args=[ghtk_account.webhook_key]) + "?hash=sai",
        "label_id=x&status_id=5&action_time=2026-12-01T10:00:00%2B07:00",
        content_type="application/x-www-form-urlencoded",
    )
    unreadable = _webhook(ghn_account, {"hello": "world"})

    assert [unknown.status_code, other_shop_id.status_code, bad_hash.status_code] == [401, 401, 401]
    assert unreadable.status_code == 400 and unreadable.json()["error"]["code"] == "parse_error"
    assert not TrackingEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == S.READY_TO_SHIP


def test_polling_catches_up_with_lost_webhooks(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks, settings
):
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    ghn_server.set_status(shipment.tracking_number, "picked", send=False)
    ghn_server.set_status(shipment.tracking_number, "delivered", send=False)
    later = timezone.now() + timedelta(minutes=settings.SHIPPING_POLL_AFTER_MINUTES + 1)

    assert services.shipments_poll(now=later) == 3
    assert services.shipments_poll(now=later) == 0

    order.refresh_from_db()
    assert order.status == S.DELIVERED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_applying_an_update_does_not_wait_for_the_next_webhook_being_stored(
    shop, ghn_account, ghn_server, django_capture_on_commit_callbacks
):
    """A webhook being stored holds key-share locks on the account its row names until it commits.
    The worker applying the update before it must not wait for that: it locked the account's row too
    (FOR UPDATE through the join), the webhook's commit waited for the shipment the worker held, and
    the two deadlocked, which the carrier saw as a 503."""
    order = _packed(shop)
    shipment = _book(order, django_capture_on_commit_callbacks)
    update = TrackingUpdate(
        tracking_number=shipment.tracking_number,
        carrier_status="picked",
        milestone=TrackingMilestone.PICKED_UP,
        occurred_at=timezone.now(),
        dedup_key="picked-1",
    )
    event, _created = services.tracking_update_receive(account=ghn_account, update=update, apply_later=False)

    with row_held("orders_carrieraccount", ghn_account.pk):
        event = services.tracking_event_apply(event=event)

    order.refresh_from_db()
    assert event.outcome == "ship" and order.status == S.SHIPPED


def test_the_checkout_quote_shows_the_carriers_real_fee(shop, api, ghn_account):
    product = ProductFactory(shop=shop, weight_grams=400)
    body = {"channel": "website", "lines": [{"sku": product.sku, "quantity": 2}]}

    response = api.post("/api/v1/orders/quote", {**body, "shipping_address": ADDRESS}, format="json")
    plain = api.post("/api/v1/orders/quote", body, format="json")

    assert response.status_code == 200, response.content
    shipping = response.json()["shipping"]
    assert (shipping["carrier"], shipping["fee"], shipping["error"]) == ("ghn", "28500.00", "")
    assert plain.json()["shipping"] is None


def test_an_address_carriers_cannot_place_is_a_400_at_checkout(shop, api, ghn_account):
    product = ProductFactory(shop=shop)
    order = {
        "channel": "website",
        "lines": [{"sku": product.sku, "quantity": 1}],
        "customer": {"external_id": "KH-9"},
        "shipping_address": {**ADDRESS, "ward": "Phường Không Có"},
        "payment_method": "cod",
    }

    response = api.post("/api/v1/orders", order, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    quote = api.post(
        "/api/v1/orders/quote", {**order, "shipping_address": {"province": "Atlantis", "ward": "X"}}, format="json"
    )

    assert response.status_code == 400 and "shipping_address.ward" in response.json()["error"]["fields"]
    assert quote.status_code == 400 and "shipping_address.province" in quote.json()["error"]["fields"]
    assert not shop.orders.exists()
    ok = api.post("/api/v1/orders", {**order, "shipping_address": ADDRESS}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert ok.status_code == 201
