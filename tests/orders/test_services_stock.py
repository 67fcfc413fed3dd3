import pytest
from django.db import IntegrityError, transaction

from orders import services
from orders.models import Product, StockMovement, StockMovementKind
from orders.pipeline import Actor
from orders.services.stock import StockChange
from sellercenter.errors import Conflict, InvalidInput
from tests.orders.factories import ProductFactory, staff_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return staff_actor(username="thu.kho")


def _counters(product):
    product.refresh_from_db()
    return product.stock_on_hand, product.stock_reserved


def test_receiving_adds_on_hand_and_writes_a_movement_with_who_and_why(shop, actor):
    product = ProductFactory(shop=shop, stock_on_hand=3)

    services.stock_receive(product=product, quantity=7, actor=actor, reason="Nhập hàng từ xưởng May 10")

    assert _counters(product) == (10, 0)
    movement = StockMovement.objects.get(product=product)
    assert (movement.kind, movement.on_hand_delta, movement.reserved_delta) == (StockMovementKind.RECEIVED, 7, 0)
    assert (movement.user, movement.reason, movement.shop_id) == (actor.user, "Nhập hàng từ xưởng May 10", shop.pk)


def test_an_adjustment_needs_a_reason_and_cannot_take_on_hand_below_reserved(shop, actor):
    product = ProductFactory(shop=shop, stock_on_hand=5, stock_reserved=4)

    with pytest.raises(InvalidInput) as missing:
        services.stock_adjust(product=product, delta=-1, actor=actor, reason=" ")
    with pytest.raises(Conflict) as short:
        services.stock_adjust(product=product, delta=-2, actor=actor, reason="Hàng lỗi")

    assert set(missing.value.fields) == {"reason"}
    assert short.value.code == "out_of_stock"
    assert short.value.params == {"sku": product.sku}
    assert _counters(product) == (5, 4)
    assert not StockMovement.objects.exists()
    services.stock_adjust(product=product, delta=-1, actor=actor, reason="Hàng lỗi")
    assert _counters(product) == (4, 4)


def test_a_count_sets_on_hand_with_one_adjustment_and_a_matching_count_writes_nothing(shop, actor):
    product = ProductFactory(shop=shop, stock_on_hand=12, stock_reserved=2)

    services.stock_count_set(product=product, counted=9, actor=actor, reason="Kiểm kê tháng 6")
    services.stock_count_set(product=product, counted=9, actor=actor, reason="Kiểm kê lại")

    assert _counters(product) == (9, 2)
    assert list(StockMovement.objects.values_list("on_hand_delta", "reason")) == [(-3, "Kiểm kê tháng 6")]
    with pytest.raises(Conflict):
        services.stock_count_set(product=product, counted=1, actor=actor, reason="Mất hàng")
    with pytest.raises(InvalidInput):
        services.stock_count_set(product=product, counted=-1, actor=actor, reason="")


def test_a_batch_applies_whole_or_not_at_all(shop, actor):
    plenty = ProductFactory(shop=shop, sku="A", stock_on_hand=5)
    scarce = ProductFactory(shop=shop, sku="B", stock_on_hand=1)

    with pytest.raises(Conflict) as refused, transaction.atomic():
        services.stock_apply(
            changes=[
                StockChange(product=plenty, kind=StockMovementKind.RESERVED, reserved=2),
                StockChange(product=scarce, kind=StockMovementKind.RESERVED, reserved=2),
            ],
            actor=Actor.system(),
        )

    assert refused.value.params == {"sku": "B"}
    assert (_counters(plenty), _counters(scarce)) == ((5, 0), (1, 0))
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    ("on_hand", "reserved"), [(-1, 0), (0, -1), (1, 2)], ids=["on-hand-negative", "reserved-negative", "over-reserved"]
)
def test_the_database_refuses_impossible_stock_whatever_the_code_does(shop, on_hand, reserved):
    product = ProductFactory(shop=shop)

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock_on_hand=on_hand, stock_reserved=reserved)


def test_product_upsert_creates_then_updates_by_sku_and_leaves_stock_alone(shop):
    created = services.product_upsert(shop=shop, sku=" AO-1 ", name="Áo dài", price="350000")
    Product.objects.filter(pk=created.pk).update(stock_on_hand=4)

    updated = services.product_upsert(shop=shop, sku="AO-1", name="Áo dài lụa", price="399000.4", is_active=False)

    assert updated.pk == created.pk
    updated.refresh_from_db()
    assert (updated.name, str(updated.price), updated.is_active, updated.stock_on_hand) == (
        "Áo dài lụa",
        "399000.00",
        False,
        4,
    )
    with pytest.raises(InvalidInput) as refused:
        services.product_upsert(shop=shop, sku="", name="", price="-1")
    assert set(refused.value.fields) == {"sku", "name", "price"}
