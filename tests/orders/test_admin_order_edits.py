"""The order page's “Edit order”: address, shipping fee and lines through the edit services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import OrderEventType, OrderStatus
from sellercenter.models import Role
from tests.orders.factories import ADDRESS, ProductFactory, advance, marketplace_order, place, snapshot
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def dress(shop):
    return ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=3)


@pytest.fixture
def scarf(shop):
    return ProductFactory(shop=shop, sku="KHAN", price=Decimal("100000"), stock_on_hand=3)


def _edit_url(order):
    return reverse("admin:orders_order_edit", args=[order.pk])


def _form(order, **changes):
    data = {
        "recipient_name": order.recipient_name,
        "phone": order.recipient_phone,
        "street": order.street,
        "ward": order.ward,
        "district": order.district,
        "province": order.province,
        "shipping_fee": str(order.shipping_fee),
        "lines": "\n".join(f"{line.sku} {line.quantity}" for line in order.lines.all()),
    }
    data.update(changes)
    return data


def test_the_order_page_links_to_the_edit_only_while_the_order_is_editable(owner_client, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    change = reverse("admin:orders_order_change", args=[order.pk])

    assert _edit_url(order) in owner_client.get(change).content.decode()
    advance(order, S.READY_TO_SHIP)
    assert _edit_url(order) not in owner_client.get(change).content.decode()
    refused = owner_client.get(_edit_url(order), follow=True)
    assert "can no longer be edited" in refused.content.decode() or "không thể sửa" in refused.content.decode()


def test_the_form_edits_the_address_the_fee_and_the_lines_in_one_go(owner_client, shop, dress, scarf):
    order = place(shop, lines=[(dress.sku, 1)], shipping_fee="30000")
    page = owner_client.get(_edit_url(order))
    assert page.status_code == 200
    assert page.context["form"].initial["lines"] == "AO-DAI 1"

    response = owner_client.post(
        _edit_url(order), _form(order, street="5 Lý Thái Tổ", shipping_fee="20000", lines="AO-DAI 2\nKHAN 1")
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.street, order.shipping_fee, order.total) == ("5 Lý Thái Tổ", Decimal("20000"), Decimal("920000"))
    assert order.events.filter(type=OrderEventType.EDITED).count() == 3


def test_a_refusal_shows_on_the_form_and_changes_nothing(owner_client, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    before = snapshot(order)

    stock = owner_client.post(_edit_url(order), _form(order, street="Mới", lines="AO-DAI 9"))
    unknown = owner_client.post(_edit_url(order), _form(order, lines="KHONG-CO 1"))
    garbled = owner_client.post(_edit_url(order), _form(order, lines="AO-DAI hai"))
    phone = owner_client.post(_edit_url(order), _form(order, phone="12"))
    blanked = owner_client.post(_edit_url(order), _form(order, ward="", street=" "))

    assert {r.status_code for r in (stock, unknown, garbled, phone, blanked)} == {200}
    assert set(blanked.context["form"].errors) == {"ward", "street"}
    assert stock.context["form"].non_field_errors()
    assert "KHONG-CO" in str(unknown.context["form"].errors)
    assert "lines" in garbled.context["form"].errors
    assert "phone" in phone.context["form"].errors
    assert snapshot(order) == before


def test_an_imported_order_without_a_ward_has_its_fee_and_lines_edited_on_the_form(owner_client, shop, dress, scarf):
    order = marketplace_order(shop, sku=dress.sku, quantity=2)
    assert order.ward == ""
    change = reverse("admin:orders_order_change", args=[order.pk])
    assert _edit_url(order) in owner_client.get(change).content.decode()

    fee = owner_client.post(_edit_url(order), _form(order, shipping_fee="20000"))
    lines = owner_client.post(_edit_url(order), _form(order, shipping_fee="20000", lines="AO-DAI 1\nKHAN 1"))

    assert (fee.status_code, lines.status_code) == (302, 302)
    order.refresh_from_db()
    assert (order.ward, order.shipping_fee, order.total) == ("", Decimal("20000"), Decimal("520000"))
    assert [e.data["change"] for e in order.events.filter(type=OrderEventType.EDITED)] == ["shipping_fee", "lines"]


def test_a_counter_sale_without_an_address_has_its_lines_edited_on_the_form(owner_client, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)], channel="pos", shipping_address=None)
    assert (order.street, order.ward, order.province) == ("", "", "")

    response = owner_client.post(_edit_url(order), _form(order, lines="AO-DAI 2"))

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.total, order.street, order.ward) == (Decimal("800000"), "", "")


def test_a_new_address_for_an_order_without_a_ward_asks_for_the_ward_on_the_form(owner_client, shop, dress):
    order = marketplace_order(shop, sku=dress.sku)
    before = snapshot(order)

    refused = owner_client.post(
        _edit_url(order), _form(order, street="9 Bạch Đằng", shipping_fee="0"), HTTP_ACCEPT_LANGUAGE="vi"
    )

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"ward": ["Trường này là bắt buộc."]}
    assert snapshot(order) == before
    done = owner_client.post(_edit_url(order), _form(order, street="9 Bạch Đằng", ward="Phường Hải Châu"))
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.street, order.ward) == ("9 Bạch Đằng", "Phường Hải Châu")


def test_staff_without_change_permission_cannot_edit(client, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    client.force_login(staff_user(shop, Role.ACCOUNTANT, username="ke.toan"))

    assert client.get(_edit_url(order)).status_code == 403
    assert client.post(_edit_url(order), {**ADDRESS, "shipping_fee": "0", "lines": "AO-DAI 2"}).status_code == 403


def test_another_shops_staff_cannot_reach_the_edit(client, shop, other_shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    before = snapshot(order)
    client.force_login(staff_user(other_shop, Role.OWNER, username="chu.sen.viet"))

    assert client.get(_edit_url(order)).status_code in (403, 404)
    assert client.post(_edit_url(order), {**ADDRESS, "shipping_fee": "0", "lines": "AO-DAI 2"}).status_code in (
        403,
        404,
    )
    assert snapshot(order) == before
