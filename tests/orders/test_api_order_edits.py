"""POST /api/v1/orders/{number}/edit: address, shipping fee and lines before the parcel is labelled."""

from decimal import Decimal

import pytest

from orders.models import OrderEventType, OrderStatus
from promotions.models import Campaign, CodeMode
from sellercenter.models import ApiScope, Role
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, ProductFactory, advance, marketplace_order, place, snapshot
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def dress(shop):
    return ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=3)


@pytest.fixture
def scarf(shop):
    return ProductFactory(shop=shop, sku="KHAN", price=Decimal("100000"), stock_on_hand=3)


def _edit(client, order, body):
    return client.post(f"/api/v1/orders/{order.number}/edit", body, format="json")


def test_one_call_changes_the_address_the_fee_and_the_lines(api, shop, dress, scarf):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    order = place(shop, lines=[(dress.sku, 1)], voucher_codes=["GIAM10"], shipping_fee="30000")

    response = _edit(
        api,
        order,
        {
            "shipping_address": {**ADDRESS, "street": "5 Lý Thái Tổ"},
            "shipping_fee": "20000",
            "lines": [{"sku": "AO-DAI", "quantity": 2}, {"sku": "KHAN", "quantity": 1}],
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["subtotal"], body["discount_total"], body["shipping_fee"], body["total"]) == (
        "900000.00",
        "90000.00",
        "20000.00",
        "830000.00",
    )
    assert body["shipping_address"]["street"] == "5 Lý Thái Tổ"
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("AO-DAI", 2), ("KHAN", 1)]
    assert Campaign.objects.get(pk=campaign.pk).spent == Decimal("90000")
    assert order.events.filter(type=OrderEventType.EDITED).count() == 3


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    before = snapshot(order)

    unknown = _edit(api, order, {"lines": [{"sku": "KHONG-CO", "quantity": 1}]})
    zero = _edit(api, order, {"lines": [{"sku": "AO-DAI", "quantity": 0}]})
    empty = _edit(api, order, {"lines": []})
    phone = _edit(
        api, order, {"shipping_address": {**ADDRESS, "phone": "12"}, "lines": [{"sku": "AO-DAI", "quantity": 2}]}
    )
    fee = _edit(api, order, {"shipping_fee": "-5"})
    nothing = _edit(api, order, {})

    assert "lines.0.sku" in unknown.json()["error"]["fields"]
    assert "lines.0.quantity" in zero.json()["error"]["fields"]
    assert "lines" in empty.json()["error"]["fields"]
    assert "shipping_address.phone" in phone.json()["error"]["fields"]
    assert "shipping_fee" in fee.json()["error"]["fields"]
    assert nothing.status_code == 400
    assert {r.status_code for r in (unknown, zero, empty, phone, fee)} == {400}
    assert snapshot(order) == before


def test_an_imported_order_without_a_ward_is_edited_with_its_address_as_the_api_gives_it(api, shop, dress, scarf):
    order = marketplace_order(shop, sku=dress.sku, quantity=2)
    address = api.get(f"/api/v1/orders/{order.number}").json()["shipping_address"]
    assert address["ward"] == ""

    fee = _edit(api, order, {"shipping_fee": "20000"})
    lines = _edit(api, order, {"lines": [{"sku": "AO-DAI", "quantity": 1}, {"sku": "KHAN", "quantity": 1}]})
    same = _edit(api, order, {"shipping_address": address, "shipping_fee": "10000"})

    assert [r.status_code for r in (fee, lines, same)] == [200, 200, 200], same.json()
    assert (same.json()["shipping_address"], same.json()["total"]) == (address, "510000.00")
    changes = order.events.filter(type=OrderEventType.EDITED).values_list("data__change", flat=True)
    assert list(changes) == ["shipping_fee", "lines", "shipping_fee"]


def test_a_new_address_for_an_order_without_a_ward_is_a_400_naming_the_ward(api, shop, dress):
    order = marketplace_order(shop, sku=dress.sku)
    address = api.get(f"/api/v1/orders/{order.number}").json()["shipping_address"]
    before = snapshot(order)

    response = _edit(api, order, {"shipping_address": {**address, "street": "9 Bạch Đằng"}, "shipping_fee": "0"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["shipping_address.ward"]
    assert snapshot(order) == before


def test_out_of_stock_is_a_409_naming_the_sku(api, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])

    response = _edit(api, order, {"lines": [{"sku": "AO-DAI", "quantity": 4}]})

    assert response.status_code == 409
    assert response.json()["error"]["details"]["sku"] == "AO-DAI"


def test_an_order_labelled_for_the_carrier_is_a_409(api, shop, dress):
    order = advance(place(shop, lines=[(dress.sku, 1)]), S.READY_TO_SHIP)
    before = snapshot(order)

    response = _edit(api, order, {"shipping_fee": "0"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_not_editable"
    assert snapshot(order) == before


def test_another_shops_order_is_not_found(other_api, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    before = snapshot(order)

    assert _edit(other_api, order, {"shipping_fee": "0"}).status_code == 404
    assert snapshot(order) == before


def test_storefront_keys_and_staff_without_change_permission_may_not_edit(client, shop, dress):
    order = place(shop, lines=[(dress.sku, 1)])
    storefront = make_api_client(shop, scopes=[ApiScope.STOREFRONT])
    client.force_login(staff_user(shop, Role.ACCOUNTANT, username="ke.toan"))

    assert _edit(storefront, order, {"shipping_fee": "0"}).status_code == 403
    assert (
        client.post(
            f"/api/v1/orders/{order.number}/edit", {"shipping_fee": "0"}, content_type="application/json"
        ).status_code
        == 403
    )
