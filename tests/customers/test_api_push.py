"""The storefront registers and removes browsers' push subscriptions; identify ties an anonymous one
to the customer."""

import pytest
from django.urls import reverse

from customers.models import PushSubscription
from customers.services import customer_identify
from tests.customers.factories import CustomerFactory
from tests.loopback import Browser

pytestmark = pytest.mark.django_db
URL = "/api/v1/push-subscriptions"


def _body(**fields):
    browser = Browser()
    body = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
        "keys": {"p256dh": browser.p256dh, "auth": browser.auth_b64},
    }
    return {**body, **fields}


def test_a_customer_registers_a_browser(api, shop):
    customer = CustomerFactory(shop=shop, external_id="KH-9")

    response = api.post(URL, _body(customer_id="KH-9"), format="json")

    assert response.status_code == 201
    assert response.json()["customer"] == customer.pk
    assert PushSubscription.objects.get().customer == customer


def test_an_anonymous_browser_becomes_the_customers_on_identify(api, shop):
    api.post(URL, _body(anonymous_id="anon-1"), format="json")
    customer = CustomerFactory(shop=shop)

    customer_identify(customer=customer, anonymous_id="anon-1")

    assert PushSubscription.objects.get().customer == customer


def test_the_same_endpoint_again_updates_it(api, shop):
    CustomerFactory(shop=shop, external_id="KH-9")
    api.post(URL, _body(anonymous_id="anon-1"), format="json")

    api.post(URL, _body(customer_id="KH-9"), format="json")

    assert PushSubscription.objects.count() == 1
    assert PushSubscription.objects.get().customer.external_id == "KH-9"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"keys": {"p256dh": "bm90LWEta2V5", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys.p256dh"),
        ({"keys": {"p256dh": Browser().p256dh, "auth": "c2hvcnQ"}}, "keys.auth"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"customer_id": "KH-NOBODY"}, "customer_id"),
        ({}, "anonymous_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(api, shop, fields, field):
    response = api.post(URL, _body(**fields), format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not PushSubscription.objects.exists()


def test_removing_a_subscription_and_another_shops_one(api, other_api, shop):
    body = _body(anonymous_id="anon-1")
    api.post(URL, body, format="json")

    assert other_api.delete(URL, {"endpoint": body["endpoint"]}, format="json").status_code == 404
    assert api.delete(URL, {"endpoint": body["endpoint"]}, format="json").status_code == 204
    assert not PushSubscription.objects.exists()


def test_the_storefront_reads_the_vapid_public_key(api, settings):
    settings.VAPID_PUBLIC_KEY = "BPublicKey"

    assert api.get(reverse("api:push-public-key")).json() == {"public_key": "BPublicKey"}
