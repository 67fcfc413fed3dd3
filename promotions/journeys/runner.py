"""The beat job: advance every enrolment that is due, in batches taken with SELECT ... FOR UPDATE
SKIP LOCKED, so any number of workers run it at once and never take the same enrolment.

Before every step the exit rules are checked; a wait sets the next due moment; a send step writes its
Message (unique per enrolment and step: the guard against sending twice) and queues it on commit; a
voucher step issues a code within the campaign's budget; a branch picks the next step."""

import secrets
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer, CustomerEvent, EventType, Segment
from customers.selectors import segment_includes
from promotions.journeys.content import message_content
from promotions.journeys.definitions import journey_settings_for
from promotions.journeys.facts import BatchFacts
from promotions.journeys.vouchers import voucher_issue_for_enrolment
from promotions.models import (
    OPEN_ENROLMENT,
    BranchCondition,
    Enrolment,
    EnrolmentStatus,
    ExitReason,
    JourneySettings,
    JourneyStatus,
    JourneyStep,
    JourneyTrigger,
    Message,
    MessageStatus,
    SkipReason,
    StepKind,
)
from sellercenter.outbox import outbox_enqueue, outbox_enqueue_many

SEND_TASK = "promotions.tasks.message_send"
# A queue message lost (broker restart) is queued again after this; a send that never finished
# (worker killed) is retried after the lease, with the same key so the far side can drop a repeat.
REQUEUE_AFTER = timedelta(minutes=5)
SEND_LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 3


def _send_channels(steps: list[JourneyStep]) -> set[str]:
    return {step.channel for step in steps if step.kind == StepKind.SEND}


def _exit_reason(enrolment: Enrolment, steps: list[JourneyStep], now: datetime, facts: BatchFacts) -> str:
    """The first exit rule that holds, or "": erased, ordered, cart emptied, no consent left."""
    customer, journey = enrolment.customer, enrolment.journey
    if customer.erased_at is not None or customer.merged_into_id is not None:
        return ExitReason.ERASED
    if journey.exit_on_order and facts.ordered_since_trigger(enrolment):
        return ExitReason.ORDERED
    if (
        journey.trigger == JourneyTrigger.CART_ABANDONED
        and journey.exit_on_cart_emptied
        and not facts.cart(enrolment, until=now)
    ):
        return ExitReason.CART_EMPTIED
    channels = _send_channels(steps)
    if channels and not any(facts.marketing_allowed(enrolment, channel) for channel in channels):
        return ExitReason.NO_CONSENT
    return ""


def _trigger_holds(enrolment: Enrolment, now: datetime, facts: BatchFacts) -> bool:
    """When the trigger's delay has passed: did the customer really abandon (no order, something in the
    cart; no add to cart of the product browsed)?"""
    trigger = enrolment.journey.trigger
    if trigger == JourneyTrigger.CART_ABANDONED:
        return not facts.ordered_since_trigger(enrolment) and bool(facts.cart(enrolment, until=now))
    if trigger == JourneyTrigger.BROWSE_ABANDONED:
        return not CustomerEvent.objects.filter(
            customer_id=enrolment.customer_id,
            type=EventType.ADD_TO_CART,
            occurred_at__gte=enrolment.triggered_at,
            properties__sku=enrolment.context.get("sku"),
        ).exists()
    return True


def local_moment_at_or_after(moment: datetime, at: time, tzinfo) -> datetime:
    """The first `at` o'clock (local time in `tzinfo`) at or after `moment`."""
    local = timezone.localtime(moment, tzinfo)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate < local:
        candidate = (candidate + timedelta(days=1)).replace(hour=at.hour, minute=at.minute)
    return candidate


def quiet_until(moment: datetime, settings_row: JourneySettings, tzinfo) -> datetime | None:
    """When quiet hours that include `moment` end (local time), or None when `moment` is not quiet."""
    start, end = settings_row.quiet_from, settings_row.quiet_until
    if start == end:
        return None
    now_local = timezone.localtime(moment, tzinfo).time()
    quiet = start <= now_local < end if start < end else (now_local >= start or now_local < end)
    return local_moment_at_or_after(moment, end, tzinfo) if quiet else None


def _close(enrolment: Enrolment, status: str, now: datetime, reason: str = "") -> None:
    enrolment.status, enrolment.exit_reason = status, reason
    enrolment.finished_at, enrolment.due_at = now, None


# --- Steps -----------------------------------------------------------------------------------------


def _wait(enrolment: Enrolment, step: JourneyStep, now: datetime, _settings, _facts) -> None:
    due = enrolment.due_at + (step.delay or timedelta(0))
    if step.until_local_time is not None:
        due = local_moment_at_or_after(due, step.until_local_time, enrolment.shop.tzinfo)
    enrolment.due_at = due
    enrolment.position += 1


def _skip_reason(enrolment: Enrolment, step: JourneyStep, settings_row, facts: BatchFacts, exclude=None) -> str:
    if not facts.marketing_allowed(enrolment, step.channel):
        return SkipReason.NO_CONSENT
    if not facts.reachable(enrolment, step.channel):
        return SkipReason.NO_ADDRESS
    if facts.over_cap(enrolment, settings_row, exclude):
        return SkipReason.FREQUENCY_CAP
    return ""


def _message_key(message: Message) -> str:
    return f"journey-message:{message.pk}"


def _content(message: Message, enrolment: Enrolment, step: JourneyStep, settings_row, facts: BatchFacts) -> dict:
    is_cart = enrolment.journey.trigger == JourneyTrigger.CART_ABANDONED
    return message_content(
        enrolment=enrolment,
        step=step,
        token=message.token,
        settings=settings_row,
        cart=facts.cart(enrolment) if is_cart else [],
        viewed=facts.last_viewed(enrolment),
    )


def _send(enrolment: Enrolment, step: JourneyStep, now: datetime, settings_row, facts: BatchFacts) -> None:
    message = facts.message(enrolment, step)
    if message is not None and (message.status != MessageStatus.PENDING or message.queued_at is not None):
        enrolment.position += 1
        return
    if message is None:
        message = Message(
            shop_id=enrolment.shop_id,
            enrolment=enrolment,
            step=step,
            customer=enrolment.customer,
            channel=step.channel,
            token=secrets.token_urlsafe(16),
            created_at=now,
        )
    reason = _skip_reason(enrolment, step, settings_row, facts, exclude=message.pk)
    morning = None if reason else quiet_until(now, settings_row, enrolment.shop.tzinfo)
    if reason:
        message.status, message.skip_reason = MessageStatus.SKIPPED, reason
    elif morning is not None:
        # Held, not skipped: the same step runs again when the quiet hours end.
        message.held_for_quiet_hours = True
    else:
        message.payload = _content(message, enrolment, step, settings_row, facts)
        message.voucher_id = enrolment.voucher_id
        message.queued_at = now
    message.save()
    facts.message_written(message)
    if morning is not None:
        enrolment.due_at = morning
    else:
        enrolment.position += 1


def _messages_send_enqueue(messages: list[Message], shops: dict) -> None:
    """Record in the outbox, in the current transaction, that the batch's queued `messages` must be
    sent: one row per message, keyed by the message, handed to the workers after the commit."""
    by_shop = defaultdict(dict)
    for message in messages:
        by_shop[message.shop_id][_message_key(message)] = {"message_id": message.pk}
    for shop_id, effects in by_shop.items():
        outbox_enqueue_many(task=SEND_TASK, effects=effects, shop=shops[shop_id])


def _voucher(enrolment: Enrolment, step: JourneyStep, now: datetime, _settings, _facts) -> None:
    issue = voucher_issue_for_enrolment(enrolment=enrolment, step=step, now=now)
    if issue.voucher_id:
        enrolment.voucher_id = issue.voucher_id
    enrolment.position += 1


def _last_message(enrolment: Enrolment) -> Message | None:
    return (
        Message.objects.filter(enrolment=enrolment)
        .exclude(status=MessageStatus.SKIPPED)
        .order_by("-step__position")
        .first()
    )


def _condition_holds(enrolment: Enrolment, step: JourneyStep, now: datetime, facts: BatchFacts) -> bool:
    condition, value, customer = step.condition, step.condition_value, enrolment.customer
    if condition in (BranchCondition.CLICKED_LAST, BranchCondition.OPENED_LAST):
        last = _last_message(enrolment)
        field = "clicked_at" if condition == BranchCondition.CLICKED_LAST else "opened_at"
        return last is not None and getattr(last, field) is not None
    if condition == BranchCondition.NOT_CLICKED:
        return not enrolment.messages.filter(clicked_at__isnull=False).exists()
    if condition == BranchCondition.ORDERED:
        return facts.ordered_since_trigger(enrolment)
    if condition == BranchCondition.TIER_AT_LEAST:
        account = getattr(customer, "loyalty_account", None)
        return account is not None and account.tier.rank >= int(value)
    if condition == BranchCondition.IN_SEGMENT:
        segment = Segment.objects.filter(shop_id=enrolment.shop_id, pk=int(value)).first()
        return segment is not None and segment_includes(segment=segment, customer=customer, now=now)
    return facts.marketing_allowed(enrolment, value)


def _branch(enrolment: Enrolment, step: JourneyStep, now: datetime, _settings, facts: BatchFacts) -> None:
    if _condition_holds(enrolment, step, now, facts):
        enrolment.position += 1
    elif step.else_position is None:
        enrolment.position = len(enrolment.journey.steps.all())
    else:
        enrolment.position = step.else_position


STEPS = {StepKind.WAIT: _wait, StepKind.SEND: _send, StepKind.VOUCHER: _voucher, StepKind.BRANCH: _branch}


# --- The run ---------------------------------------------------------------------------------------


def enrolment_advance(*, enrolment: Enrolment, now: datetime, settings_row: JourneySettings, facts: BatchFacts) -> None:
    """Run the enrolment's due steps (the caller holds its row lock and its customer's, and reads the
    batch's `facts`): confirm the trigger, then, before each step, the exit rules; stop at a wait that
    lies ahead, or finish. A loop of branches without a wait stops after one pass over the steps and
    carries on at the next run."""
    if enrolment.status == EnrolmentStatus.WAITING:
        if not _trigger_holds(enrolment, now, facts):
            _close(enrolment, EnrolmentStatus.DISMISSED, now)
            return
        enrolment.status, enrolment.entered_at = EnrolmentStatus.ACTIVE, enrolment.due_at
    steps = list(enrolment.journey.steps.all())
    for _pass in range(len(steps) + 1):
        if enrolment.status != EnrolmentStatus.ACTIVE or enrolment.due_at > now:
            return
        if enrolment.position >= len(steps):
            _close(enrolment, EnrolmentStatus.COMPLETED, now)
            return
        reason = _exit_reason(enrolment, steps, now, facts)
        if reason:
            _close(enrolment, EnrolmentStatus.EXITED, now, reason)
            return
        step = steps[enrolment.position]
        STEPS[step.kind](enrolment, step, now, settings_row, facts)
    # Branches looping back without a wait: let the next run take it on, not this one forever.
    enrolment.due_at = max(enrolment.due_at, now + timedelta(minutes=1))


def _due_batch(now: datetime, size: int) -> list[Enrolment]:
    # The rows are taken in the order of the index on (due_at, id), so that a batch reads `size` rows
    # however many are due; the joined rows are read for those only, once they are held.
    held = list(
        Enrolment.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=OPEN_ENROLMENT, due_at__lte=now)
        .exclude(journey__status=JourneyStatus.PAUSED)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:size]
    )
    return list(
        Enrolment.objects.filter(pk__in=held)
        .select_related("journey__shop", "customer__loyalty_account__tier", "voucher", "shop")
        .prefetch_related("journey__steps")
        .order_by("due_at", "pk")
    )


def journeys_run_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Advance every enrolment due at `now` (default: the current time), one batch per transaction;
    enrolments another worker holds are skipped, not waited for. Then queue again what a lost task
    left behind. Returns how many enrolments were advanced."""
    now = now or timezone.now()
    size = batch_size or settings.JOURNEY_BATCH_SIZE
    advanced = 0
    shop_settings: dict[int, JourneySettings] = {}
    while True:
        with transaction.atomic():
            batch = _due_batch(now, size)
            # The frequency cap is counted per customer across journeys: hold the customers, in one
            # order everywhere so that two runners cannot deadlock.
            list(
                Customer.objects.select_for_update()
                .filter(pk__in={e.customer_id for e in batch})
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for enrolment in batch:
                if enrolment.shop_id not in shop_settings:
                    shop_settings[enrolment.shop_id] = journey_settings_for(enrolment.shop)
            facts = BatchFacts(batch, now, shop_settings)
            for enrolment in batch:
                enrolment_advance(
                    enrolment=enrolment, now=now, settings_row=shop_settings[enrolment.shop_id], facts=facts
                )
            _messages_send_enqueue(facts.queued, {enrolment.shop_id: enrolment.shop for enrolment in batch})
            Enrolment.objects.bulk_update(
                batch, ["status", "exit_reason", "position", "due_at", "entered_at", "finished_at", "voucher"]
            )
        advanced += len(batch)
        if len(batch) < size:
            break
    messages_requeue_stale(now=timezone.now())
    return advanced


def messages_requeue_stale(*, now: datetime) -> int:
    """Queue again the messages whose task was lost (queued long ago, never claimed) and those whose
    sender died mid-send (claimed longer ago than the lease); after MAX_ATTEMPTS a message fails.
    Returns how many were queued again."""
    with transaction.atomic():
        Message.objects.filter(
            status=MessageStatus.SENDING, claimed_at__lt=now - SEND_LEASE, attempts__gte=MAX_ATTEMPTS
        ).update(status=MessageStatus.FAILED)
        Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - SEND_LEASE).update(
            status=MessageStatus.PENDING
        )
        stale = list(
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shop")
            .filter(status=MessageStatus.PENDING, queued_at__lt=now - REQUEUE_AFTER)[:1000]
        )
        for message in stale:
            # A new outbox row per requeue: the first one ran (or was lost) without sending.
            key = f"{_message_key(message)}:requeued:{now.isoformat()}"
            outbox_enqueue(task=SEND_TASK, kwargs={"message_id": message.pk}, key=key, shop=message.shop)
    return len(stale)
