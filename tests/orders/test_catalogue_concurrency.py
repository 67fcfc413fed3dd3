"""Stock set by the back office while customers check out, on PostgreSQL with real threads: the
counters stay within each other and match the movements, whatever the order they run in."""

import pytest
from django.db.models import Sum

from orders import services
from orders.models import Product, StockMovement, StockMovementKind
from orders.pipeline import Actor
from sellercenter.errors import Conflict
from tests.concurrency import run_concurrently
from tests.orders.factories import ProductFactory, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CHECKOUTS = 8


def test_a_stocktake_and_damage_during_checkouts_keep_stock_consistent(shop):
    product = ProductFactory(shop=shop, sku="AO-KHO", stock_on_hand=10)
    actor = Actor.system("tests")

    def work(index: int):
        if index == CHECKOUTS:
            return services.stock_set(product=product, kind=StockMovementKind.STOCKTAKE, quantity=6, actor=actor)
        if index == CHECKOUTS + 1:
            return services.stock_set(product=product, kind=StockMovementKind.DAMAGED, quantity=2, actor=actor)
        return place(shop, lines=[("AO-KHO", 1)], customer_id=f"KH-{index}")

    results = run_concurrently(work, CHECKOUTS + 2)

    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert unexpected == []
    product = Product.objects.get(pk=product.pk)
    moved = StockMovement.objects.filter(product=product).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    assert (10 + moved["on_hand"], moved["reserved"] or 0) == (product.stock_on_hand, product.stock_reserved)
    assert product.stock_reserved <= product.stock_on_hand
    placed = sum(1 for r in results[:CHECKOUTS] if not isinstance(r, Exception))
    assert product.stock_reserved == placed
