"""Customer e-mails about an order (confirmation, handed to the carrier, delivered, cancelled, refund
done), sent through Django's mail
backend by a Celery task after the commit, each send written on the order's timeline.

They are transactional messages about an order the customer placed, so they need no marketing
consent. The texts are in Vietnamese, the customers' language, in orders/templates/orders/email/.
"""

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from orders.models import Order, OrderEventType, RefundDue, RefundSource
from orders.pipeline import Actor
from orders.services.events import order_event_write
from sellercenter.errors import InvalidInput
from sellercenter.money import money_format
from sellercenter.outbox import outbox_enqueue, outbox_message_id

logger = logging.getLogger(__name__)
KINDS = ("confirmation", "shipped", "delivered", "cancelled", "refund_done")
CUSTOMER_LANGUAGE = "vi"


def order_email_key(*, order_id: int, kind: str, refund_due_id: int | None = None) -> str:
    """The outbox key of the order's `kind` e-mail: one e-mail of each kind per order (per refund for
    "refund_done": an order may be refunded more than once)."""
    key = f"order-email:{order_id}:{kind}"
    return f"{key}:{refund_due_id}" if refund_due_id else key


def order_email_enqueue(*, order: Order, kind: str, refund_due_id: int | None = None) -> None:
    """Record, in the current transaction, that the customer gets the order's `kind` e-mail."""
    outbox_enqueue(
        task="orders.tasks.order_email_send",
        kwargs={"order_id": order.pk, "kind": kind, **({"refund_due_id": refund_due_id} if refund_due_id else {})},
        key=order_email_key(order_id=order.pk, kind=kind, refund_due_id=refund_due_id),
        shop=order.shop,
    )


def _local(moment, tz):
    return moment.astimezone(tz) if moment else None


def _refund_context(order: Order, refund: RefundDue | None, money) -> dict:
    """What the cancelled and refund e-mails say about the money owed: the refund row named, else
    the order's refund owed for its cancellation."""
    refund = refund or order.refunds_due.filter(source=RefundSource.CANCELLED).first()
    if refund is None:
        return {"refund": None}
    tz = order.shop.tzinfo
    return {
        "refund": money(refund.amount),
        "refund_by": _local(refund.due_at, tz),
        "refunded_at": _local(refund.done_at, tz),
        "refund_reference": refund.reference,
    }


def _context(order: Order, kind: str, refund: RefundDue | None) -> dict:
    tz = order.shop.tzinfo

    def money(amount):
        return money_format(amount, order.currency)

    return {
        **(_refund_context(order, refund, money) if kind in ("cancelled", "refund_done") else {}),
        "delivered_at": _local(order.delivered_at, tz),
        "return_window_ends_at": _local(order.return_window_ends_at, tz),
        "order": order,
        "shop": order.shop,
        "lines": [
            {"line": line, "unit_price": money(line.unit_price), "total": money(line.total)}
            for line in order.lines.all()
        ],
        "subtotal": money(order.subtotal),
        "discount": money(order.seller_funded_discount),
        "has_discount": order.seller_funded_discount > 0,
        "shipping_fee": money(order.shipping_fee - order.shipping_discount),
        "total": money(order.total),
        "placed_at": order.placed_at.astimezone(tz),
        "shipped_at": order.shipped_at.astimezone(tz) if order.shipped_at else None,
        "cod": not order.is_prepaid,
    }


def _sender(order: Order) -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((order.shop.name, address))


def order_email_send(*, order: Order, kind: str, refund_due_id: int | None = None) -> bool:
    """Send the customer the order's `kind` e-mail (one of KINDS; "refund_done" names its refund by
    `refund_due_id`, as an order may be refunded more than once) and record it on the order's events.
    Sends each once: a retried task finds the first send and stops. Returns False when nothing was
    sent (no e-mail address, or already sent). Refuses an unknown kind."""
    if kind not in KINDS:
        raise InvalidInput(fields={"kind": [_("Unknown e-mail.")]})
    sent = order.events.filter(type=OrderEventType.EMAIL_SENT, data__kind=kind)
    if refund_due_id is not None:
        sent = sent.filter(data__refund_due_id=refund_due_id)
    if sent.exists():
        return False
    refund = RefundDue.objects.filter(order=order, pk=refund_due_id).first() if refund_due_id else None
    if not order.customer_email:
        order_event_write(
            order=order,
            type=OrderEventType.NOTE,
            actor=Actor.system(),
            note=_("No e-mail address: the %(kind)s e-mail was not sent.") % {"kind": kind},
        )
        return False
    with translation.override(CUSTOMER_LANGUAGE):
        context = _context(order, kind, refund)
        subject = " ".join(render_to_string(f"orders/email/{kind}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"orders/email/{kind}.txt", context),
            from_email=_sender(order),
            to=[order.customer_email],
            reply_to=[order.shop.contact_email] if order.shop.contact_email else None,
            # The same on every attempt: a resend after a crash is the same message, not a new one.
            headers={
                "Message-ID": outbox_message_id(
                    order_email_key(order_id=order.pk, kind=kind, refund_due_id=refund_due_id)
                )
            },
        )
        message.attach_alternative(render_to_string(f"orders/email/{kind}.html", context), "text/html")
    message.send()
    order_event_write(
        order=order,
        type=OrderEventType.EMAIL_SENT,
        actor=Actor.system(),
        note=subject,
        data={"kind": kind, "to": order.customer_email, **({"refund_due_id": refund_due_id} if refund_due_id else {})},
    )
    logger.info("order %s: %s e-mail sent", order.number, kind)
    return True
