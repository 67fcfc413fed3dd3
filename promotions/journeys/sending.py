"""One queued message through its channel, at most once per claim.

The claim (pending -> sending) commits before the far side is called, so a task delivered twice, or
run by two workers at once, finds the message taken and does nothing. A worker killed mid-send leaves
the claim behind; after the lease the runner queues it again with the same key (Message-ID, push
Topic, Idempotency-Key), so the far side can recognise the repeat."""

from django.db import transaction
from django.utils import timezone

from customers.channels import Outgoing, channel_for
from customers.selectors import marketing_allowed
from promotions.models import Message, MessageStatus, SkipReason


def _claim(message_id: int) -> Message | None:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(pk=message_id, status=MessageStatus.PENDING, queued_at__isnull=False)
            .first()
        )
        if message is None:
            return None
        # Consent may have been withdrawn while the message waited in the queue.
        if not marketing_allowed(customer=message.customer, channel=message.channel):
            message.status, message.skip_reason = MessageStatus.SKIPPED, SkipReason.NO_CONSENT
            message.save(update_fields=["status", "skip_reason"])
            return None
        message.status, message.claimed_at = MessageStatus.SENDING, timezone.now()
        message.attempts += 1
        message.save(update_fields=["status", "claimed_at", "attempts"])
    return message


def message_send(*, message_id: int) -> str:
    """Send a queued journey message through its channel and record what the far side answered.
    Returns the message's status afterwards ("" when there was nothing to send: already taken, sent,
    or skipped because consent was withdrawn meanwhile)."""
    message = _claim(message_id)
    if message is None:
        return ""
    payload = message.payload
    delivery = channel_for(message.channel).send(
        Outgoing(
            customer=message.customer,
            key=message.token,
            subject=payload.get("subject", ""),
            text=payload.get("text", ""),
            html=payload.get("html", ""),
            url=payload.get("url", ""),
            unsubscribe_url=payload.get("unsubscribe", ""),
            image=payload.get("image", ""),
            data={"voucher": payload.get("voucher", "")},
        )
    )
    status = MessageStatus.DELIVERED if delivery.delivered else MessageStatus.FAILED
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=status, sent_at=timezone.now(), answer=delivery.answers
    )
    return status
