"""The demo tells one story: its orders went through the checkout and the transition services, so
`reconcile` finds nothing, and the campaign results, customer metrics and shop metrics are computed
from the same orders; and `seed_demo` run again changes nothing. One seeded database for every test of
this module (seeded once, rolled back after the last one), with few orders to stay cheap."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.test import TestCase
from django.utils import timezone

from customers.models import CustomerEvent, EventType
from customers.selectors import customer_metrics
from loyalty.models import EntryKind, PointsEntry
from orders.models import Order, OrderStatus, PaymentMethod, Product, StockMovement
from orders.selectors import shop_performance
from promotions.models import Campaign
from promotions.selectors import campaign_results
from sellercenter.models import ApiKey, Membership, Role, Shop
from sellercenter.reconcile import UNDONE, reconcile

# The tests share one seeded database: pytest-xdist keeps them together, in one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]
SIZE = 20


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """What `seed_demo` printed. The demo stays in an open transaction for this module's tests (each of
    them in a savepoint of its own) and is rolled back after the last one."""
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        # The orders' side effects (e-mails, events) run as they would once the seeding commits.
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", "--size", str(SIZE), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _kept(shop):
    return Order.objects.filter(shop=shop, confirmed_at__isnull=False).exclude(status__in=UNDONE)


def _counts():
    return (Shop.objects.count(), get_user_model().objects.count(), Membership.objects.count(), ApiKey.objects.count())


def test_seed_demo_is_idempotent_and_prints_logins_and_a_working_key(seeded, client):
    first = _counts()

    out = StringIO()
    call_command("seed_demo", "--size", str(SIZE), stdout=out)

    assert _counts() == first
    assert first[0] == 2
    assert Membership.objects.filter(role=Role.ACCOUNTANT).count() == 2
    printed = out.getvalue()
    assert "hoamai.owner" in printed
    secret = printed.split("Authorization: Api-Key ")[1].split()[0]
    response = client.get("/api/v1/shop", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 200
    assert response.json()["name"] == "Thời Trang Hoa Mai"


def test_the_demo_orders_feed_every_app_reconcile_and_give_the_same_figures(seeded):
    printed = seeded
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
