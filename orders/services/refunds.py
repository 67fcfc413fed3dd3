"""Refunds the shop owes its customers, as rows: opened when a paid order is cancelled, a payment
arrives for an order no longer payable, or a refund return is approved; done when staff record the
bank or gateway reference of the money sent back.

A return's refund is known only once its items are back and checked (return_receive computes it):
until then its row has the amount expected and no deadline. The deadline is the shop's
`refund_days` after the moment the refund became payable.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import (
    Order,
    OrderEventType,
    Payment,
    RefundDue,
    RefundDueStatus,
    RefundSource,
    ReturnKind,
    ReturnRequest,
)
from orders.pipeline import Actor
from orders.services.events import order_event_write
from orders.services.messages import order_email_enqueue
from sellercenter.errors import InvalidInput, NotAllowed


def _deadline(order: Order, at: datetime) -> datetime:
    return at + timedelta(days=order.shop.refund_days)


def refund_due_open(
    *,
    order: Order,
    source: str,
    amount: Decimal,
    at: datetime | None = None,
    return_request: ReturnRequest | None = None,
    payment: Payment | None = None,
) -> RefundDue | None:
    """Record that `amount` of `order` must go back to the customer, by the method they paid with.
    A return's row has no deadline until its items are received. Nothing is owed for nothing: an
    amount of zero opens no row. Call it inside the transaction of the change that makes it owed."""
    if amount <= 0:
        return None
    at = at or timezone.now()
    return RefundDue.objects.create(
        shop_id=order.shop_id,
        order=order,
        source=source,
        return_request=return_request,
        payment=payment,
        amount=amount,
        currency=order.currency,
        method=payment.method if payment else order.payment_method,
        created_at=at,
        due_at=None if source == RefundSource.RETURN else _deadline(order, at),
    )


def refund_due_fix_amount(*, return_request: ReturnRequest, amount: Decimal, at: datetime) -> None:
    """The items of a refund return are back: its refund is now `amount`, payable from `at`."""
    RefundDue.objects.filter(return_request=return_request, status=RefundDueStatus.DUE).update(
        amount=amount, due_at=_deadline(return_request.order, at)
    )


def refund_due_mark_done(
    *, return_request: ReturnRequest | None = None, refund_due: RefundDue | None = None, actor: Actor, reference: str
) -> RefundDue | None:
    """Mark the refund due done (that of `return_request`, or `refund_due`), with who, when and the
    reference of the transfer; write the event and e-mail the customer after the commit. Refuses
    (NotAllowed) a refund already done. Returns None when a return has no refund row (nothing owed)."""
    rows = RefundDue.objects.select_for_update()
    locked = (
        rows.filter(return_request=return_request).first() if return_request is not None else rows.get(pk=refund_due.pk)
    )
    if locked is None:
        return None
    if locked.status == RefundDueStatus.DONE:
        raise NotAllowed(_("This refund is already done."), code="refund_done")
    locked.status = RefundDueStatus.DONE
    locked.done_at = timezone.now()
    locked.done_by = actor.user
    locked.done_actor_kind = actor.kind
    locked.reference = reference.strip()[:100]
    locked.save(update_fields=["status", "done_at", "done_by", "done_actor_kind", "reference"])
    order_event_write(
        order=locked.order,
        type=OrderEventType.NOTE,
        actor=actor,
        note=_("Refund of %(amount)s done.") % {"amount": locked.amount},
        data={"refund_due_id": locked.pk, "refund_done": str(locked.amount), "reference": locked.reference},
    )
    order_email_enqueue(order=locked.order, kind="refund_done", refund_due_id=locked.pk)
    return locked


def refund_due_complete(*, refund_due: RefundDue, actor: Actor, reference: str) -> RefundDue:
    """Staff sent the money back: record the bank or gateway `reference` (required). The refund of a
    return goes through `return_refund` (it also refunds the order, points and purchase facts). Refuses
    an empty reference (InvalidInput naming `reference`), a refund already done, a return whose items
    are not back yet (NotAllowed). The difference an exchange refunds was refunded on the order at
    the exchange: only the money sent back is recorded."""
    if not reference.strip():
        raise InvalidInput(fields={"reference": [_("Give the bank or gateway reference of the refund.")]})
    if refund_due.return_request_id is not None and refund_due.return_request.kind == ReturnKind.REFUND:
        # Imported here: returns opens refund rows through this module.
        from orders.services.returns import return_refund

        return_refund(return_request=refund_due.return_request, actor=actor, reference=reference)
        return RefundDue.objects.get(pk=refund_due.pk)
    with transaction.atomic():
        return refund_due_mark_done(refund_due=refund_due, actor=actor, reference=reference)
