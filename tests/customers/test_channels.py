"""The message channels against real servers on loopback: SMTP, a Web Push service that decrypts
the payload with the browser's keys, and a webhook gateway that checks the signature."""

import email
import socket
import threading
from email.header import decode_header, make_header

import pytest

from customers.channels import Outgoing, channel_for
from customers.management.commands.vapid_keys import vapid_key_pair
from customers.models import PushSubscription
from customers.services import push_subscription_register
from sellercenter.environment import email_settings_from_url
from tests.customers.factories import CustomerFactory
from tests.loopback import PushService, SmtpServer, WebhookReceiver


@pytest.fixture
def vapid(settings):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_key_pair()
    settings.VAPID_SUBJECT = "mailto:cskh@hoamai.example.vn"


@pytest.fixture
def push_service(vapid):
    with PushService() as service:
        yield service


def _outgoing(customer, **fields) -> Outgoing:
    values = {
        "customer": customer,
        "key": "msg-token-1",
        "subject": "Giỏ hàng của bạn vẫn đang chờ",
        "text": "Chị Lan ơi, áo dài lụa vẫn còn trong giỏ.",
        "url": "https://hoamai.example.vn/t/c/abc",
        "unsubscribe_url": "https://hoamai.example.vn/t/u/abc",
    }
    return Outgoing(**{**values, **fields})


def _smtp_settings(settings, url):
    for name, value in email_settings_from_url(url).items():
        setattr(settings, name, value)


def test_email_goes_over_smtp_with_a_text_part_and_one_click_unsubscribe(shop, settings):
    customer = CustomerFactory(shop=shop, email="lan@example.vn")
    with SmtpServer() as smtp:
        _smtp_settings(settings, smtp.url)

        delivery = channel_for("email").send(_outgoing(customer, html="<p>Chị Lan ơi</p>"))

    assert delivery.delivered
    [envelope] = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["lan@example.vn"]
    message = email.message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == "Giỏ hàng của bạn vẫn đang chờ"
    assert message["List-Unsubscribe"] == "<https://hoamai.example.vn/t/u/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].startswith("<msg-token-1@")
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types


def test_email_messages_one_after_another_share_one_smtp_connection(shop, settings):
    customer = CustomerFactory(shop=shop, email="lan@example.vn")
    with SmtpServer() as smtp:
        _smtp_settings(settings, smtp.url)
        deliveries = [channel_for("email").send(_outgoing(customer, key=f"msg-{i}")) for i in range(3)]

    assert all(delivery.delivered for delivery in deliveries)
    assert len(smtp.inbox.envelopes) == 3
    assert len(set(smtp.inbox.peers)) == 1


def test_email_after_the_server_dropped_the_kept_connection_goes_on_a_new_one(shop, settings):
    customer = CustomerFactory(shop=shop, email="lan@example.vn")
    with SmtpServer() as smtp:
        _smtp_settings(settings, smtp.url)
        assert channel_for("email").send(_outgoing(customer, key="msg-1")).delivered
    # The same server back on the same port: the connection the channel kept is closed.
    with SmtpServer(port=smtp.port, inbox=smtp.inbox):
        delivery = channel_for("email").send(_outgoing(customer, key="msg-2"))

    assert delivery.delivered, delivery.answers
    assert [envelope.content.count(b"msg-2@") for envelope in smtp.inbox.envelopes] == [0, 1]
    assert len(set(smtp.inbox.peers)) == 2


def test_an_idle_kept_smtp_connection_is_replaced(shop, settings, monkeypatch):
    from customers.channels import email as email_channel

    monkeypatch.setattr(email_channel, "KEPT_IDLE_SECONDS", -1)
    customer = CustomerFactory(shop=shop, email="lan@example.vn")
    with SmtpServer() as smtp:
        _smtp_settings(settings, smtp.url)
        for i in range(2):
            assert channel_for("email").send(_outgoing(customer, key=f"msg-{i}")).delivered

    assert len(set(smtp.inbox.peers)) == 2


def test_email_to_a_server_that_hangs_up_at_once_is_answered_not_raised(shop, settings):
    customer = CustomerFactory(shop=shop)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(10)

        def hang_up():
            connection, _address = listener.accept()
            connection.close()

        threading.Thread(target=hang_up, daemon=True).start()
        _smtp_settings(settings, f"smtp://127.0.0.1:{listener.getsockname()[1]}")
        delivery = channel_for("email").send(_outgoing(customer))

    assert not delivery.delivered
    assert delivery.answers[0]["error"].startswith("SMTPServerDisconnected")


def test_email_to_a_server_that_is_down_is_answered_not_raised(shop, settings):
    customer = CustomerFactory(shop=shop)
    _smtp_settings(settings, "smtp://127.0.0.1:9")

    delivery = channel_for("email").send(_outgoing(customer))

    assert not delivery.delivered
    assert "error" in delivery.answers[0]


def test_web_push_is_encrypted_for_the_browser_and_signed_with_vapid(shop, push_service):
    customer = CustomerFactory(shop=shop)
    endpoint, browser = push_service.subscribe("lan-phone")
    push_subscription_register(
        shop=shop, customer=customer, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth_b64
    )

    delivery = channel_for("web_push").send(_outgoing(customer, image="https://cdn.example.vn/ao.jpg"))

    assert delivery.delivered
    [received] = push_service.received
    assert received["encoding"] == "aes128gcm"
    assert received["topic"] == "msg-token-1"
    assert received["payload"] == {
        "title": "Giỏ hàng của bạn vẫn đang chờ",
        "body": "Chị Lan ơi, áo dài lụa vẫn còn trong giỏ.",
        "url": "https://hoamai.example.vn/t/c/abc",
        "image": "https://cdn.example.vn/ao.jpg",
        "tag": "msg-token-1",
    }


def test_pushes_one_after_another_share_one_connection_to_the_push_service(shop, push_service):
    customer = CustomerFactory(shop=shop)
    endpoint, browser = push_service.subscribe("lan-phone")
    push_subscription_register(
        shop=shop, customer=customer, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth_b64
    )

    deliveries = [channel_for("web_push").send(_outgoing(customer, key=f"msg-{i}")) for i in range(3)]

    assert all(delivery.delivered for delivery in deliveries)
    assert [received["topic"] for received in push_service.received] == ["msg-0", "msg-1", "msg-2"]
    assert len({received["peer"] for received in push_service.received}) == 1


def test_push_to_a_stopped_push_service_is_answered_not_raised(shop, vapid):
    customer = CustomerFactory(shop=shop)
    with PushService() as service:
        endpoint, browser = service.subscribe("lan-phone")
        push_subscription_register(
            shop=shop, customer=customer, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth_b64
        )
        assert channel_for("web_push").send(_outgoing(customer)).delivered

    delivery = channel_for("web_push").send(_outgoing(customer, key="msg-2"))

    assert not delivery.delivered
    assert delivery.answers[0]["status"] is None and delivery.answers[0]["error"]
    assert len(service.received) == 1


def test_an_expired_push_subscription_is_removed(shop, push_service):
    customer = CustomerFactory(shop=shop)
    old_endpoint, old_browser = push_service.subscribe("old-laptop")
    endpoint, browser = push_service.subscribe("new-phone")
    for url, keys in ((old_endpoint, old_browser), (endpoint, browser)):
        push_subscription_register(shop=shop, customer=customer, endpoint=url, p256dh=keys.p256dh, auth=keys.auth_b64)
    push_service.gone.add("old-laptop")

    delivery = channel_for("web_push").send(_outgoing(customer))

    assert delivery.delivered
    assert [a["status"] for a in delivery.answers] == [410, 201]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [endpoint]
    assert len(push_service.payloads("new-phone")) == 1


def test_push_without_a_subscription_is_not_reachable(shop, vapid):
    assert not channel_for("web_push").reachable(CustomerFactory(shop=shop))


@pytest.fixture
def gateway(settings):
    settings.MESSAGE_WEBHOOK_SECRET = "whsec-test-1"
    settings.MESSAGE_WEBHOOK_BACKOFF_SECONDS = 0.01
    settings.MESSAGE_WEBHOOK_ATTEMPTS = 3

    def start(answers):
        receiver = WebhookReceiver("whsec-test-1", answers)
        settings.MESSAGE_WEBHOOK_URL = receiver.url
        return receiver

    return start


def test_webhook_is_signed_and_retried_with_backoff_until_the_gateway_takes_it(shop, gateway):
    customer = CustomerFactory(shop=shop, phone="+84912345678")
    with gateway([503, 429]) as receiver:
        delivery = channel_for("zalo").send(_outgoing(customer))

    assert delivery.delivered
    assert [a["status"] for a in delivery.answers] == [503, 429, 200]
    assert '"gateway_id": "gw-3"' in delivery.answers[-1]["body"]
    assert all(r["valid"] and r["key"] == "msg-token-1" for r in receiver.requests)
    assert receiver.requests[0]["body"]["to"] == "+84912345678"
    assert receiver.requests[0]["body"]["channel"] == "zalo"


def test_webhook_refused_by_the_gateway_is_not_retried(shop, gateway):
    customer = CustomerFactory(shop=shop)
    with gateway([400]) as receiver:
        delivery = channel_for("sms").send(_outgoing(customer))

    assert not delivery.delivered
    assert [a["status"] for a in delivery.answers] == [400]
    assert len(receiver.requests) == 1


def test_webhook_with_a_wrong_secret_is_refused_by_the_gateway(shop, gateway, settings):
    customer = CustomerFactory(shop=shop)
    with gateway([]) as receiver:
        settings.MESSAGE_WEBHOOK_SECRET = "not-the-shared-secret"
        delivery = channel_for("sms").send(_outgoing(customer))

    assert not delivery.delivered
    assert receiver.requests[0]["valid"] is False
