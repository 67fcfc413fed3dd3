"""Order e-mails in Vietnamese, sent after the commit through Django's SMTP backend to a real SMTP
server on loopback, and written on the order's timeline."""

import email
from datetime import timedelta
from decimal import Decimal
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from orders import services
from orders.models import OrderEventType, OrderStatus
from orders.pipeline import Actor
from sellercenter.environment import email_settings_from_url
from sellercenter.errors import Conflict
from sellercenter.models import OutboxMessage, OutboxStatus
from sellercenter.outbox import outbox_relay
from tests.orders.factories import ProductFactory, advance, place
from tests.sellercenter.test_email import smtp_server  # noqa: F401 - the loopback SMTP server fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp_server, settings):  # noqa: F811
    port, inbox = smtp_server
    for name, value in email_settings_from_url(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, name, value)
    settings.DEFAULT_FROM_EMAIL = "Seller Center <no-reply@hoamai.example.vn>"
    return inbox


def _parts(envelope):
    message = email.message_from_bytes(envelope.content)
    subject = str(make_header(decode_header(message["Subject"])))
    bodies = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    return message, subject, bodies


def test_the_confirmation_is_mailed_in_vietnamese_after_the_commit_and_recorded(
    shop, smtp, django_capture_on_commit_callbacks
):
    product = ProductFactory(shop=shop, name="Áo dài lụa", price=Decimal("1250000"))
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop, lines=[(product.sku, 1)], shipping_fee="30000")
        assert smtp.envelopes == []  # nothing leaves before the commit

    assert len(smtp.envelopes) == 1
    message, subject, bodies = _parts(smtp.envelopes[0])
    assert smtp.envelopes[0].rcpt_tos == ["lan.nguyen@example.vn"]
    assert subject == f"[Thời Trang Hoa Mai] Xác nhận đơn hàng {order.number}"
    assert "Thời Trang Hoa Mai" in str(make_header(decode_header(message["From"])))
    assert "Cảm ơn bạn đã đặt hàng" in bodies["text/plain"]
    assert "1.280.000 ₫" in bodies["text/plain"]
    assert "thanh toán khi nhận hàng (COD)" in bodies["text/html"]
    event = order.events.get(type=OrderEventType.EMAIL_SENT)
    assert event.data == {"kind": "confirmation", "to": "lan.nguyen@example.vn"}


def test_the_shipped_mail_carries_the_carrier_and_tracking_number(shop, smtp, django_capture_on_commit_callbacks):
    order = advance(place(shop), OrderStatus.READY_TO_SHIP)

    with django_capture_on_commit_callbacks(execute=True):
        services.order_ship(order=order, actor=Actor(kind="carrier"))

    _message, subject, bodies = _parts(smtp.envelopes[-1])
    assert subject.endswith(f"Đơn hàng {order.number} đang được giao")
    assert "GHN" in bodies["text/plain"] and f"GHN{order.pk:08d}" in bodies["text/html"]


def test_each_mail_goes_out_once_even_if_the_task_runs_again(shop, smtp):
    order = place(shop)

    assert services.order_email_send(order=order, kind="confirmation") is True
    assert services.order_email_send(order=order, kind="confirmation") is False

    assert len(smtp.envelopes) == 1


def test_without_an_address_nothing_is_sent_and_the_timeline_says_so(shop, smtp):
    order = place(shop, email="")

    assert services.order_email_send(order=order, kind="confirmation") is False

    assert smtp.envelopes == []
    assert order.events.filter(type=OrderEventType.NOTE, note__contains="e-mail").exists()


def test_a_failed_checkout_sends_nothing(shop, smtp, django_capture_on_commit_callbacks):
    product = ProductFactory(shop=shop, stock_on_hand=0)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        place(shop, lines=[(product.sku, 1)])

    assert smtp.envelopes == []


def test_a_worker_lost_after_the_server_accepted_resends_the_same_message_id(
    shop, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop)
    row = OutboxMessage.objects.get(key=f"order-email:{order.pk}:confirmation")
    assert row.status == OutboxStatus.DONE
    # What a worker killed between the server's 250 and its marks leaves behind.
    order.events.filter(type=OrderEventType.EMAIL_SENT).delete()
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxStatus.RUNNING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    outbox_relay()
    outbox_relay()  # Nothing more: the row is done.

    message_ids = [_parts(envelope)[0]["Message-ID"] for envelope in smtp.envelopes]
    assert len(message_ids) == 2 and len(set(message_ids)) == 1
    assert message_ids[0].endswith("@hoamai.example.vn>")
    assert order.events.filter(type=OrderEventType.EMAIL_SENT).count() == 1


def test_an_smtp_outage_is_retried_by_the_outbox_and_the_mail_goes_out_once(
    shop, smtp, settings, django_capture_on_commit_callbacks
):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # Nothing listens there: the SMTP server is "down".
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop)
    row = OutboxMessage.objects.get(key=f"order-email:{order.pk}:confirmation")
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error

    settings.EMAIL_PORT = port
    OutboxMessage.objects.update(available_at=timezone.now())
    outbox_relay()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.DONE, 2)
    assert len(smtp.envelopes) == 1
