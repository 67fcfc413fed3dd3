"""The beat jobs: expiring unpaid prepaid orders, completing orders whose return window closed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import EntryKind, PointsEntry
from orders import services, tasks
from orders.models import CancelledBy, Order, OrderStatus, PaymentMethod, ReturnKind, ReturnReason
from orders.pipeline import Actor
from promotions.models import CodeMode
from sellercenter.errors import NotAllowed
from tests.orders.factories import ProductFactory, advance, place, return_window_closed
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db
S = OrderStatus


def test_unpaid_prepaid_orders_past_their_timeout_are_cancelled_releasing_stock_and_budget(shop):
    product = ProductFactory(shop=shop, stock_on_hand=4)
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    overdue = place(shop, lines=[(product.sku, 2)], payment_method=PaymentMethod.VNPAY, voucher_codes=["GIAM10"])
    waiting = place(shop, lines=[(product.sku, 1)], payment_method=PaymentMethod.MOMO, customer_id="KH-2")
    cod = place(shop, lines=[(product.sku, 1)], customer_id="KH-3")
    Order.objects.filter(pk=overdue.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))

    assert tasks.orders_expire_unpaid.delay().get() == 1
    assert services.orders_expire_unpaid() == 0

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: S.CANCELLED, waiting.pk: S.PENDING_PAYMENT, cod.pk: S.CONFIRMED}
    overdue.refresh_from_db()
    assert overdue.cancelled_by == CancelledBy.SYSTEM
    assert overdue.events.latest("pk").actor_kind == "system"
    product.refresh_from_db()
    campaign.refresh_from_db()
    assert (product.stock_reserved, campaign.spent) == (2, Decimal("0"))


def test_an_order_paid_meanwhile_is_left_alone(shop):
    order = place(shop, payment_method=PaymentMethod.VNPAY)
    services.order_confirm_payment(order=order, actor=Actor(kind="staff"))

    assert services.orders_expire_unpaid(now=timezone.now() + timedelta(days=1)) == 0
    assert Order.objects.get(pk=order.pk).status == S.CONFIRMED


def test_delivered_orders_complete_once_their_window_closed_releasing_the_points(shop):
    product = ProductFactory(shop=shop, price=Decimal("300000"))
    due = advance(place(shop, lines=[(product.sku, 1)]), S.DELIVERED)
    still_open = advance(place(shop, customer_id="KH-2"), S.DELIVERED)
    return_window_closed(due)

    assert tasks.orders_complete_due.delay().get() == 1
    assert services.orders_complete_due() == 0

    due.refresh_from_db()
    assert (due.status, Order.objects.get(pk=still_open.pk).status) == (S.COMPLETED, S.DELIVERED)
    assert due.completed_at is not None
    release = PointsEntry.objects.get(source=f"order:{due.number}", kind=EntryKind.RELEASE)
    assert release.available_delta == 300


def test_an_open_return_holds_completion_back(shop):
    order = advance(place(shop), S.DELIVERED)
    request = services.return_request_open(
        order=order,
        items=[services.ReturnItem(order.lines.get().sku, 1)],
        reason=ReturnReason.DAMAGED,
        kind=ReturnKind.REFUND,
        actor=Actor(kind="customer"),
    )
    return_window_closed(order)

    assert services.orders_complete_due() == 0
    with pytest.raises(NotAllowed):
        services.order_complete(order=order, actor=Actor.system())

    services.return_reject(return_request=request, actor=Actor(kind="staff"), reason="Ảnh không rõ lỗi")
    assert services.orders_complete_due() == 1


def test_completion_waits_for_the_window(shop):
    order = advance(place(shop), S.DELIVERED)

    with pytest.raises(NotAllowed) as refused:
        services.order_complete(order=order, actor=Actor.system())

    assert refused.value.code == "return_window_open"
