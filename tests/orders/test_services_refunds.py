"""Refunds due: a row per paid order cancelled, per approved refund return, per payment too late;
done with who, when and the reference; listed (late ones too) in the admin; seen by finance; the
customer is e-mailed when it is done."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from finance.selectors import refunds_owed
from orders import services
from orders.models import OrderEventType, OrderStatus, PaymentMethod, RefundDue, RefundDueStatus, RefundSource
from orders.pipeline import Actor
from sellercenter.errors import InvalidInput, NotAllowed
from tests.orders.factories import ProductFactory, advance, place, reach, staff_actor

pytestmark = pytest.mark.django_db
REFUNDS = "/admin/orders/refunddue/"


def _paid_and_cancelled(shop):
    return reach(shop, OrderStatus.CANCELLED)


def test_a_paid_order_cancelled_owes_its_total_by_the_shops_deadline(shop):
    shop.refund_days = 5
    shop.save()

    order = _paid_and_cancelled(shop)

    due = RefundDue.objects.get(order=order)
    assert (due.source, due.amount, due.method, due.status) == (
        RefundSource.CANCELLED,
        order.total,
        PaymentMethod.VNPAY,
        RefundDueStatus.DUE,
    )
    assert due.due_at == order.cancelled_at + timedelta(days=5)


def test_an_unpaid_order_cancelled_owes_nothing(shop):
    order = services.order_cancel(order=place(shop, payment_method=PaymentMethod.VNPAY), actor=Actor(kind="customer"))

    assert not RefundDue.objects.filter(order=order).exists()


def test_a_refund_return_is_owed_from_approval_and_due_from_receipt(shop):
    shirt = ProductFactory(shop=shop, sku="AO", price=Decimal("100000"))
    order = advance(place(shop, lines=[(shirt.sku, 2)]), OrderStatus.DELIVERED)
    request = services.return_request_open(
        order=order, items=[services.ReturnItem("AO", 1)], reason="damaged", actor=Actor(kind="customer")
    )
    staff = staff_actor()

    services.return_approve(return_request=request, actor=staff)
    due = RefundDue.objects.get(return_request=request)
    assert (due.amount, due.due_at) == (Decimal("100000"), None)

    request = services.return_receive(return_request=request, actor=staff)
    due.refresh_from_db()
    assert due.due_at == request.received_at + timedelta(days=shop.refund_days)

    services.refund_due_complete(refund_due=due, actor=staff, reference="VCB-123")
    due.refresh_from_db()
    request.refresh_from_db()
    assert (due.status, due.reference, due.done_by) == (RefundDueStatus.DONE, "VCB-123", staff.user)
    assert request.status == "refunded"


def test_recording_a_refund_needs_its_reference_and_happens_once(shop):
    due = RefundDue.objects.get(order=_paid_and_cancelled(shop))
    staff = staff_actor()

    with pytest.raises(InvalidInput) as refused:
        services.refund_due_complete(refund_due=due, actor=staff, reference="  ")
    assert "reference" in refused.value.fields
    services.refund_due_complete(refund_due=due, actor=staff, reference="VNPAY-RF-1")
    with pytest.raises(NotAllowed):
        services.refund_due_complete(refund_due=due, actor=staff, reference="VNPAY-RF-2")


def test_staff_list_the_late_refunds_and_record_one_in_the_admin(
    shop, owner, owner_client, django_capture_on_commit_callbacks
):
    late = RefundDue.objects.get(order=_paid_and_cancelled(shop))
    RefundDue.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    on_time = RefundDue.objects.get(order=_paid_and_cancelled(shop))

    listed = owner_client.get(f"{REFUNDS}?late=yes")
    assert [row.pk for row in listed.context["cl"].result_list] == [late.pk]
    assert owner_client.get(REFUNDS).context["cl"].result_count == 2
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{REFUNDS}{on_time.pk}/do/complete/", {"complete-reference": "VCB-987"})

    on_time.refresh_from_db()
    assert (on_time.status, on_time.reference, on_time.done_by) == (RefundDueStatus.DONE, "VCB-987", owner)
    assert on_time.done_at is not None
    assert [message.subject for message in mail.outbox] == [
        f"[{shop.name}] Đã hoàn 150.000 ₫ cho đơn hàng {on_time.order.number}"
    ]
    assert "VCB-987" in mail.outbox[0].body
    assert on_time.order.events.filter(type=OrderEventType.EMAIL_SENT, data__kind="refund_done").exists()


def test_finance_sees_what_is_owed_and_late(shop):
    late = RefundDue.objects.get(order=_paid_and_cancelled(shop))
    RefundDue.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    _paid_and_cancelled(shop)

    owed = refunds_owed(shop=shop)

    assert (owed.due_count, owed.due_amount, owed.late_count, owed.late_amount) == (
        2,
        Decimal("300000"),
        1,
        Decimal("150000"),
    )
