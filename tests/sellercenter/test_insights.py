"""The home's figures: rollups kept by the job agree with a rebuild from the source rows, and with
the orders app's own shop performance; a fixed number of queries; the API and its errors."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from customers.models import EventType
from orders import services
from orders.models import Order, OrderStatus, ReturnReason
from orders.pipeline import Actor
from orders.selectors import shop_performance
from sellercenter.insights.ranges import day_range_parse
from sellercenter.insights.rollups import rollups_rebuild, rollups_refresh_changed
from sellercenter.insights.selectors import ALL_SECTIONS, FULFILMENT, shop_insights
from sellercenter.insights.todos import shop_todos
from sellercenter.models import ApiScope, ProductDayRollup, Role, ShopDayRollup
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory, EventFactory
from tests.orders.factories import ProductFactory, advance, place, reach, staff_actor
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
S = OrderStatus


def _snapshot(shop) -> tuple[list, list]:
    days = [
        model_to_dict(row, exclude=["id", "computed_at"])
        for row in ShopDayRollup.objects.filter(shop=shop).order_by("day")
    ]
    products = sorted(
        (row.day, row.sku, row.name, row.quantity, row.sales) for row in ProductDayRollup.objects.filter(shop=shop)
    )
    return days, products


def _move(order, days: int) -> None:
    """Place an order `days` back, keeping its deadlines relative to it."""
    delta = timedelta(days=days)
    fields = ["placed_at", "confirmed_at", "ship_by_at", "deliver_by_at", "shipped_at", "delivered_at"]
    order = Order.objects.get(pk=order.pk)
    Order.objects.filter(pk=order.pk).update(
        **{name: getattr(order, name) - delta for name in fields if getattr(order, name) is not None}
    )


@pytest.fixture
def busy_shop(shop):
    product = ProductFactory(shop=shop, price=Decimal("250000"), stock_on_hand=100)
    lines = [(product.sku, 2)]
    orders = {
        "delivered": reach(shop, S.DELIVERED, lines=lines, customer_id="KH-1"),
        "cancelled": reach(shop, S.CANCELLED, lines=lines, customer_id="KH-2"),
        "packed": reach(shop, S.PACKED, lines=lines, customer_id="KH-1", channel="app"),
        "failed": reach(shop, S.DELIVERY_FAILED, lines=lines, customer_id="KH-3"),
        "confirmed": reach(shop, S.CONFIRMED, lines=lines, customer_id="KH-4"),
    }
    _move(orders["delivered"], 3)
    _move(orders["confirmed"], 6)  # past its ship-by deadline now: late
    customer = CustomerFactory(shop=shop)
    for kind in (EventType.PAGE_VIEW, EventType.PRODUCT_VIEW, EventType.ADD_TO_CART):
        EventFactory(customer=customer, type=kind, session_id="s-1", occurred_at=timezone.now() - timedelta(hours=1))
    EventFactory(customer=customer, type=EventType.ADD_TO_CART, session_id="s-2", occurred_at=timezone.now())
    EventFactory(customer=customer, type=EventType.ORDER_PLACED, session_id="s-2", occurred_at=timezone.now())
    return shop, product, orders


def test_the_job_keeps_rollups_equal_to_a_rebuild_from_source_rows(busy_shop):
    shop, product, orders = busy_shop
    rollups_refresh_changed(shop=shop)  # no cursor yet: a whole rebuild
    # Work done after the first pass: the job must fold it in.
    actor = staff_actor()
    services.order_cancel(order=orders["packed"], actor=actor, reason="Khách đổi ý")
    delivered = Order.objects.get(pk=orders["delivered"].pk)
    services.return_request_open(
        order=delivered,
        items=[services.ReturnItem(product.sku, 1)],
        reason=ReturnReason.DAMAGED,
        actor=Actor("customer"),
    )
    advance(place(shop, lines=[(product.sku, 1)], customer_id="KH-5"), S.SHIPPED)
    now = timezone.now()
    rollups_refresh_changed(shop=shop, now=now)
    kept = _snapshot(shop)

    rollups_rebuild(shop=shop, now=now)

    rebuilt = _snapshot(shop)
    assert rebuilt[0] == kept[0]
    assert rebuilt[1] == kept[1]
    assert sum(day["orders"] for day in kept[0]) == Order.objects.filter(shop=shop).count() == 6


def test_rollup_figures_agree_with_the_orders_apps_performance(busy_shop):
    shop, _product, _orders = busy_shop
    now = timezone.now()
    rollups_rebuild(shop=shop, now=now)
    day_range = day_range_parse(shop=shop, key="30d", now=now)

    figures = {f.key: f.value for f in shop_insights(shop=shop, day_range=day_range).figures[FULFILMENT]}
    performance = shop_performance(shop=shop, start=day_range.start, end=day_range.end, now=now)

    assert figures["orders"] == performance.orders == 5
    assert figures["late_shipment_rate"] == performance.late_shipment_rate
    assert figures["cancellation_rate"] == performance.cancellation_rate
    assert figures["return_rate"] == performance.return_rate
    assert figures["on_time_delivery_rate"] == performance.on_time_delivery_rate
    assert figures["preparation_hours"] == performance.average_preparation_hours


def test_sales_funnel_and_buyers_come_from_the_rows(busy_shop):
    shop, _product, orders = busy_shop
    rollups_rebuild(shop=shop)
    insights = shop_insights(shop=shop, day_range=day_range_parse(shop=shop, key="7d"))

    sales = {f.key: f for f in insights.figures["sales"]}
    # Confirmed and not cancelled: a failed delivery still counts until it is returned to the sender.
    kept = [orders[name] for name in ("delivered", "packed", "confirmed", "failed")]
    assert sales["sales"].value == sum(order.total for order in kept)
    assert sales["average_order_value"].value == sum(order.total for order in kept) / 4
    funnel = {step["step"]: step["sessions"] for step in insights.funnel}
    assert funnel == {
        "sessions": 2,
        "product_view_sessions": 1,
        "cart_sessions": 2,
        "checkout_sessions": 0,
        "order_sessions": 1,
    }
    customers = {f.key: f.value for f in insights.figures["customers"]}
    assert customers["cart_abandonment_rate"] == Decimal("50.00")
    assert [p["quantity"] for p in insights.top_products] == [8]
    website = next(c for c in insights.channels if c["channel"] == "website")
    assert website["orders"] == 3  # delivered, confirmed and failed; the packed one came from the app


def test_insights_run_a_fixed_number_of_queries_whatever_the_range(
    busy_shop, django_assert_num_queries, django_assert_max_num_queries
):
    shop, _product, _orders = busy_shop
    rollups_rebuild(shop=shop)
    for key in ("today", "7d", "90d"):
        day_range = day_range_parse(shop=shop, key=key)
        with django_assert_num_queries(4):
            shop_insights(shop=shop, day_range=day_range, sections=ALL_SECTIONS)
    # The sixth reads the stock of running gift campaigns' gifts, when there are any.
    with django_assert_max_num_queries(6):
        shop_todos(shop=shop, sections=ALL_SECTIONS)


def test_todos_count_the_work_waiting_and_link_to_the_filtered_list(busy_shop, owner_client):
    shop, _product, _orders = busy_shop
    todos = {todo.key: todo for todo in shop_todos(shop=shop, sections=ALL_SECTIONS)}

    assert todos["to_pick"].count == 1
    assert todos["to_hand_over"].count == 1
    assert todos["delivery_failed"].count == 1
    assert todos["late"].count == 1
    page = owner_client.get(todos["late"].url)
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1


def test_rebuild_command_prints_each_shop(busy_shop, capsys):
    shop, _product, _orders = busy_shop
    call_command("rollups_rebuild", shop=shop.slug)
    assert f"{shop.slug}: " in capsys.readouterr().out
    assert ShopDayRollup.objects.filter(shop=shop).exists()


def test_api_answers_the_figures_for_a_back_office_key(busy_shop, other_shop):
    shop, _product, _orders = busy_shop
    rollups_rebuild(shop=shop)
    rollups_rebuild(shop=other_shop)

    body = make_api_client(shop, [ApiScope.BACK_OFFICE]).get("/api/v1/insights?range=7d").json()
    other = make_api_client(other_shop, [ApiScope.BACK_OFFICE]).get("/api/v1/insights?range=7d").json()

    sales = {f["key"]: f for f in body["figures"]["sales"]}
    assert sales["orders"]["value"] == "5"
    assert len(body["series"]["days"]) == 7
    assert {f["key"]: f for f in other["figures"]["sales"]}["orders"]["value"] == "0"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("range=12d", "range"),
        ("range=custom&start=2026-01-01", "end"),
        ("range=custom&start=x&end=2026-01-01", "start"),
        ("range=custom&start=2026-02-01&end=2026-01-01", "end"),
        ("range=custom&start=2024-01-01&end=2026-01-01", "end"),
    ],
)
def test_api_refuses_a_bad_range_naming_the_field(shop, query, field):
    response = make_api_client(shop, [ApiScope.BACK_OFFICE]).get(f"/api/v1/insights?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_api_is_back_office_only_and_a_role_sees_its_sections(shop, client):
    assert make_api_client(shop, [ApiScope.STOREFRONT]).get("/api/v1/insights").status_code == 403
    client.force_login(staff_user(shop, Role.OPERATIONS))
    body = client.get("/api/v1/insights").json()
    assert body["sections"] == ["fulfilment"]
    assert {todo["section"] for todo in body["todos"]} == {"fulfilment"}
