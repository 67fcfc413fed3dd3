"""One queued message through its channel, at most once per claim.

The claim (pending -> sending) commits before the far side is called, so a task delivered twice, or
run by two workers at once, finds the message taken and does nothing. A worker killed mid-send leaves
the claim behind; after the lease the runner queues it again with the same key (Message-ID, push
Topic, Idempotency-Key), so the far side can recognise the repeat."""

from django.db.models import F
from django.utils import timezone

from customers.channels import Outgoing, channel_for
from customers.selectors import marketing_allowed
from promotions.models import Message, MessageStatus, SkipReason


def _claim(message_id: int) -> Message | None:
    # One conditional UPDATE takes the message: of two workers, or a task delivered twice, the second
    # finds it no longer pending (PostgreSQL re-checks the condition once the first one's row lock
    # is released) and updates nothing. It commits at once, before the far side is called.
    taken = Message.objects.filter(pk=message_id, status=MessageStatus.PENDING, queued_at__isnull=False).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not taken:
        return None
    message = Message.objects.select_related("customer").get(pk=message_id)
    # Consent may have been withdrawn while the message waited in the queue.
    if not marketing_allowed(customer=message.customer, channel=message.channel):
        Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
            status=MessageStatus.SKIPPED, skip_reason=SkipReason.NO_CONSENT
        )
        return None
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
