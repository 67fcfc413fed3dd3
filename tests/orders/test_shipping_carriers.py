"""The GHN and GHTK adapters against the carriers' protocols on loopback: documented requests and
answers, their error answers and rate limits, labels, status polls and webhook payloads."""

import json
from decimal import Decimal

import pytest

from orders.models import TrackingMilestone, Ward
from orders.shipping.carriers import adapter_for
from orders.shipping.carriers.base import (
    CarrierRefused,
    CarrierUnavailable,
    Destination,
    Item,
    Parcel,
    WebhookRejected,
    WebhookUnreadable,
)
from orders.shipping.credentials import credentials_open

pytestmark = pytest.mark.django_db

PARCEL = Parcel(
    items=(Item("Áo dài lụa", 2, Decimal("150000"), 400),),
    weight_grams=800,
    length_cm=20,
    width_cm=15,
    height_cm=10,
    cod_amount=Decimal("330000"),
    insurance_value=Decimal("300000"),
)


def _destination() -> Destination:
    return Destination("Nguyễn Thị Lan", "+84912345678", "12 Hàng Bạc", Ward.objects.get(name="Phường Hoàn Kiếm"))


def test_credentials_are_stored_encrypted_and_read_back(ghn_account):
    assert "ghn-test-token" not in ghn_account.credentials
    assert credentials_open(ghn_account.credentials)["token"] == "ghn-test-token"


def test_ghn_quotes_with_token_and_shop_id_headers(ghn_account, ghn_server):
    quote = adapter_for(ghn_account).quote(parcel=PARCEL, destination=_destination().ward)

    # 22 000 ₫ the first 500 g, 5 000 ₫ the next 500 g, 0.5 % insurance on 300 000 ₫
    assert (quote.fee, quote.insurance_fee) == (Decimal("28500"), Decimal("1500"))
    method, path, body, headers = ghn_server.requests[-1]
    assert (method, path) == ("POST", "/shiip/public-api/v2/shipping-order/fee")
    assert headers["token"] == "ghn-test-token" and headers["shopid"] == "190881"
    assert body["to_ward_code"] == "1A0807" and body["to_district_id"] == 1489
    assert body["from_ward_code"] == "20108" and body["weight"] == 800 and body["cod_value"] == 330000


def test_ghn_creates_an_order_with_cod_and_items(ghn_account, ghn_server):
    booking = adapter_for(ghn_account).create(reference="SC-000001-1", parcel=PARCEL, destination=_destination())

    assert booking.tracking_number.startswith("GHN") and booking.fee == Decimal("28500")
    body = ghn_server.requests[-1][2]
    assert body["cod_amount"] == 330000 and body["client_order_code"] == "SC-000001-1"
    assert body["items"] == [{"name": "Áo dài lụa", "quantity": 2, "price": 150000, "weight": 400}]
    assert body["payment_type_id"] == 1 and body["required_note"] == "CHOXEMHANGKHONGTHU"


def test_ghn_error_answers_become_refusals_with_the_carriers_words(ghn_account, ghn_server):
    adapter = adapter_for(ghn_account)
    adapter.create(reference="SC-1", parcel=PARCEL, destination=_destination())

    with pytest.raises(CarrierRefused, match="client_order_code"):
        adapter.create(reference="SC-1", parcel=PARCEL, destination=_destination())


def test_a_wrong_ghn_token_is_refused(ghn_account, ghn_server):
    ghn_server.token = "another"

    with pytest.raises(CarrierRefused, match="Token is not valid") as refusal:
        adapter_for(ghn_account).quote(parcel=PARCEL, destination=_destination().ward)
    assert refusal.value.status == 401


def test_a_rate_limit_is_unavailable_with_its_retry_after(ghn_account, ghn_server):
    ghn_server.rate_limit_next(1)

    with pytest.raises(CarrierUnavailable) as limited:
        adapter_for(ghn_account).quote(parcel=PARCEL, destination=_destination().ward)
    assert limited.value.status == 429 and limited.value.retry_after == 1
    assert adapter_for(ghn_account).quote(parcel=PARCEL, destination=_destination().ward).fee > 0


def test_an_unreachable_carrier_is_unavailable(ghn_account, ghn_server):
    ghn_server.stop()

    with pytest.raises(CarrierUnavailable):
        adapter_for(ghn_account).quote(parcel=PARCEL, destination=_destination().ward)


def test_ghn_cancel_label_and_status_poll(ghn_account, ghn_server):
    adapter = adapter_for(ghn_account)
    code = adapter.create(reference="SC-2", parcel=PARCEL, destination=_destination()).tracking_number

    label = adapter.label(tracking_number=code)
    assert label.url.startswith(f"{ghn_server.url}/a5/public-api/printA5?token=")
    ghn_server.set_status(code, "picked", send=False)
    with pytest.raises(CarrierRefused):
        adapter.cancel(tracking_number=code)
    updates = adapter.track(tracking_number=code)
    assert [u.milestone for u in updates] == [TrackingMilestone.NONE, TrackingMilestone.PICKED_UP]


def test_ghn_webhook_payload_is_read_and_checked_against_the_shop_id(ghn_account, ghn_server):
    adapter = adapter_for(ghn_account)
    code = adapter.create(reference="SC-3", parcel=PARCEL, destination=_destination()).tracking_number
    payload = ghn_server.callback(code, "delivery_fail", "2026-12-02T03:52:50.158Z", reason="Khách vắng nhà")

    [update] = adapter.webhook_updates(body=json.dumps(payload).encode(), query={})
    assert (update.tracking_number, update.milestone, update.note) == (
        code,
        TrackingMilestone.FAILED_ATTEMPT,
        "Khách vắng nhà",
    )
    with pytest.raises(WebhookRejected):
        adapter.webhook_updates(body=json.dumps({**payload, "ShopID": 1}).encode(), query={})
    with pytest.raises(WebhookUnreadable):
        adapter.webhook_updates(body=b"<xml/>", query={})


def test_ghtk_quote_create_label_cancel_and_poll(ghtk_account, ghtk_server):
    adapter = adapter_for(ghtk_account)

    assert adapter.quote(parcel=PARCEL, destination=_destination().ward).fee == Decimal("22500")
    query_path = ghtk_server.requests[-1][1]
    assert query_path == "/services/shipment/fee"
    booking = adapter.create(reference="SC-4", parcel=PARCEL, destination=_destination())
    order = ghtk_server.requests[-1][2]["order"]
    assert order["pick_money"] == 330000 and order["province"] == "Hà Nội" and order["ward"] == "Phường Hoàn Kiếm"
    assert adapter.label(tracking_number=booking.tracking_number).pdf.startswith(b"%PDF")
    ghtk_server.set_status(booking.tracking_number, "3", send=False)
    assert [u.milestone for u in adapter.track(tracking_number=booking.tracking_number)] == ["picked_up"]
    with pytest.raises(CarrierRefused, match="không thể hủy"):
        adapter.cancel(tracking_number=booking.tracking_number)


def test_ghtk_refusal_and_duplicate_order_id(ghtk_account, ghtk_server):
    adapter = adapter_for(ghtk_account)
    adapter.create(reference="SC-5", parcel=PARCEL, destination=_destination())

    with pytest.raises(CarrierRefused, match="đã tồn tại"):
        adapter.create(reference="SC-5", parcel=PARCEL, destination=_destination())


def test_ghtk_webhook_needs_the_agreed_hash(ghtk_account):
    adapter = adapter_for(ghtk_account)
    body = b"label_id=S1.A1.00000001&partner_id=SC-6&status_id=5&action_time=2026-12-02T10:18:39%2B07:00&reason="

    [update] = adapter.webhook_updates(body=body, query={"hash": "ghtk-bi-mat"})
    assert update.milestone == TrackingMilestone.DELIVERED and update.occurred_at.utcoffset().total_seconds() == 25200
    with pytest.raises(WebhookRejected):
        adapter.webhook_updates(body=body, query={"hash": "doan-mo"})
    with pytest.raises(WebhookUnreadable):
        adapter.webhook_updates(body=b"status_id=5", query={"hash": "ghtk-bi-mat"})


def test_the_demo_accounts_talk_to_the_demo_servers(shop):
    from io import StringIO

    from orders.demo import carrier_accounts_seed
    from orders.models import CarrierAccount
    from orders.shipping.demo_servers import GHNServer, GHTKServer

    carrier_accounts_seed(shop=shop, stdout=StringIO())
    carrier_accounts_seed(shop=shop, stdout=StringIO())  # idempotent

    accounts = {a.carrier: a for a in CarrierAccount.objects.filter(shop=shop)}
    assert {(a.base_url, a.webhook_key, a.is_default) for a in accounts.values()} == {
        ("http://127.0.0.1:8701", "demo-ghn", True),
        ("http://127.0.0.1:8702", "demo-ghtk", False),
    }
    # The demo servers' default credentials are the accounts' (ports aside).
    for server, account in (
        (GHNServer(token="demo-ghn-token", shop_id="885"), accounts["ghn"]),
        (GHTKServer(token="demo-ghtk-token"), accounts["ghtk"]),
    ):
        server.start()
        try:
            account.base_url = server.url
            assert adapter_for(account).quote(parcel=PARCEL, destination=_destination().ward).fee > 0
        finally:
            server.stop()
