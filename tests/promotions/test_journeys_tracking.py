"""Clicks, opens, one-click unsubscribe, attribution of orders, and the results that add them up, in
the admin and the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import ConsentRecord
from customers.selectors import marketing_allowed
from promotions.journeys.definitions import journey_create, journey_publish
from promotions.journeys.links import message_link
from promotions.journeys.runner import journeys_run_due
from promotions.models import Attribution, Enrolment, ExitReason, JourneyTrigger, Message, MessageStatus, StepKind
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, ProductFactory, place
from tests.promotions.journey_setup import (
    STOREFRONT,
    VOUCHER_VALUE,
    customer_with_consent,
    journey_start,
    leave_cart,
    recovery_campaign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(shop):
    from promotions.journeys.definitions import journey_settings_for

    settings_row = journey_settings_for(shop)
    settings_row.storefront_url = STOREFRONT
    settings_row.save()
    start = journey_start()
    campaign = recovery_campaign(shop, start=start)
    steps = [
        {"kind": StepKind.VOUCHER, "campaign": campaign},
        {"kind": StepKind.SEND, "channel": "email", "subject": "Mã {{ voucher }}"},
        {"kind": StepKind.WAIT, "delay": timedelta(days=1)},
        {"kind": StepKind.SEND, "channel": "email", "subject": "Lần hai", "link": "product"},
    ]
    created = journey_create(shop=shop, name="Giỏ", trigger=JourneyTrigger.CART_ABANDONED, steps=steps)
    return journey_publish(journey=created), start


@pytest.fixture
def sent(shop, journey, django_capture_on_commit_callbacks):
    """Three customers who left a cart and got the first e-mail (with a voucher)."""
    _journey, start = journey
    product = ProductFactory(shop=shop, sku="AO-01", price=Decimal("450000"))
    customers = [customer_with_consent(shop, at=start, external_id=f"KH-{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for customer in customers:
            leave_cart(customer, sku=product.sku, at=start)
    with django_capture_on_commit_callbacks(execute=True):
        journeys_run_due(now=start + timedelta(hours=1))
    return customers, product, start


def _path(message, kind):
    return message_link(message.token, kind).removeprefix("http://localhost:8000")


def test_a_click_is_recorded_and_leads_to_the_cart_with_the_voucher(client, sent):
    customers, _product, _start = sent
    message = Message.objects.get(customer=customers[0])

    response = client.get(_path(message, "click"))

    assert response.status_code == 302
    assert response["Location"] == f"{STOREFRONT}/cart?voucher={message.voucher.code}&message_token={message.token}"
    message.refresh_from_db()
    assert message.clicked_at is not None and message.clicks.count() == 1


def test_a_forged_or_other_kind_of_link_is_not_found(client, sent):
    message = Message.objects.first()
    forged = _path(message, "click")[:-3] + "xyz"

    assert client.get(forged).status_code == 404
    assert client.get(_path(message, "open").replace("/t/o/", "/t/c/")).status_code == 404
    assert not Message.objects.filter(clicked_at__isnull=False).exists()


def test_the_open_pixel_records_the_first_open(client, sent):
    message = Message.objects.first()

    response = client.get(_path(message, "open"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    message.refresh_from_db()
    assert message.opened_at is not None


def test_one_click_unsubscribe_withdraws_consent_and_ends_the_journey(client, sent):
    customers, _product, _start = sent
    message = Message.objects.get(customer=customers[0])
    url = _path(message, "unsubscribe")

    assert client.get(url).status_code == 200  # a link scanner's GET changes nothing
    assert marketing_allowed(customer=customers[0], channel="email")
    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not marketing_allowed(customer=customers[0], channel="email")
    record = ConsentRecord.objects.filter(customer=customers[0]).order_by("-pk").first()
    assert (record.granted, record.source, record.evidence["one_click"]) == (False, "one-click unsubscribe", True)
    assert Enrolment.objects.get(customer=customers[0]).exit_reason == ExitReason.UNSUBSCRIBED


def test_an_order_is_attributed_once_to_the_clicked_message_with_its_voucher_cost(client, sent):
    customers, product, _start = sent
    message = Message.objects.get(customer=customers[0])
    client.get(_path(message, "click"))

    order = place(shop=message.shop, lines=[(product.sku, 1)], customer_id="KH-0", voucher_codes=[message.voucher.code])
    again = place(shop=message.shop, lines=[(product.sku, 1)], customer_id="KH-0")

    attributions = {a.order_ref: a for a in Attribution.objects.all()}
    assert attributions[order.number].message == message
    assert attributions[order.number].voucher_cost == VOUCHER_VALUE
    assert attributions[order.number].via == Attribution.Via.VOUCHER
    # A second order within the window, after the click, is the click's too (no voucher: no cost).
    assert (attributions[again.number].via, attributions[again.number].voucher_cost) == ("click", Decimal("0"))
    assert Enrolment.objects.get(customer=customers[0]).exit_reason == ExitReason.ORDERED


def _order_naming(shop, product, external_id, token):
    body = {
        "customer": {"external_id": external_id},
        "channel": "website",
        "lines": [{"sku": product.sku, "quantity": 1}],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
        "message_token": token,
    }
    response = make_api_client(shop).post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["number"]


def test_an_order_naming_a_message_is_credited_to_it_even_after_the_window(client, sent, settings):
    customers, product, _start = sent
    message = Message.objects.get(customer=customers[0])
    # The message was clicked long ago, another one of hers more recently: the token decides.
    Message.objects.filter(pk=message.pk).update(clicked_at=message.created_at - timedelta(days=30))
    settings.JOURNEY_ATTRIBUTION_DAYS = 1

    number = _order_naming(message.shop, product, "KH-0", message.token)

    attribution = Attribution.objects.get(order_ref=number)
    assert (attribution.message, attribution.via) == (message, Attribution.Via.TOKEN)


def test_a_token_of_another_customers_message_credits_nothing(sent):
    customers, product, _start = sent
    theirs = Message.objects.get(customer=customers[1])

    number = _order_naming(theirs.shop, product, "KH-0", theirs.token)

    assert not Attribution.objects.filter(order_ref=number).exists()


def test_an_order_long_after_the_click_is_not_attributed(client, sent, settings):
    customers, product, _start = sent
    message = Message.objects.get(customer=customers[1])
    client.get(_path(message, "click"))
    Message.objects.filter(pk=message.pk).update(clicked_at=message.created_at - timedelta(days=30))

    place(shop=message.shop, lines=[(product.sku, 1)], customer_id="KH-1")

    assert not Attribution.objects.exists()


def test_results_match_the_messages_and_orders_in_the_api_and_the_admin(
    client, sent, journey, api, other_api, owner_client, django_capture_on_commit_callbacks
):
    customers, product, start = sent
    the_journey, _start = journey
    first = Message.objects.get(customer=customers[0])
    client.get(_path(first, "open"))
    client.get(_path(first, "click"))
    order = place(shop=first.shop, lines=[(product.sku, 1)], customer_id="KH-0", voucher_codes=[first.voucher.code])
    with django_capture_on_commit_callbacks(execute=True):
        journeys_run_due(now=start + timedelta(days=1, hours=1))

    response = api.get(reverse("api:promotions-journey-results", args=[the_journey.pk]))

    assert response.status_code == 200
    body = response.json()
    messages = Message.objects.filter(enrolment__journey=the_journey)
    assert body["enrolled"] == Enrolment.objects.filter(entered_at__isnull=False).count() == 3
    assert body["sent"] == messages.exclude(status=MessageStatus.SKIPPED).count() == len(mail.outbox) == 5
    assert body["delivered"] == 5
    assert (body["opened"], body["clicked"], body["ordered"]) == (1, 1, 1)
    assert body["vouchers_issued"] == 3
    assert Decimal(body["revenue"]) == order.total
    assert Decimal(body["voucher_cost"]) == VOUCHER_VALUE
    assert Decimal(body["return_on_cost"]) == (order.total / VOUCHER_VALUE).quantize(Decimal("0.01"))
    assert [s["reached"] for s in body["steps"]] == [3, 3, 0, 2]
    assert body["exits"]["ordered"] == 1
    assert other_api.get(reverse("api:promotions-journey-results", args=[the_journey.pk])).status_code == 404

    page = owner_client.get(reverse("admin:promotions_journey_change", args=[the_journey.pk]))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_the_template_endpoint_starts_a_draft_and_names_a_wrong_campaign(api, shop, other_shop):
    campaign = recovery_campaign(shop, start=journey_start())
    foreign = recovery_campaign(other_shop, start=journey_start())
    url = reverse("api:promotions-journey-template")

    created = api.post(url, {"campaign_id": campaign.pk}, format="json")
    refused = api.post(url, {"campaign_id": foreign.pk}, format="json")

    assert created.status_code == 201
    assert created.json()["status"] == "draft" and len(created.json()["steps"]) == 10
    assert refused.status_code == 400
    assert "campaign_id" in refused.json()["error"]["fields"]
    published = api.post(reverse("api:promotions-journey-action", args=[created.json()["id"], "publish"]))
    assert published.json()["status"] == "live"
    assert api.post(reverse("api:promotions-journey-action", args=[created.json()["id"], "resume"])).status_code == 409


def test_a_credited_order_counts_what_it_kept_after_an_edit_and_nothing_once_cancelled(sent):
    """The journey's results follow the order: an edit of its lines changes the revenue credited to the
    message, a cancellation takes it all back, and reconcile agrees at every step."""
    from sellercenter.reconcile import reconcile

    customers, product, _start = sent
    first, second = (Message.objects.get(customer=customer) for customer in customers[:2])
    api = make_api_client(first.shop)
    edited = _order_naming(first.shop, product, "KH-0", first.token)
    cancelled = _order_naming(second.shop, product, "KH-1", second.token)
    assert Attribution.objects.get(order_ref=edited).revenue == _total(edited)

    lines = {"lines": [{"sku": product.sku, "quantity": 2}]}
    response = api.post(f"/api/v1/orders/{edited}/edit", lines, format="json")
    assert response.status_code == 200, response.json()
    assert _total(edited) >= Decimal("900000")
    assert Attribution.objects.get(order_ref=edited).revenue == _total(edited)

    response = api.post(f"/api/v1/orders/{cancelled}/cancel", {"reason": "Khách đổi ý"}, format="json")
    assert response.status_code == 200, response.json()
    assert Attribution.objects.get(order_ref=cancelled).revenue == 0
    assert reconcile(shop=first.shop) == []

    Attribution.objects.filter(order_ref=edited).update(revenue=Decimal("999000"))
    assert reconcile(shop=first.shop) == [
        f"{first.shop.slug} [journey_revenue] {edited}: credited 999000.00, the order kept {_total(edited)}"
    ]


def _total(number):
    from orders.models import Order

    return Order.objects.get(number=number).total
