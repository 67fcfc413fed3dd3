"""What the steps of a batch of due enrolments read about their customers (consent, carts, orders,
last views, addresses, recent messages), each read once for the whole batch, on first need.

The runner holds the batch's enrolments and customers locked while it works, so nothing another
runner does changes these facts meanwhile; what the batch itself sends is added to them as it goes
(`message_written`), so the frequency cap counts the batch's own messages too."""

from collections import defaultdict
from datetime import datetime, timedelta
from functools import cached_property

from customers.channels import channel_for
from customers.models import CustomerPurchase
from customers.selectors import cart_lines, customers_cart_events, customers_last_viewed, marketing_allowed_among
from promotions.models import BranchCondition, Enrolment, JourneySettings, Message, MessageStatus, StepKind

# Messages that count against the frequency cap: queued, being sent, or out.
COUNTED = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED)


class BatchFacts:
    def __init__(self, batch: list[Enrolment], now: datetime, shop_settings: dict[int, JourneySettings]):
        self.batch, self.now, self.shop_settings = batch, now, shop_settings
        self.customers = list({enrolment.customer_id: enrolment.customer for enrolment in batch}.values())
        self.customer_ids = [customer.pk for customer in self.customers]
        self.since = min((enrolment.triggered_at for enrolment in batch), default=now)
        self._reachable: dict[str, set[int]] = {}
        # The messages this batch queued, to be recorded in the outbox together before it commits.
        self.queued: list[Message] = []

    def _steps(self):
        for enrolment in self.batch:
            yield from enrolment.journey.steps.all()

    @cached_property
    def _allowed(self) -> set[tuple[int, str]]:
        channels = {step.channel for step in self._steps() if step.kind == StepKind.SEND}
        channels |= {
            step.condition_value
            for step in self._steps()
            if step.kind == StepKind.BRANCH and step.condition == BranchCondition.HAS_CONSENT
        }
        return marketing_allowed_among(customers=self.customers, channels=channels, at=self.now)

    def marketing_allowed(self, enrolment: Enrolment, channel: str) -> bool:
        """`customers.selectors.marketing_allowed` at the batch's moment."""
        return (enrolment.customer_id, channel) in self._allowed

    @cached_property
    def _purchases(self) -> dict[int, list[datetime]]:
        moments = defaultdict(list)
        purchases = CustomerPurchase.objects.filter(
            customer_id__in=self.customer_ids, ordered_at__gte=self.since, reversed_at__isnull=True
        )
        for customer_id, ordered_at in purchases.values_list("customer_id", "ordered_at"):
            moments[customer_id].append(ordered_at)
        return moments

    def ordered_since_trigger(self, enrolment: Enrolment) -> bool:
        """Has the customer ordered (an order not reversed) since the enrolment's trigger?"""
        return any(moment >= enrolment.triggered_at for moment in self._purchases.get(enrolment.customer_id, ()))

    @cached_property
    def _cart_events(self) -> dict[int, list[tuple]]:
        return customers_cart_events(customer_ids=self.customer_ids, since=self.since)

    def cart(self, enrolment: Enrolment, *, until: datetime | None = None) -> list[dict]:
        """`customers.selectors.customer_cart` since the enrolment's trigger (until `until`)."""
        events = self._cart_events.get(enrolment.customer_id, [])
        return cart_lines(events, since=enrolment.triggered_at, until=until)

    @cached_property
    def _last_viewed(self) -> dict[int, list[dict]]:
        return customers_last_viewed(customer_ids=self.customer_ids)

    def last_viewed(self, enrolment: Enrolment) -> list[dict]:
        """`customers.selectors.customer_last_viewed`, as new dicts the caller may change."""
        return [dict(product) for product in self._last_viewed.get(enrolment.customer_id, [])]

    def reachable(self, enrolment: Enrolment, channel: str) -> bool:
        """Does the customer have an address on `channel`?"""
        if channel not in self._reachable:
            self._reachable[channel] = channel_for(channel).reachable_among(self.customers)
        return enrolment.customer_id in self._reachable[channel]

    @cached_property
    def _recent(self) -> dict[int, list[tuple[int, datetime]]]:
        hours = max((row.frequency_cap_hours or 0 for row in self.shop_settings.values()), default=0)
        recent = defaultdict(list)
        if hours:
            counted = Message.objects.filter(
                customer_id__in=self.customer_ids,
                status__in=COUNTED,
                queued_at__isnull=False,
                created_at__gt=self.now - timedelta(hours=hours),
            )
            for customer_id, pk, created_at in counted.values_list("customer_id", "pk", "created_at"):
                recent[customer_id].append((pk, created_at))
        return recent

    def over_cap(self, enrolment: Enrolment, settings_row: JourneySettings, exclude: int | None) -> bool:
        """Did the customer get a message (another than `exclude`) within the shop's frequency cap?"""
        if not settings_row.frequency_cap_hours:
            return False
        since = self.now - timedelta(hours=settings_row.frequency_cap_hours)
        return any(
            pk != exclude and created_at > since for pk, created_at in self._recent.get(enrolment.customer_id, ())
        )

    def message_written(self, message: Message) -> None:
        """Remember a message the batch wrote; a queued one counts against the customer's frequency cap."""
        self._messages[(message.enrolment_id, message.step_id)] = message
        if message.queued_at is not None:
            self._recent[message.customer_id].append((message.pk, message.created_at))
            self.queued.append(message)

    @cached_property
    def _messages(self) -> dict[tuple[int, int], Message]:
        messages = Message.objects.filter(enrolment__in=[enrolment.pk for enrolment in self.batch])
        return {(message.enrolment_id, message.step_id): message for message in messages}

    def message(self, enrolment: Enrolment, step) -> Message | None:
        """The message the enrolment's send step already wrote (held for quiet hours, sent...), if any."""
        return self._messages.get((enrolment.pk, step.pk))
