"""A cart entered by staff on the admin's order page and the same cart sent by a storefront to the
API become the same order: lines, prices, discounts, points, stock movements and statement figures."""

from decimal import Decimal

import pytest

from finance.columns import LINE_AMOUNT_COLUMNS
from orders.models import Order, StockMovement
from promotions.models import CodeMode
from tests.finance.factories import FeeRuleFactory, sale_line
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import ADDRESS, ProductFactory, advance
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db
LINE_FIELDS = ("sku", "name", "unit_price", "quantity", "discount", "points_discount", "total", "is_gift")
ORDER_FIELDS = (
    "channel",
    "payment_method",
    "status",
    "subtotal",
    "discount_total",
    "shipping_fee",
    "shipping_discount",
    "points_redeemed",
    "points_discount",
    "total",
    "voucher_codes",
    "recipient_phone",
)


def _order(order: Order) -> dict:
    order = Order.objects.get(pk=order.pk)
    return {
        "order": {name: getattr(order, name) for name in ORDER_FIELDS},
        "promotions": order.promotions,
        "lines": list(order.lines.order_by("sku").values_list(*LINE_FIELDS)),
        "stock": list(
            StockMovement.objects.filter(order=order)
            .order_by("product__sku", "pk")
            .values_list("product__sku", "kind", "on_hand_delta", "reserved_delta")
        ),
    }


def _statement(order: Order) -> dict:
    line = sale_line(order)
    return {column.name: getattr(line, column.name) for column in LINE_AMOUNT_COLUMNS} | {"net": line.net}


def test_a_staff_order_and_an_api_order_of_the_same_cart_are_the_same(api, owner_client, shop):
    FeeRuleFactory(shop=shop)
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=10)
    ProductFactory(shop=shop, sku="KHAN", price=Decimal("100000"), stock_on_hand=10)
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10", budget=Decimal("10000000"))
    storefront_buyer = member(shop, external_id="KH-WEB", phone="+84912000001")
    counter_buyer = member(shop, external_id=None, phone="+84912000002", full_name="Lê Thu")
    for account in (storefront_buyer, counter_buyer):
        with_available_points(account, 5000, order_ref=f"SEED-{account.pk}")
    cart = {"lines": [("AO-DAI", 2), ("KHAN", 1)], "voucher": "GIAM10", "points": 3000, "fee": "30000"}

    answer = api.post(
        "/api/v1/orders",
        {
            "customer": {"external_id": "KH-WEB"},
            "channel": "phone",
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in cart["lines"]],
            "shipping_address": ADDRESS,
            "shipping_fee": cart["fee"],
            "voucher_codes": [cart["voucher"]],
            "points": cart["points"],
            "payment_method": "cod",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="same-cart",
    )
    form = {
        "shop": shop.pk,
        "customer": counter_buyer.customer.pk,
        "channel": "phone",
        "payment_method": "cod",
        "voucher_codes": cart["voucher"],
        "points": str(cart["points"]),
        "shipping_fee": cart["fee"],
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "do": "create",
        **{name: ADDRESS[name] for name in ("recipient_name", "phone", "street", "ward", "province")},
    }
    for index, (sku, quantity) in enumerate(cart["lines"]):
        form[f"lines-{index}-sku"], form[f"lines-{index}-quantity"] = sku, str(quantity)
    staff = owner_client.post("/admin/orders/order/add/", form)

    assert answer.status_code == 201 and staff.status_code == 302
    by_api = Order.objects.get(number=answer.json()["number"])
    by_staff = Order.objects.exclude(pk=by_api.pk).get()
    assert by_api.customer == storefront_buyer.customer and by_staff.customer == counter_buyer.customer
    assert _order(by_staff) == _order(by_api)
    assert by_api.discount_total > 0 and by_api.points_discount > 0

    for order in (by_api, by_staff):
        advance(order, "delivered")
    assert _order(by_staff) == _order(by_api)
    assert _statement(by_staff) == _statement(by_api)
    assert _statement(by_api)["commission"] < 0
