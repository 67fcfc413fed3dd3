"""Shop performance on known data: every rate computed by hand below."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders import services
from orders.models import Order, OrderStatus, PaymentMethod, ReturnReason
from orders.pipeline import Actor
from orders.selectors import shop_performance
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.orders.factories import ProductFactory, advance, place, staff_actor

pytestmark = pytest.mark.django_db
S = OrderStatus
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
JUNE = {"start": date(2026, 6, 1), "end": date(2026, 6, 30)}


def at(day: int, hour: int = 10, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=HCM)


def _dated(order, **moments) -> None:
    Order.objects.filter(pk=order.pk).update(**moments)


@pytest.fixture
def june(shop):
    """Six June orders (A-F), one from July and one replacement, with hand-picked dates."""
    product = ProductFactory(shop=shop, price=Decimal("200000"), stock_on_hand=100)
    staff = staff_actor()

    def order(name, channel="website", **kwargs):
        return place(shop, lines=[(product.sku, 1)], customer_id=f"KH-{name}", channel=channel, **kwargs)

    on_time = advance(order("A", channel="app"), S.DELIVERED)
    late = advance(order("B"), S.QUALITY_CHECK)
    late = services.order_fail_quality_check(order=late, actor=staff, sku=product.sku, quantity=1, reason="Bẩn")
    late = advance(late, S.DELIVERED)
    services.return_request_open(
        order=late, items=[services.ReturnItem(product.sku, 1)], reason=ReturnReason.DAMAGED, actor=Actor("customer")
    )
    by_customer = services.order_cancel(order=order("C"), actor=Actor("customer"))
    by_seller = services.order_cancel(order=order("D"), actor=staff, reason="Hết hàng")
    unpaid = services.order_cancel(order=order("E", payment_method=PaymentMethod.VNPAY), actor=Actor.system())
    overdue = order("F")
    july = order("G")
    replacement = order("H")
    _dated(on_time, placed_at=at(2), confirmed_at=at(2), ship_by_at=at(4, 23), deliver_by_at=at(7, 23))
    _dated(on_time, shipped_at=at(3), delivered_at=at(5))
    _dated(late, placed_at=at(2), confirmed_at=at(2), ship_by_at=at(4, 23), deliver_by_at=at(7, 23))
    _dated(late, shipped_at=at(5), delivered_at=at(9))
    for cancelled in (by_customer, by_seller, unpaid):
        _dated(cancelled, placed_at=at(10))
    _dated(overdue, placed_at=at(20), confirmed_at=at(20), ship_by_at=at(22, 23))
    _dated(july, placed_at=at(1, month=7))
    _dated(replacement, placed_at=at(15), replacement_for=on_time)
    return {"A": on_time, "B": late, "F": overdue}


def test_the_shops_performance_in_june(shop, june):
    figures = shop_performance(shop=shop, **JUNE)

    assert (figures.orders, figures.confirmed) == (6, 5)  # A-F; E was never paid
    assert figures.late_shipment_rate == Decimal("40.00")  # B handed over late, F overdue: 2 / 5
    assert figures.cancellation_rate == Decimal("50.00")  # C, D, E / 6
    assert figures.cancellation_rate_by_seller == Decimal("16.67")
    assert figures.cancellation_rate_by_customer == Decimal("16.67")
    assert figures.cancellation_rate_unpaid == Decimal("16.67")
    assert figures.defect_rate == Decimal("20.00")  # B failed a quality check: 1 / 5
    assert figures.return_rate == Decimal("50.00")  # B of A, B delivered
    assert figures.on_time_delivery_rate == Decimal("50.00")  # A
    assert figures.average_preparation_hours == Decimal("48.0")  # A 24 h, B 72 h
    assert figures.average_delivery_hours == Decimal("72.0")  # A 48 h, B 96 h
    by_channel = {row.channel: (row.orders, row.revenue) for row in figures.by_channel}
    assert by_channel["app"] == (1, june["A"].total)
    assert by_channel["website"] == (2, june["B"].total + june["F"].total)
    assert by_channel["pos"] == (0, Decimal("0"))


def test_a_period_without_orders_has_no_rates(shop):
    figures = shop_performance(shop=shop, start=date(2020, 1, 1), end=date(2020, 1, 31))

    assert figures.orders == 0
    assert figures.late_shipment_rate is figures.return_rate is figures.average_delivery_hours is None


def test_days_are_cut_in_the_shops_time_zone(shop):
    order = place(shop)
    _dated(order, placed_at=datetime(2026, 6, 30, 23, 30, tzinfo=HCM))  # 16:30 UTC on 30 June

    assert shop_performance(shop=shop, start=date(2026, 6, 30), end=date(2026, 6, 30)).orders == 1
    assert shop_performance(shop=shop, start=date(2026, 7, 1), end=date(2026, 7, 1)).orders == 0


def test_the_metrics_endpoint_answers_the_same_for_the_back_office(api, shop, june):
    response = api.get("/api/v1/orders/metrics", {"start": "2026-06-01", "end": "2026-06-30"})

    assert response.status_code == 200
    body = response.json()
    assert (body["orders"], body["late_shipment_rate"], body["return_rate"]) == (6, "40.00", "50.00")
    assert {row["channel"] for row in body["by_channel"]} >= {"website", "app", "fanpage", "marketplace", "pos"}


def test_the_metrics_endpoint_checks_its_period_and_its_caller(api, shop):
    backwards = api.get("/api/v1/orders/metrics", {"start": "2026-06-30", "end": "2026-06-01"})
    missing = api.get("/api/v1/orders/metrics")
    storefront = make_api_client(shop, scopes=[ApiScope.STOREFRONT])

    assert backwards.status_code == 400 and list(backwards.json()["error"]["fields"]) == ["end"]
    assert set(missing.json()["error"]["fields"]) == {"start", "end"}
    assert storefront.get("/api/v1/orders/metrics", {"start": "2026-06-01", "end": "2026-06-30"}).status_code == 403


def test_late_orders_in_progress_count_only_past_their_deadline(shop):
    order = advance(place(shop), S.ALLOCATED)
    _dated(order, placed_at=at(2), confirmed_at=at(2), ship_by_at=at(4, 23))

    assert shop_performance(shop=shop, **JUNE, now=at(4, 22)).late_shipment_rate == Decimal("0.00")
    assert shop_performance(shop=shop, **JUNE, now=at(4, 23) + timedelta(minutes=1)).late_shipment_rate == Decimal(
        "100.00"
    )
