"""Exchanges to another variant (a size or colour swap): the price difference charged on the
replacement or refunded on the original, stock moved both ways, refunds due and statement lines."""

from decimal import Decimal

import pytest

from finance.models import LineKind, StatementLine
from finance.services import lines_backfill
from orders import services
from orders.models import (
    Order,
    Payment,
    PaymentMethod,
    Product,
    RefundDue,
    RefundDueStatus,
    ReturnKind,
    ReturnReason,
    ReturnStatus,
    StockMovement,
    StockMovementKind,
)
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.reconcile import reconcile
from tests.finance.factories import FeeRuleFactory, sale_line
from tests.orders.factories import ProductFactory, advance, place, staff_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def sizes(shop):
    FeeRuleFactory(shop=shop)
    return {
        size: ProductFactory(shop=shop, sku=f"AO-{size}", name=f"Áo sơ mi {size}", price=price, stock_on_hand=3)
        for size, price in (("S", Decimal("350000")), ("M", Decimal("400000")), ("L", Decimal("450000")))
    }


@pytest.fixture
def received(shop, sizes):
    """A delivered COD order of one AO-M at 400.000 ₫, whose exchange return is received (restocked)."""
    order = advance(place(shop, lines=[("AO-M", 1)]), "delivered")
    actor = staff_actor()
    request = services.return_request_open(
        order=order,
        items=[services.ReturnItem("AO-M", 1)],
        reason=ReturnReason.WRONG_ITEM,
        kind=ReturnKind.EXCHANGE,
        actor=actor,
    )
    services.return_approve(return_request=request, actor=actor)
    return services.return_receive(return_request=request, actor=actor)


def _stock(product) -> tuple[int, int]:
    product = Product.objects.get(pk=product.pk)
    return product.stock_on_hand, product.stock_reserved


def _movements(order) -> list[tuple]:
    return list(
        StockMovement.objects.filter(order=order)
        .order_by("pk")
        .values_list("product__sku", "kind", "on_hand_delta", "reserved_delta")
    )


def test_a_dearer_variant_charges_the_difference_on_the_replacement(received, sizes):
    request = services.return_exchange(return_request=received, actor=staff_actor(), variants={"AO-M": "AO-L"})

    replacement = request.replacement_order
    line = replacement.lines.get()
    assert (line.sku, line.unit_price, line.discount, line.total) == (
        "AO-L",
        Decimal("450000"),
        Decimal("400000"),
        Decimal("50000"),
    )
    assert (replacement.subtotal, replacement.discount_total, replacement.total) == (
        Decimal("450000"),
        Decimal("400000"),
        Decimal("50000"),
    )
    assert (replacement.status, replacement.payment_method) == ("confirmed", PaymentMethod.COD)
    assert request.refund_amount == 0 and not RefundDue.objects.exists()
    # The size M came back to the shelf at receipt; the size L is reserved for the replacement.
    assert _stock(sizes["M"]) == (3, 0)
    assert _stock(sizes["L"]) == (3, 1)
    assert _movements(request.order)[-1] == ("AO-M", StockMovementKind.RETURNED, 1, 0)
    assert _movements(replacement) == [("AO-L", StockMovementKind.RESERVED, 0, 1)]

    replacement = advance(replacement, "delivered")
    sale = sale_line(replacement)
    assert (sale.gross, sale.seller_discount) == (Decimal("450000"), Decimal("-400000"))
    assert sale.commission == Decimal("-2000")  # 4 % of the 50.000 ₫ paid
    assert sale_line(request.order).gross == Decimal("400000")
    assert not StatementLine.objects.filter(kind=LineKind.REFUND).exists()
    assert Payment.objects.get(order=replacement).amount == Decimal("50000")  # collected on delivery
    assert reconcile(shop=replacement.shop) == []


def test_a_cheaper_variant_refunds_the_difference_on_the_original(received, sizes):
    request = services.return_exchange(return_request=received, actor=staff_actor(), variants={"AO-M": "AO-S"})

    replacement, order = request.replacement_order, Order.objects.get(pk=received.order_id)
    assert (replacement.subtotal, replacement.discount_total, replacement.total) == (
        Decimal("350000"),
        Decimal("350000"),
        Decimal("0"),
    )
    assert replacement.status == "confirmed"
    assert (request.status, request.refund_amount, order.refunded_amount) == (
        ReturnStatus.EXCHANGED,
        Decimal("50000"),
        Decimal("50000"),
    )
    due = RefundDue.objects.get(return_request=request)
    assert (due.amount, due.status, due.method) == (Decimal("50000"), RefundDueStatus.DUE, PaymentMethod.COD)
    assert due.due_at is not None
    refund = StatementLine.objects.get(kind=LineKind.REFUND, return_request=request)
    assert refund.refund == Decimal("-50000")
    assert refund.commission == Decimal("2000")  # the commission on the refunded part given back
    assert _stock(sizes["S"]) == (3, 1)

    services.refund_due_complete(refund_due=due, actor=staff_actor(), reference="VCB 0001")

    due.refresh_from_db()
    request.refresh_from_db()
    assert (due.status, request.status) == (RefundDueStatus.DONE, ReturnStatus.EXCHANGED)
    assert Order.objects.get(pk=order.pk).refunded_amount == Decimal("50000")
    assert reconcile(shop=order.shop) == []


def test_the_backfill_writes_the_refund_line_of_a_cheaper_swap(received):
    request = services.return_exchange(return_request=received, actor=staff_actor(), variants={"AO-M": "AO-S"})
    StatementLine.objects.filter(kind=LineKind.REFUND).delete()

    lines_backfill(shop=request.shop)

    assert StatementLine.objects.get(kind=LineKind.REFUND, return_request=request).refund == Decimal("-50000")


def test_the_difference_taken_in_cash_at_the_counter_pays_the_replacement(received):
    request = services.return_exchange(
        return_request=received, actor=staff_actor(), variants={"AO-M": "AO-L"}, payment_method=PaymentMethod.CASH
    )

    replacement = request.replacement_order
    payment = Payment.objects.get(order=replacement)
    assert (replacement.status, replacement.payment_method, replacement.paid_at) == (
        "confirmed",
        PaymentMethod.CASH,
        payment.received_at,
    )
    assert (payment.method, payment.amount) == (PaymentMethod.CASH, Decimal("50000"))


def test_the_same_variant_is_still_sent_free(received, sizes):
    request = services.return_exchange(return_request=received, actor=staff_actor())

    assert request.replacement_order.total == 0
    assert request.replacement_order.lines.get().sku == "AO-M"
    assert _stock(sizes["M"]) == (3, 1)


@pytest.mark.parametrize(
    ("variants", "error", "field"),
    [
        ({"AO-M": "KHONG-CO"}, InvalidInput, "variants.AO-M"),
        ({"AO-M": "AO-L"}, Conflict, None),  # no size L left
    ],
)
def test_a_refused_exchange_changes_nothing(received, sizes, variants, error, field):
    if error is Conflict:
        Product.objects.filter(pk=sizes["L"].pk).update(stock_on_hand=0)
    before = (Order.objects.count(), StockMovement.objects.count(), RefundDue.objects.count())

    with pytest.raises(error) as refused:
        services.return_exchange(return_request=received, actor=staff_actor(), variants=variants)

    if field:
        assert field in refused.value.fields
    received.refresh_from_db()
    assert received.status == ReturnStatus.RECEIVED and received.replacement_order is None
    assert (Order.objects.count(), StockMovement.objects.count(), RefundDue.objects.count()) == before
