"""Mail goes through Django's SMTP backend to a real SMTP server on loopback."""

import email
import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from sellercenter.environment import email_settings_from_url


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_mail_is_delivered_over_smtp_with_vietnamese_text(smtp_server, settings):
    port, inbox = smtp_server
    for name, value in email_settings_from_url(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, name, value)

    sent = mail.send_mail(
        "Xác nhận đơn hàng SC-000123",
        "Cảm ơn chị Lan đã đặt hàng tại Thời Trang Hoa Mai.",
        "Hoa Mai <cskh@hoamai.example.vn>",
        ["lan.nguyen@example.vn"],
    )

    assert sent == 1
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.rcpt_tos == ["lan.nguyen@example.vn"]
    message = email.message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == "Xác nhận đơn hàng SC-000123"
    assert "Cảm ơn chị Lan" in message.get_payload(decode=True).decode("utf-8")
