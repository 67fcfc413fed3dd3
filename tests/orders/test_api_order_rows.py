"""The order list builds its page from query rows (orders.api.order_rows): through the public API it
must answer exactly what OrderOutput(many=True) renders, field for field and in the same key order,
for every kind of order and in the caller's time zone."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from orders import selectors, services
from orders.api.orders import OrderOutput
from orders.models import Order, OrderStatus, PaymentMethod, ReturnKind, ReturnReason
from promotions.models import CodeMode, Kind
from sellercenter.api.rows import moment_text, money_text
from tests.conftest import make_api_client
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import ProductFactory, advance, place, reach, staff_actor
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import ShopFactory, staff_user

pytestmark = pytest.mark.django_db


def _returned(order, kind: str):
    """`order` (delivered) with its first line returned and received."""
    actor = staff_actor()
    line = order.lines.order_by("pk").first()
    request = services.return_request_open(
        order=order, items=[services.ReturnItem(line.sku, 1)], reason=ReturnReason.DAMAGED, kind=kind, actor=actor
    )
    services.return_approve(return_request=request, actor=actor)
    return services.return_receive(return_request=request, actor=actor)


def _every_kind_of_order(shop) -> None:
    """Orders of every shape the list shows: vouchers and points over several lines, a gift, a pending
    prepaid one (empty dates), cancelled, shipped with a carrier and a note, refunded, a replacement."""
    dress = ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=50)
    scarf = ProductFactory(shop=shop, sku="KHAN", price=Decimal("99999.50"), stock_on_hand=50)
    ProductFactory(shop=shop, sku="TUI-QUA", price=Decimal("50000"), stock_on_hand=50)
    with_available_points(member(shop, external_id="KH-001"), 5000, order_ref="SC-SEED")
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10", budget=Decimal("1000000"))
    place(shop, lines=[(dress.sku, 2), (scarf.sku, 1)], voucher_codes=["giam10"], points=3000)
    place(shop, lines=[(scarf.sku, 3)], payment_method=PaymentMethod.MOMO, customer_id="KH-002", note="Gọi trước")
    reach(shop, OrderStatus.CANCELLED, lines=[(dress.sku, 1)], customer_id="KH-003")
    advance(place(shop, lines=[(dress.sku, 1)], customer_id="KH-004", shipping_fee=Decimal("30000")), "shipped")
    refunded = _returned(advance(place(shop, lines=[(dress.sku, 1), (scarf.sku, 1)]), "delivered"), ReturnKind.REFUND)
    services.return_refund(return_request=refunded, actor=staff_actor(), reference="VCB-1")
    swapped = advance(place(shop, lines=[(scarf.sku, 1)], customer_id="KH-005"), "delivered")
    exchanged = _returned(swapped, ReturnKind.EXCHANGE)
    services.return_exchange(return_request=exchanged, actor=staff_actor())
    CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku="TUI-QUA", value=Decimal("50000"))
    place(shop, lines=[(dress.sku, 1)], customer_id="KH-006")


def _serialized(shop, tz) -> list:
    """What OrderOutput(many=True) renders for the shop's orders, newest first, in `tz`."""
    orders = selectors.order_list(shop=shop).order_by("-placed_at", "-pk")
    with timezone.override(tz):
        return json.loads(JSONRenderer().render(OrderOutput(orders, many=True).data))


def _listed(client) -> list:
    response = client.get("/api/v1/orders?limit=50")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_kinds_of_orders_are_all_there(shop):
    _every_kind_of_order(shop)
    orders = Order.objects.filter(shop=shop)

    assert orders.count() == 8
    assert orders.filter(status=OrderStatus.CANCELLED).exclude(cancelled_by="").exists()
    assert orders.filter(points_redeemed__gt=0).exclude(voucher_codes=[]).exists()
    assert orders.filter(refunded_amount__gt=0).exists()
    assert orders.filter(replacement_for__isnull=False).exists()
    assert orders.filter(lines__is_gift=True).exists()
    assert orders.filter(paid_at__isnull=True, confirmed_at__isnull=True).exists()
    assert orders.exclude(tracking_number="").exclude(carrier="").exists()
    assert orders.exclude(note="").exists()


def test_the_list_answers_what_the_serializer_renders_through_a_key(shop):
    _every_kind_of_order(shop)

    listed = _listed(make_api_client(shop))

    expected = _serialized(shop, timezone.get_default_timezone())
    assert listed == expected
    assert [list(order) for order in listed] == [list(order) for order in expected]
    assert [list(line) for order in listed for line in order["lines"]] == [
        list(line) for order in expected for line in order["lines"]
    ]


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_the_list_renders_times_in_the_shops_time_zone_for_its_staff(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    _every_kind_of_order(shop)
    client = APIClient()
    client.force_login(staff_user(shop, username="chu.cua.hang"))

    listed = _listed(client)

    assert listed == _serialized(shop, shop.tzinfo)
    suffix = "Z" if time_zone == "UTC" else moment_text(timezone.now(), shop.tzinfo)[-6:]
    assert all(order["placed_at"].endswith(suffix) for order in listed)


def test_the_next_page_follows_the_rows_cursor(shop):
    _every_kind_of_order(shop)
    api = make_api_client(shop)

    first = api.get("/api/v1/orders?limit=3").json()
    rest = api.get(first["next"]).json()

    numbers = [order["number"] for order in first["results"] + rest["results"]]
    assert numbers == [order["number"] for order in _serialized(shop, timezone.get_default_timezone())][:6]


@pytest.mark.parametrize(
    "value", ["0", "0.00", "150000", "150000.00", "99999.5", "0.005", "0.015", "-12.345", "1E+5", "9999999999999999.99"]
)
def test_money_text_is_what_drf_renders(value):
    from rest_framework import serializers

    assert money_text(Decimal(value)) == serializers.DecimalField(max_digits=18, decimal_places=2).to_representation(
        Decimal(value)
    )


def test_the_checkout_answers_what_the_serializer_renders_for_the_order_it_wrote():
    # The checkout's answer is built from the order in hand (orders.api.order_rows.order_output):
    # it must be what OrderOutput renders for the same order read back, key order included.
    shop = ShopFactory(slug="mui-gio")
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=50)
    ProductFactory(shop=shop, sku="KHAN", price=Decimal("99999.50"), stock_on_hand=50)
    ProductFactory(shop=shop, sku="TUI-QUA", price=Decimal("50000"), stock_on_hand=50)
    with_available_points(member(shop, external_id="KH-001"), 5000, order_ref="SC-SEED")
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10", budget=Decimal("1000000"))
    CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku="TUI-QUA", value=Decimal("50000"))
    address = {"recipient_name": "Trần Văn Minh", "phone": "0912345678", "street": "12 Hàng Bạc",
               "ward": "Phường Hoàn Kiếm", "province": "Hà Nội"}  # fmt: skip
    bodies = [
        {
            "customer": {"external_id": "KH-001"},
            "lines": [{"sku": "AO-DAI", "quantity": 2}, {"sku": "KHAN", "quantity": 1}],
            "voucher_codes": ["giam10"],
            "points": 3000,
            "payment_method": "cod",
            "shipping_fee": "30000",
        },
        {
            "customer": {"external_id": "KH-002", "full_name": "Lê Thu Hà"},
            "lines": [{"sku": "KHAN", "quantity": 3}],
            "payment_method": "momo",
            "note": "Gọi trước khi giao",
        },
    ]
    api = make_api_client(shop)
    for body in bodies:
        body = {"channel": "website", "shipping_address": address, **body}
        response = api.post("/api/v1/orders", body, format="json")
        assert response.status_code == 201, response.content

        answered = response.json()
        order = selectors.order_list(shop=shop).get(number=answered["number"])
        expected = json.loads(JSONRenderer().render(OrderOutput(order).data))
        assert answered == expected
        assert list(answered) == list(expected)
        assert [list(line) for line in answered["lines"]] == [list(line) for line in expected["lines"]]
    assert Order.objects.filter(shop=shop, lines__is_gift=True, voucher_codes=["GIAM10"]).exists()
    assert Order.objects.filter(shop=shop, status=OrderStatus.PENDING_PAYMENT).exists()


@pytest.mark.parametrize("time_zone", ["Asia/Ho_Chi_Minh", "America/New_York"])
def test_the_order_detail_answers_what_its_serializer_renders(time_zone):
    # GET /api/v1/orders/{number} is built from query rows (order_detail_output), not by its serializer.
    from orders.api.orders import OrderDetailView

    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    _every_kind_of_order(shop)
    client = APIClient()
    client.force_login(staff_user(shop, username="chu.cua.hang"))

    for order in selectors.order_list(shop=shop).order_by("pk"):
        answered = client.get(f"/api/v1/orders/{order.number}")
        assert answered.status_code == 200, answered.content
        with timezone.override(shop.tzinfo):
            expected = json.loads(JSONRenderer().render(OrderDetailView.OutputSerializer(order).data))
        assert answered.json() == expected
        assert list(answered.json()) == list(expected)
        assert [list(move) for move in answered.json()["history"]] == [list(move) for move in expected["history"]]
    assert len(expected["history"]) >= 2


def test_the_order_detail_is_three_queries_and_refuses_an_unknown_number(shop):
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=5)
    number = advance(place(shop, lines=[("AO-DAI", 2)]), "shipped").number
    api = make_api_client(shop)
    api.get(f"/api/v1/orders/{number}")  # the key's first use is recorded once

    with CaptureQueriesContext(connection) as queries:
        answered = api.get(f"/api/v1/orders/{number}")
    assert len(queries) == 4  # the key, the order, its lines, its history (read before the next request)
    unknown = api.get("/api/v1/orders/KHONG-CO")

    assert answered.status_code == 200 and len(answered.json()["history"]) >= 3
    assert unknown.status_code == 404
    assert "KHONG-CO" in unknown.json()["error"]["message"]


def test_an_order_change_answers_what_the_serializer_renders_for_the_order_after_it(shop):
    # The actions, the cancellation and the edit answer the order as it is after the change, from rows.
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=10)
    moved, cancelled = (place(shop, lines=[("AO-DAI", 1)], customer_id=f"KH-{i}") for i in range(2))
    api = make_api_client(shop)

    answers = [
        api.post(f"/api/v1/orders/{moved.number}/allocate", {}, format="json"),
        api.post(f"/api/v1/orders/{cancelled.number}/cancel", {"by": "seller", "reason": "Hết hàng"}, format="json"),
    ]

    for answer, order in zip(answers, (moved, cancelled), strict=True):
        assert answer.status_code == 200, answer.content
        expected = json.loads(
            JSONRenderer().render(OrderOutput(selectors.order_get(shop=shop, number=order.number)).data)
        )
        assert answer.json() == expected
        assert list(answer.json()) == list(expected)
    assert [answer.json()["status"] for answer in answers] == [OrderStatus.ALLOCATED, OrderStatus.CANCELLED]
