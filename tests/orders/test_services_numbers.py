"""Per-shop order numbers: consecutive, with the shop's prefix, given back by a checkout that rolls back."""

import pytest

from orders.models import Order
from sellercenter.errors import Conflict
from tests.concurrency import run_concurrently
from tests.orders.factories import ProductFactory, place

pytestmark = pytest.mark.django_db


def test_each_shop_numbers_its_orders_from_one_with_its_prefix(shop, other_shop):
    other_shop.order_prefix = "SEN"
    other_shop.save()

    numbers = [place(shop, customer_id=f"KH-{i}").number for i in range(3)]
    other = place(other_shop).number

    assert numbers == ["HM-00001", "HM-00002", "HM-00003"]  # "hoa-mai": its initials
    assert other == "SEN-00001"


def test_a_checkout_that_rolls_back_gives_its_number_back(shop):
    scarce = ProductFactory(shop=shop, sku="HIEM", stock_on_hand=1)
    place(shop, lines=[(scarce.sku, 1)])

    with pytest.raises(Conflict):
        place(shop, lines=[(scarce.sku, 1)], customer_id="KH-2")
    after = place(shop, customer_id="KH-3")

    assert after.number == "HM-00002"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_take_consecutive_numbers(shop):
    products = [ProductFactory(shop=shop, sku=f"P{i}", stock_on_hand=5) for i in range(8)]

    results = run_concurrently(lambda i: place(shop, lines=[(products[i].sku, 1)], customer_id=f"KH-{i}"), 8)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(Order.objects.values_list("number", flat=True)) == [f"HM-{n:05d}" for n in range(1, 9)]
