"""The home's figures: rollups kept by the job agree with a rebuild from the source rows, and with
the orders app's own shop performance; a fixed number of queries; the API and its errors."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from customers import services as customer_services
from customers.models import EventType, Review
from customers.selectors import review_satisfaction
from customers.services import delivered_lines_record, review_post
from orders import services
from orders.models import Order, OrderStatus, ReturnReason
from orders.pipeline import Actor
from orders.selectors import shop_performance
from sellercenter.insights.ranges import day_range_parse
from sellercenter.insights.rollups import rollups_rebuild, rollups_refresh_changed
from sellercenter.insights.selectors import ALL_SECTIONS, FULFILMENT, shop_insights
from sellercenter.insights.todos import shop_todos
from sellercenter.models import ApiScope, ProductDayRollup, Role, ShopDayRollup
from sellercenter.periods import local_midnight
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
    # The seventh reads the stock of running gift campaigns' gifts, when there are any.
    with django_assert_max_num_queries(7):
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


def _reviews(shop, ratings_by_days_ago: dict[int, list[int]]):
    """Reviews posted `days` ago with those ratings, through the review service."""
    customer = CustomerFactory(shop=shop)
    for days, ratings in ratings_by_days_ago.items():
        for index, rating in enumerate(ratings):
            reference = f"SC-{days}-{index}"
            delivered_lines_record(
                customer=customer, order_ref=reference, lines=[("AO-1", "Áo")], delivered_at=timezone.now()
            )
            review = review_post(customer=customer, order_ref=reference, sku="AO-1", rating=rating)
            Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_satisfaction_figures_read_the_reviews_of_the_period_against_the_one_before(busy_shop):
    shop, _product, _orders = busy_shop
    # This week: 5, 4, 1, 2 (3.00, half low); the week before: 5, 5, 2 (4.00, one in three low).
    _reviews(shop, {1: [5, 4], 3: [1, 2], 9: [5, 5, 2], 30: [1]})
    now = timezone.now()
    rollups_rebuild(shop=shop, now=now)
    day_range = day_range_parse(shop=shop, key="7d", now=now)

    figures = {f.key: f for f in shop_insights(shop=shop, day_range=day_range).figures["customers"]}

    assert (figures["average_rating"].value, figures["average_rating"].previous) == (Decimal("3.00"), Decimal("4.00"))
    assert figures["average_rating"].change == Decimal("-25.0")
    assert (figures["low_rating_share"].value, figures["low_rating_share"].previous) == (
        Decimal("50.00"),
        Decimal("33.33"),
    )
    since = local_midnight(day_range.start, shop.tzinfo)
    live = review_satisfaction(shop=shop, since=since)
    assert live["average"] == figures["average_rating"].value
    assert live["low_share"] * 100 == figures["low_rating_share"].value


def test_the_job_folds_in_reviews_posted_since_its_last_pass(busy_shop):
    shop, _product, _orders = busy_shop
    rollups_refresh_changed(shop=shop)
    _reviews(shop, {0: [4, 1, 2]})
    now = timezone.now()

    rollups_refresh_changed(shop=shop, now=now)
    kept = _snapshot(shop)
    rollups_rebuild(shop=shop, now=now)

    assert _snapshot(shop) == kept
    assert sum(day["reviews"] for day in kept[0]) == 3
    assert sum(day["low_reviews"] for day in kept[0]) == 2


def test_the_api_and_the_home_show_the_satisfaction(busy_shop, owner_client):
    shop, _product, _orders = busy_shop
    _reviews(shop, {1: [5, 4]})
    rollups_rebuild(shop=shop)

    body = make_api_client(shop, [ApiScope.BACK_OFFICE]).get("/api/v1/insights?range=7d").json()
    customers = {f["key"]: f for f in body["figures"]["customers"]}
    assert customers["average_rating"]["value"] == "4.50"
    assert customers["low_rating_share"]["value"] == "0.00"
    home = owner_client.get("/admin/?range=7d", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-figure="average_rating"' in home and "4,50" in home


def test_open_personal_data_requests_are_the_owners_to_do_until_carried_out(shop, client, owner_client):
    customer = CustomerFactory(shop=shop)
    other = CustomerFactory(shop=shop)
    customer_services.personal_data_request_open(customer=customer, kind="erase", reason="Khách gọi hotline")
    customer_services.personal_data_request_open(customer=other, kind="export")
    customer_services.customer_export(customer=CustomerFactory(shop=shop))  # carried out at once: not a to-do

    todos = {todo.key: todo for todo in shop_todos(shop=shop, sections=ALL_SECTIONS)}
    assert todos["personal_data_requests"].count == 2
    page = owner_client.get(todos["personal_data_requests"].url)
    assert page.status_code == 200 and page.context["cl"].result_count == 2

    customer_services.customer_export(customer=other)
    assert {t.key: t for t in shop_todos(shop=shop, sections=ALL_SECTIONS)}["personal_data_requests"].count == 1
    home = owner_client.get("/admin/").content.decode()
    assert 'data-todo="personal_data_requests"' in home
    for role in (Role.MARKETING, Role.OPERATIONS, Role.ACCOUNTANT):
        client.force_login(staff_user(shop, role))
        body = client.get("/api/v1/insights").json()
        assert "personal_data_requests" not in {todo["key"] for todo in body["todos"]}, role
        assert 'data-todo="personal_data_requests"' not in client.get("/admin/").content.decode()
