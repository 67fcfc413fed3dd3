"""The demo tells one story: its orders went through the checkout and the transition services, so
`reconcile` finds nothing, and the campaign results, customer metrics and shop metrics are computed
from the same orders. One seeded database for every assertion, with few orders to stay cheap."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.utils import timezone

from customers.models import CustomerEvent, EventType
from customers.selectors import customer_metrics
from loyalty.models import EntryKind, PointsEntry
from orders.models import Order, OrderStatus, PaymentMethod, Product, StockMovement
from orders.selectors import shop_performance
from promotions.models import Campaign
from promotions.selectors import campaign_results
from sellercenter.models import Shop
from sellercenter.reconcile import UNDONE, reconcile

pytestmark = pytest.mark.django_db
SIZE = 40


def _kept(shop):
    return Order.objects.filter(shop=shop, confirmed_at__isnull=False).exclude(status__in=UNDONE)


def test_the_demo_orders_feed_every_app_reconcile_and_give_the_same_figures(django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--size", str(SIZE), stdout=out)

    printed = out.getvalue()
    assert "Orders (placed and moved by the services" in printed
    assert reconcile() == []
    for shop in Shop.objects.all():
        orders = Order.objects.filter(shop=shop)
        # The orders step prints, per shop, how many carts were placed and how many were refused.
        line = next(line for line in printed.splitlines() if line.startswith(f"  {shop.name}: "))
        placed_count = int(re.search(r"(\d+) place(,|$)", line).group(1))
        refused = re.search(r"(\d+) place refused", line)
        # The carts placed through the checkout; the demo's marketplace report adds its own orders.
        carts = orders.exclude(payment_method=PaymentMethod.MARKETPLACE)
        assert carts.count() == placed_count == SIZE - (int(refused.group(1)) if refused else 0)
        assert not orders.filter(number__isnull=True).exists()
        assert not orders.annotate(n=Count("lines")).filter(n=0).exists()
        assert not orders.filter(total__lt=F("refunded_amount")).exists()
        for product in Product.objects.filter(shop=shop):
            moved = StockMovement.objects.filter(product=product).aggregate(
                on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
            )
            assert (moved["on_hand"], moved["reserved"] or 0) == (product.stock_on_hand, product.stock_reserved)
        for order in orders:
            assert sum(line.total for line in order.lines.all()) == order.merchandise_paid, order.number
        assert {OrderStatus.COMPLETED, OrderStatus.CANCELLED} <= set(orders.values_list("status", flat=True))
        # Every order has its behaviour event, written by the checkout.
        placed = CustomerEvent.objects.filter(shop=shop, type=EventType.ORDER_PLACED)
        assert set(placed.values_list("properties__order_number", flat=True)) == set(
            orders.values_list("number", flat=True)
        )
        # Every completed order that paid for goods earned its points.
        earned = set(PointsEntry.objects.filter(shop=shop, kind=EntryKind.EARN).values_list("source", flat=True))
        for order in orders.filter(status=OrderStatus.COMPLETED):
            if order.merchandise_paid >= 1000:
                assert f"order:{order.number}" in earned
    # The campaign results, customer metrics and shop metrics count the same orders.
    for shop in Shop.objects.all():
        kept = list(_kept(shop))
        for campaign in Campaign.objects.filter(shop=shop):
            results = campaign_results(campaign=campaign)
            uses = [
                Decimal(applied["amount"])
                for order in kept
                for applied in order.promotions
                if applied["campaign_id"] == campaign.pk
            ]
            assert results.cost == campaign.spent == sum(uses, Decimal("0")), campaign.name
            assert results.redemptions == len(uses), campaign.name
        today = timezone.localdate(timezone=shop.tzinfo)
        start = today - timedelta(days=29)
        metrics = customer_metrics(shop=shop, date_from=start, date_to=today)
        buyers = {order.customer_id for order in kept if order.placed_at.astimezone(shop.tzinfo).date() >= start}
        assert metrics["customers_with_orders"] == len(buyers)
        performance = shop_performance(shop=shop, start=start, end=today)
        placed = [
            order
            for order in Order.objects.filter(shop=shop, replacement_for__isnull=True)
            if order.placed_at.astimezone(shop.tzinfo).date() >= start
        ]
        assert performance.orders == len(placed)
