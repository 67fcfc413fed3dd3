from io import StringIO

import pytest
from django.db.models import Count, F, Sum
from django.utils import timezone

from orders import demo
from orders.models import Order, OrderLine, OrderStatus, PaymentMethod, Product, ReturnRequest, StockMovement
from orders.selectors import late_q
from tests.sellercenter.factories import ShopFactory

pytestmark = pytest.mark.django_db


def test_the_demo_covers_every_status_channel_and_method_with_consistent_stock(monkeypatch):
    monkeypatch.setattr(demo, "ORDERS_PER_SHOP", 300)
    shop = ShopFactory(slug="hoa-mai")

    demo.seed(shops=[shop], stdout=StringIO())
    demo.seed(shops=[shop], stdout=StringIO())  # a second run leaves the shop alone

    orders = Order.objects.filter(shop=shop)
    assert orders.count() == 300
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(orders.values_list("payment_method", flat=True)) == set(PaymentMethod.values)
    assert orders.values("channel").distinct().count() == 5
    assert orders.filter(late_q(timezone.now())).exists()
    assert ReturnRequest.objects.filter(shop=shop).exists()
    assert not orders.filter(number__isnull=True).exists()
    assert not orders.annotate(n=Count("lines")).filter(n=0).exists()
    for product in Product.objects.filter(shop=shop):
        moved = StockMovement.objects.filter(product=product).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert (moved["on_hand"], moved["reserved"] or 0) == (product.stock_on_hand, product.stock_reserved)
    line_totals = OrderLine.objects.filter(order__shop=shop).values("order").annotate(t=Sum("total"))
    assert all(row["t"] == Order.objects.get(pk=row["order"]).merchandise_paid for row in line_totals[:50])
    assert not orders.filter(total__lt=F("refunded_amount")).exists()
