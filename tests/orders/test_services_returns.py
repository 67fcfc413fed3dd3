from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customers.models import Customer
from loyalty.models import EntryKind, PointsEntry
from orders import services
from orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    ReturnKind,
    ReturnOutcome,
    ReturnReason,
    ReturnStatus,
    StockMovement,
    StockMovementKind,
)
from orders.pipeline import Actor
from orders.services.returns import refund_share
from orders.signals import return_refunded
from promotions.models import CodeMode, Redemption
from sellercenter.errors import InvalidInput, NotAllowed
from tests.orders.factories import ProductFactory, advance, place, return_window_closed, staff_actor
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db
CUSTOMER = Actor(kind="customer")


@pytest.fixture
def delivered(shop):
    """3 áo at 100.000 ₫ and 1 khăn at 50.000 ₫ with 10 % off: a delivered COD order of 315.000 ₫."""
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    shirt = ProductFactory(shop=shop, sku="AO", price=Decimal("100000"), stock_on_hand=5)
    scarf = ProductFactory(shop=shop, sku="KHAN", price=Decimal("50000"), stock_on_hand=5)
    order = place(shop, lines=[(shirt.sku, 3), (scarf.sku, 1)], voucher_codes=["GIAM10"])
    return advance(order, OrderStatus.DELIVERED)


def _open(order, items, kind=ReturnKind.REFUND, reason=ReturnReason.DAMAGED):
    return services.return_request_open(
        order=order,
        items=[services.ReturnItem(sku, qty) for sku, qty in items],
        reason=reason,
        kind=kind,
        actor=CUSTOMER,
    )


def _settle(request, outcomes=None):
    staff = staff_actor()
    services.return_approve(return_request=request, actor=staff)
    services.return_receive(return_request=request, actor=staff, outcomes=outcomes)
    return services.return_refund(return_request=request, actor=staff)


def test_the_refund_is_what_the_units_cost_after_their_share_of_the_discount(delivered):
    line = delivered.lines.get(sku="AO")
    assert (line.discount, line.total) == (Decimal("30000"), Decimal("270000"))

    refunded = _settle(_open(delivered, [("AO", 1)]))

    assert refunded.status == ReturnStatus.REFUNDED
    assert refunded.refund_amount == Decimal("90000")
    assert Order.objects.get(pk=delivered.pk).refunded_amount == Decimal("90000")


def test_partial_returns_of_a_line_add_up_to_exactly_what_it_cost(shop):
    product = ProductFactory(shop=shop, price=Decimal("99999"), stock_on_hand=10)
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM7", value=Decimal("7"))
    order = advance(place(shop, lines=[(product.sku, 3)], voucher_codes=["GIAM7"]), OrderStatus.DELIVERED)
    line = order.lines.get()

    refunds = [_settle(_open(order, [(line.sku, 1)])).refund_amount for _ in range(3)]

    assert sum(refunds) == line.total
    assert max(refunds) - min(refunds) <= 1


@given(
    total=st.integers(min_value=0, max_value=10**9),
    parts=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=6),
)
def test_refund_shares_never_go_negative_and_always_sum_to_the_line(total, parts):
    line = OrderLine(total=Decimal(total), quantity=sum(parts))
    refunded, shares = 0, []
    for quantity in parts:
        shares.append(refund_share(line=line, quantity=quantity, already=refunded, currency="VND"))
        refunded += quantity

    assert all(share >= 0 for share in shares)
    assert sum(shares) == Decimal(total)


def test_a_refund_claws_back_points_and_spend_and_tells_finance(delivered):
    sent = []
    return_refunded.connect(lambda sender, **kwargs: sent.append(kwargs), weak=False, dispatch_uid="test-refund")
    try:
        _settle(_open(delivered, [("AO", 1)]))
    finally:
        return_refunded.disconnect(dispatch_uid="test-refund")

    assert [(kw["return_request"].order_id, kw["amount"]) for kw in sent] == [(delivered.pk, Decimal("90000"))]
    clawback = PointsEntry.objects.get(source=f"order:{delivered.number}", kind=EntryKind.CLAWBACK)
    assert clawback.pending_delta == -90  # 315 points earned on 315.000 ₫; 90.000 ₫ of it refunded
    customer = Customer.objects.get(pk=delivered.customer_id)
    assert customer.total_spent == Decimal("225000")
    assert Redemption.objects.get(order_ref=delivered.number).order_total == Decimal("225000")


def test_receiving_restocks_or_writes_off_each_sku(delivered):
    request = _open(delivered, [("AO", 2), ("KHAN", 1)])
    services.return_approve(return_request=request, actor=staff_actor())

    services.return_receive(
        return_request=request, actor=staff_actor(), outcomes={"AO": ReturnOutcome.RESTOCK, "KHAN": "write_off"}
    )

    movements = dict(
        StockMovement.objects.filter(kind=StockMovementKind.RETURNED).values_list("product__sku", "on_hand_delta")
    )
    assert movements == {"AO": 2, "KHAN": 0}
    stock = dict(delivered.lines.values_list("sku", "product__stock_on_hand"))
    assert stock == {"AO": 4, "KHAN": 4}


def test_units_in_a_return_cannot_be_returned_again_unless_it_was_rejected(delivered):
    first = _open(delivered, [("AO", 2)])

    with pytest.raises(InvalidInput) as refused:
        _open(delivered, [("AO", 2)])
    services.return_reject(return_request=first, actor=staff_actor(), reason="Sản phẩm đã qua sử dụng")
    again = _open(delivered, [("AO", 3)])

    assert list(refused.value.fields) == ["lines.0.quantity"]
    assert again.status == ReturnStatus.REQUESTED


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([("KHONG-CO", 1)], "lines.0.sku"),
        ([("AO", 4)], "lines.0.quantity"),
        ([], "lines"),
        ([("AO", 0)], "lines.0.quantity"),
    ],
)
def test_a_bad_request_names_the_field(delivered, items, field):
    with pytest.raises(InvalidInput) as refused:
        _open(delivered, items)

    assert field in refused.value.fields


def test_returns_open_only_on_delivered_orders_inside_their_window(shop, delivered):
    shipped = advance(place(shop, customer_id="KH-2"), OrderStatus.SHIPPED)
    with pytest.raises(NotAllowed):
        _open(shipped, [(shipped.lines.get().sku, 1)])

    return_window_closed(delivered)
    with pytest.raises(NotAllowed) as closed:
        _open(delivered, [("AO", 1)])
    assert closed.value.code == "return_window_closed"


def test_steps_out_of_order_are_refused(delivered):
    request = _open(delivered, [("AO", 1)])

    with pytest.raises(NotAllowed):
        services.return_refund(return_request=request, actor=staff_actor())
    with pytest.raises(NotAllowed):
        services.return_receive(return_request=request, actor=staff_actor())
    services.return_approve(return_request=request, actor=staff_actor())
    services.return_receive(return_request=request, actor=staff_actor())
    with pytest.raises(NotAllowed):
        services.return_exchange(return_request=request, actor=staff_actor())  # a refund is not an exchange


def test_an_exchange_places_a_free_replacement_linked_to_the_original(delivered):
    request = _open(delivered, [("AO", 1)], kind=ReturnKind.EXCHANGE, reason=ReturnReason.WRONG_ITEM)
    staff = staff_actor()
    services.return_approve(return_request=request, actor=staff)
    services.return_receive(return_request=request, actor=staff)

    exchanged = services.return_exchange(return_request=request, actor=staff)

    replacement = exchanged.replacement_order
    assert exchanged.status == ReturnStatus.EXCHANGED
    assert (replacement.status, replacement.total, replacement.replacement_for_id) == (
        OrderStatus.CONFIRMED,
        Decimal("0"),
        delivered.pk,
    )
    assert list(replacement.lines.values_list("sku", "quantity", "unit_price")) == [("AO", 1, Decimal("0"))]
    assert replacement.ship_by_at is not None
    assert Order.objects.get(pk=delivered.pk).refunded_amount == 0
    assert Customer.objects.get(pk=delivered.customer_id).orders_count == 1
