"""Delivered order lines, and the ratings and reviews customers give them, with the shop's reply.

A review is never deleted by the shop: the seeds' rule is to answer a negative comment, not remove it
(the model protects the row; no service removes it)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, DeliveredLine, Review
from customers.signals import order_delivered
from sellercenter.errors import Conflict, InvalidInput, NotFound

COMMENT_MAX_LENGTH = 5000


def delivered_lines_record(
    *, customer: Customer, order_ref: str, lines: list[tuple[str, str]], delivered_at: datetime
) -> int:
    """Record the (sku, name) lines of an order that reached the customer, so they can be reviewed,
    and signal the delivery (journeys then ask for the review). A second call for the same order adds
    nothing and signals nothing. Returns how many lines were recorded."""
    rows = [
        DeliveredLine(
            shop_id=customer.shop_id,
            customer=customer,
            order_ref=order_ref,
            sku=sku,
            name=name[:255],
            delivered_at=delivered_at,
        )
        for sku, name in dict(lines).items()
    ]
    with transaction.atomic():
        known = DeliveredLine.objects.filter(shop_id=customer.shop_id, order_ref=order_ref).exists()
        if known:
            return 0
        DeliveredLine.objects.bulk_create(rows, ignore_conflicts=True)
        order_delivered.send(
            sender=DeliveredLine,
            shop=customer.shop,
            customer=customer,
            order_ref=order_ref,
            delivered_at=delivered_at,
        )
    return len(rows)


def review_post(*, customer: Customer, order_ref: str, sku: str, rating: int, comment: str = "") -> Review:
    """The customer rates (1-5) and comments one line of an order delivered to them, once.
    Refuses a rating outside 1-5 or a comment too long (InvalidInput), a line that was not delivered
    to this customer (NotFound), and a second review of the same line (Conflict)."""
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give a whole number from 1 to 5.")]
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [_("Give at most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}]
    if errors:
        raise InvalidInput(fields=errors)
    line = DeliveredLine.objects.filter(customer=customer, order_ref=order_ref, sku=sku).first()
    if line is None:
        raise NotFound(_("This customer has no delivered line with this SKU in this order."), code="line_not_found")
    try:
        with transaction.atomic():
            return Review.objects.create(
                shop_id=customer.shop_id, line=line, customer=customer, rating=rating, comment=comment.strip()
            )
    except IntegrityError:
        raise Conflict(_("This order line has been reviewed already."), code="already_reviewed") from None


def review_reply(*, review: Review, reply: str, replied_by=None) -> Review:
    """The shop answers a review in public (a later reply replaces the earlier one). Refuses an empty reply."""
    if not reply.strip():
        raise InvalidInput(fields={"reply": [_("Write the reply.")]})
    review.reply, review.replied_at, review.replied_by = reply.strip(), timezone.now(), replied_by
    review.save(update_fields=["reply", "replied_at", "replied_by"])
    return review
