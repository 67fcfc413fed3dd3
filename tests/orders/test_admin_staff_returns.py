"""Returns opened by staff on the order's page, and an exchange to another size from the return's page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderStatus, ReturnKind, ReturnRequest, ReturnStatus
from sellercenter.models import Role
from tests.orders.factories import ProductFactory, advance, place
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(shop):
    ProductFactory(shop=shop, sku="AO-M", price=Decimal("400000"), stock_on_hand=3)
    ProductFactory(shop=shop, sku="AO-L", price=Decimal("450000"), stock_on_hand=3)
    return advance(place(shop, lines=[("AO-M", 2)]), OrderStatus.DELIVERED)


def _open(client, order, **fields):
    data = {"open_return-kind": "refund", "open_return-reason": "damaged", "open_return-units_AO-M": "1"}
    data.update({f"open_return-{name}": value for name, value in fields.items()})
    return client.post(reverse("admin:orders_order_do", args=[order.pk, "open_return"]), data, follow=True)


def _errors(response) -> list[str]:
    return [str(message) for message in response.context["messages"] if message.level_tag == "error"]


def test_staff_open_a_return_from_the_delivered_orders_page(owner_client, delivered):
    page = owner_client.get(reverse("admin:orders_order_change", args=[delivered.pk]))
    response = _open(owner_client, delivered, evidence_note="Khách gọi điện: rách tay áo")

    assert "open_return" in [action["name"] for action in page.context["object_actions"]]
    request = ReturnRequest.objects.get()
    assert (request.kind, request.reason, request.status, request.evidence_note) == (
        ReturnKind.REFUND,
        "damaged",
        ReturnStatus.REQUESTED,
        "Khách gọi điện: rách tay áo",
    )
    assert [(line.order_line.sku, line.quantity) for line in request.lines.all()] == [("AO-M", 1)]
    assert request.order.events.latest("pk").actor_kind == "staff"
    assert not _errors(response)


@pytest.mark.parametrize(("changes", "expected"), [({"units_AO-M": "3"}, "1 to 2"), ({"units_AO-M": "0"}, "")])
def test_the_return_services_rules_hold_for_staff_too(owner_client, delivered, changes, expected):
    response = _open(owner_client, delivered, **changes)

    assert not ReturnRequest.objects.exists()
    assert _errors(response) and expected in " ".join(_errors(response))


def test_a_return_cannot_be_opened_before_delivery_or_by_the_accountant(client, shop, delivered):
    shipped = advance(place(shop, lines=[("AO-L", 1)]), OrderStatus.SHIPPED)
    client.force_login(staff_user(shop, Role.OWNER))
    page = client.get(reverse("admin:orders_order_change", args=[shipped.pk]))
    refused = _open(client, shipped)
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    forbidden = client.post(reverse("admin:orders_order_do", args=[delivered.pk, "open_return"]), {})

    assert "open_return" not in [action["name"] for action in page.context["object_actions"]]
    assert _errors(refused)
    assert forbidden.status_code == 403
    assert not ReturnRequest.objects.exists()


def test_an_exchange_to_another_size_from_the_returns_page(owner_client, delivered):
    _open(owner_client, delivered, kind="exchange")
    request = ReturnRequest.objects.get()

    def do(name, data=None):
        return owner_client.post(reverse("admin:orders_returnrequest_do", args=[request.pk, name]), data or {})

    do("approve")
    do("receive", {"receive-AO-M": "restock"})
    page = owner_client.get(reverse("admin:orders_returnrequest_change", args=[request.pk]))
    do("exchange", {"exchange-variant_AO-M": "AO-L", "exchange-payment_method": ""})

    assert "exchange-variant_AO-M" in page.content.decode()
    request.refresh_from_db()
    replacement = Order.objects.get(replacement_for=delivered)
    assert request.status == ReturnStatus.EXCHANGED and request.replacement_order == replacement
    assert [(line.sku, line.total) for line in replacement.lines.all()] == [("AO-L", Decimal("50000"))]
