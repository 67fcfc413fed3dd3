"""Order edits racing checkouts of the same variant (PostgreSQL, real threads): the last units are
never oversold, the campaign never spends past its budget, nothing deadlocks, and every sum agrees."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from orders import services
from orders.models import Order, OrderLine, Product, StockMovement
from orders.pricing import CartLine
from promotions.models import CodeMode, Redemption
from sellercenter.errors import Conflict
from sellercenter.reconcile import reconcile
from tests.concurrency import run_concurrently
from tests.orders.factories import ProductFactory, place, staff_actor
from tests.promotions.factories import CampaignFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
EDITS, CHECKOUTS = 4, 8


@pytest.mark.parametrize("budget", [Decimal("10000000"), Decimal("300000")], ids=["stock_runs_out", "budget_too"])
def test_edits_taking_the_last_units_never_oversell_nor_overspend(shop, budget):
    variant = ProductFactory(shop=shop, sku="AO-DO-M", price=Decimal("400000"), stock_on_hand=10)
    other = ProductFactory(shop=shop, sku="KHAN", price=Decimal("100000"), stock_on_hand=100)
    # 10 % off: the four orders hold 200.000; an edit takes 80.000 more, a checkout 50.000. With the
    # smaller budget, edits and checkouts also race for the last of it.
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.AUTOMATIC, budget=budget)
    orders = [place(shop, lines=[(variant.sku, 1), (other.sku, 1)], customer_id=f"SUA-{i}") for i in range(EDITS)]
    actor = staff_actor()

    def work(index):
        if index < EDITS:
            lines = [CartLine(variant.sku, 3), CartLine(other.sku, 1)]
            return services.order_lines_change(order=orders[index], actor=actor, lines=lines)
        return place(shop, lines=[(other.sku, 1), (variant.sku, 1)], customer_id=f"MUA-{index}")

    results = run_concurrently(work, EDITS + CHECKOUTS)

    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert unexpected == []  # no deadlock, no integrity error
    assert {r.code for r in results if isinstance(r, Conflict)} <= {
        "out_of_stock",
        "promotion_unavailable",
        "budget_exhausted",
    }
    variant.refresh_from_db()
    taken = OrderLine.objects.filter(product=variant).aggregate(units=Sum("quantity"))["units"]
    assert variant.stock_reserved == taken <= variant.stock_on_hand == 10
    moved = StockMovement.objects.filter(product=variant).aggregate(units=Sum("reserved_delta"))["units"]
    assert moved == variant.stock_reserved
    edited = sum(1 for r in results[:EDITS] if not isinstance(r, Exception))
    placed = sum(1 for r in results[EDITS:] if not isinstance(r, Exception))
    assert variant.stock_reserved == EDITS + 2 * edited + placed
    if budget > Decimal("1000000"):
        # More units were wanted than there were: all of them went, every refusal is for stock.
        assert variant.stock_reserved == 10
        assert {r.code for r in results if isinstance(r, Exception)} == {"out_of_stock"}
    campaign.refresh_from_db()
    held = Redemption.objects.filter(campaign=campaign, released_at__isnull=True).aggregate(s=Sum("amount"))["s"]
    on_orders = Order.objects.filter(shop=shop).aggregate(s=Sum("discount_total"))["s"]
    assert campaign.spent == held == on_orders <= campaign.budget
    assert Product.objects.get(pk=other.pk).stock_reserved == EDITS + placed
    assert reconcile(shop=shop) == []
