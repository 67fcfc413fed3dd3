"""The seeds' abandoned-cart scenario end to end on PostgreSQL: a real Celery worker on Redis runs the
journey's beat and sends through real SMTP and a Web Push service on loopback, while the test's clock
moves the days on. Cart left -> push at +1 day -> push with a voucher at +3 -> e-mail at +4 -> push at +6."""

import email
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from customers.services import consent_record
from promotions.models import Attribution, Enrolment, ExitReason, Message, MessageStatus, SkipReason, VoucherIssue
from tests.orders.factories import ProductFactory, place
from tests.promotions.journey_setup import (
    STOREFRONT,
    VOUCHER_VALUE,
    customer_with_consent,
    journey_start,
    leave_cart,
    live_cart_journey,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _titles(push, customer) -> list[str]:
    return [payload["title"] for payload in push.payloads(customer.external_id)]


def test_the_abandoned_cart_journey_end_to_end(shop, servers, worker, client):
    smtp, push, _private = servers
    start = journey_start()
    # The shop's language: the template's messages are written in it.
    with translation.override("vi"):
        journey = live_cart_journey(shop, start=start)
    product = ProductFactory(shop=shop, sku="AO-LUA-01", name="Áo dài lụa", price=Decimal("450000"))
    lan = customer_with_consent(shop, push_service=push, at=start, full_name="Lan", external_id="KH-LAN")
    minh = customer_with_consent(shop, channels=("email",), push_service=push, at=start, external_id="KH-MINH")
    hoa = customer_with_consent(shop, push_service=push, at=start, external_id="KH-HOA")
    for customer in (lan, minh, hoa):
        leave_cart(customer, sku=product.sku, at=start)

    # +1 hour: no order, the carts are abandoned; the first push waits for the day to pass.
    assert worker(start + timedelta(hours=1)) == 3
    assert Enrolment.objects.filter(journey=journey, status="active").count() == 3
    assert push.received == []

    # +1 day: the reminder push, to those who accept push.
    worker(start + timedelta(days=1))
    assert _titles(push, lan) == _titles(push, hoa) == ["Áo dài lụa vẫn đang chờ trong giỏ hàng"]
    assert _titles(push, minh) == []
    assert Message.objects.get(customer=minh, step__position=1).skip_reason == SkipReason.NO_CONSENT

    # Hoa withdraws consent on every channel; the journey ends for her at its next step.
    for channel in ("email", "web_push"):
        consent_record(
            customer=hoa,
            channel=channel,
            granted=False,
            source="hotline",
            recorded_at=start + timedelta(days=1, hours=2),
        )

    # +3 days: a voucher from the campaign, and the push that carries it.
    worker(start + timedelta(days=3))
    voucher = VoucherIssue.objects.get(enrolment__customer=lan).voucher
    lan_push = push.payloads(lan.external_id)[1]
    assert lan_push["title"] == f"Quà cho giỏ hàng của bạn: mã {voucher.code}"
    assert len(push.payloads(hoa.external_id)) == 1
    assert Enrolment.objects.get(customer=hoa).exit_reason == ExitReason.NO_CONSENT
    assert VoucherIssue.objects.filter(enrolment__customer=minh, voucher__isnull=False).exists()

    # Lan taps the push: the link leads to her cart with the voucher applied, and she orders with it.
    response = client.get(lan_push["url"].removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{STOREFRONT}/cart?voucher={voucher.code}&message_token=")
    order = place(shop, lines=[(product.sku, 1)], customer_id="KH-LAN", email=lan.email, voucher_codes=[voucher.code])
    assert order.discount_total == VOUCHER_VALUE

    # +4 days: Lan's journey ended with her order; Minh, who clicked nothing, gets the e-mail.
    worker(start + timedelta(days=4))
    assert Enrolment.objects.get(customer=lan).exit_reason == ExitReason.ORDERED
    [envelope] = smtp.inbox.envelopes
    assert envelope.rcpt_tos == [minh.email]
    mail = email.message_from_bytes(envelope.content)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = next(part for part in mail.walk() if part.get_content_type() == "text/plain").get_payload(decode=True)
    minh_voucher = VoucherIssue.objects.get(enrolment__customer=minh).voucher.code
    assert minh_voucher in text.decode()
    assert "Áo dài lụa" in text.decode()

    # +6 days: the last push would go to Minh, who does not accept push: his journey completes.
    worker(start + timedelta(days=6))
    assert Enrolment.objects.get(customer=minh).status == "completed"
    assert len(push.payloads(lan.external_id)) == 2
    assert set(Message.objects.exclude(status=MessageStatus.SKIPPED).values_list("status", flat=True)) == {"delivered"}
    assert len(push.payloads(hoa.external_id)) == 1
    assert push.payloads(minh.external_id) == []
    assert len(smtp.inbox.envelopes) == 1

    # Lan's order is credited once to the push that carried her voucher, with the voucher's cost.
    [attribution] = Attribution.objects.all()
    assert attribution.order_ref == order.number
    assert attribution.message.customer == lan and attribution.message.step.position == 4
    assert attribution.revenue == order.total
    assert attribution.voucher_cost == VOUCHER_VALUE
