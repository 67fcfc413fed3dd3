"""Campaigns with dates and a budget, their voucher codes, and the redemptions that spend the budget.

A campaign's status is never stored: it is derived from its dates, its budget and usage counters and
its pause/end marks (`Campaign.status_at` in Python, `CampaignQuerySet.with_status` in SQL), so it
cannot drift from the facts.
"""

import uuid
from datetime import time, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Channel, Customer, MarketingChannel, Segment
from loyalty.models import Tier
from sellercenter.models import Shop
from sellercenter.money import ZERO, MoneyField


class Kind(models.TextChoices):
    ORDER_PERCENTAGE = "order_percentage", _("Percentage off the order")
    ORDER_AMOUNT = "order_amount", _("Fixed amount off the order")
    SKU_PERCENTAGE = "sku_percentage", _("Percentage off listed SKUs")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    FREE_GIFT = "free_gift", _("Free gift")


PERCENTAGE_KINDS = (Kind.ORDER_PERCENTAGE, Kind.SKU_PERCENTAGE)


class CodeMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic (no code)")
    SHARED = "shared", _("One shared code")
    UNIQUE = "unique", _("Unique single-use voucher codes")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")
    EXHAUSTED = "exhausted", _("Exhausted")


class CampaignQuerySet(models.QuerySet):
    def with_status(self, at=None):
        """Annotate `current_status`, the same rule as `Campaign.status_at`, so lists can filter on it."""
        at = at or timezone.now()
        return self.annotate(
            current_status=Case(
                When(published_at__isnull=True, then=Value(Status.DRAFT)),
                When(Q(ended_at__isnull=False) | Q(ends_at__lte=at), then=Value(Status.ENDED)),
                When(
                    Q(spent__gte=F("budget"))
                    | Q(usage_limit_total__isnull=False, uses_count__gte=F("usage_limit_total")),
                    then=Value(Status.EXHAUSTED),
                ),
                When(paused_at__isnull=False, then=Value(Status.PAUSED)),
                When(starts_at__gt=at, then=Value(Status.SCHEDULED)),
                default=Value(Status.ACTIVE),
                output_field=models.CharField(),
            )
        )

    def running(self, at):
        """Published, not ended early, and inside their dates at `at` (they may still be paused or exhausted)."""
        return self.filter(published_at__isnull=False, ended_at__isnull=True, starts_at__lte=at, ends_at__gt=at)


class Campaign(models.Model):
    """A promotion: what it gives, to whom, when, through which codes, and how much it may cost."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="campaigns", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=18,
        decimal_places=2,
        help_text=_(
            "Percent for percentage kinds; the amount off for a fixed amount; the most of the shipping fee "
            "covered for free shipping; the cost of one gift for a free gift."
        ),
    )
    skus = models.JSONField(_("SKUs"), default=list, blank=True, help_text=_("The SKUs a SKU discount applies to."))
    gift_sku = models.CharField(_("gift SKU"), max_length=64, blank=True)
    gift_quantity = models.PositiveSmallIntegerField(_("gift quantity"), default=1)
    min_subtotal = MoneyField(_("minimum order subtotal"), default=ZERO)
    max_discount = MoneyField(_("maximum discount per order"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    budget = MoneyField(_("budget"))
    spent = MoneyField(_("spent"), default=ZERO, editable=False)
    uses_count = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    usage_limit_total = models.PositiveIntegerField(_("usage limit (total)"), null=True, blank=True)
    usage_limit_per_customer = models.PositiveIntegerField(_("usage limit per customer"), null=True, blank=True)
    tiers = models.ManyToManyField(
        Tier,
        blank=True,
        related_name="campaigns",
        verbose_name=_("member tiers"),
        help_text=_("Only members of these tiers; none means everybody."),
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("customer segment"),
    )
    channels = models.JSONField(
        _("channels"), default=list, blank=True, help_text=_("Only orders from these channels; none means all.")
    )
    first_order_only = models.BooleanField(_("first order only"), default=False)
    exclusive = models.BooleanField(
        _("exclusive"), default=False, help_text=_("At most one exclusive campaign applies to an order.")
    )
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher goes first."))
    code_mode = models.CharField(_("codes"), max_length=10, choices=CodeMode.choices, default=CodeMode.AUTOMATIC)
    # The shared code, upper-case; unique codes are Voucher rows.
    code = models.CharField(_("shared code"), max_length=32, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended early at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(spent__lte=F("budget")), name="campaign_spent_within_budget"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="campaign_spent_not_negative"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="campaign_budget_positive"),
            models.CheckConstraint(condition=Q(value__gt=0), name="campaign_value_positive"),
            models.CheckConstraint(
                condition=~Q(kind__in=PERCENTAGE_KINDS) | Q(value__lte=100), name="campaign_percentage_at_most_100"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_ends_after_start"),
            models.CheckConstraint(
                condition=Q(usage_limit_total__isnull=True) | Q(uses_count__lte=F("usage_limit_total")),
                name="campaign_uses_within_limit",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="campaign_kind_valid"),
            models.CheckConstraint(condition=Q(code_mode__in=CodeMode.values), name="campaign_code_mode_valid"),
            models.UniqueConstraint(fields=["shop", "code"], condition=~Q(code=""), name="campaign_unique_shop_code"),
        ]
        indexes = [models.Index(fields=["shop", "ends_at"], name="campaign_shop_ends_at")]

    def __str__(self) -> str:
        return self.name

    def status_at(self, at) -> str:
        if self.published_at is None:
            return Status.DRAFT
        if self.ended_at is not None or self.ends_at <= at:
            return Status.ENDED
        if self.is_exhausted:
            return Status.EXHAUSTED
        if self.paused_at is not None:
            return Status.PAUSED
        if self.starts_at > at:
            return Status.SCHEDULED
        return Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def remaining_budget(self) -> Decimal:
        return self.budget - self.spent

    @property
    def is_exhausted(self) -> bool:
        limit_reached = self.usage_limit_total is not None and self.uses_count >= self.usage_limit_total
        return self.spent >= self.budget or limit_reached

    def runs_out_before_end(self, at) -> bool:
        """Active, and spending at its pace so far it would use up its budget before it ends."""
        if self.status_at(at) != Status.ACTIVE or at <= self.starts_at:
            return False
        elapsed = Decimal((at - self.starts_at).total_seconds())
        planned = Decimal((self.ends_at - self.starts_at).total_seconds())
        return self.spent * planned > self.budget * elapsed


class Voucher(models.Model):
    """One unique, single-use code of a campaign, generated in batches."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="vouchers", verbose_name=_("campaign")
    )
    code = models.CharField(_("code"), max_length=32)
    batch = models.CharField(_("batch"), max_length=40, help_text=_("Prefix and time of the batch it came from."))
    used_order_ref = models.CharField(_("used by order"), max_length=64, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("voucher code")
        verbose_name_plural = _("voucher codes")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="voucher_unique_shop_code"),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True, used_order_ref="")
                | (Q(used_at__isnull=False) & ~Q(used_order_ref="")),
                name="voucher_used_fields_together",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class Redemption(models.Model):
    """A campaign used by one order: what it cost the budget and what the order brought in.

    Released (order cancelled before shipping) rows stay, with `released_at`, for the record; only
    unreleased rows count in spend, usage limits and results."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("campaign")
    )
    order_ref = models.CharField(_("order"), max_length=64)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="redemptions",
        verbose_name=_("customer"),
    )
    voucher = models.ForeignKey(
        Voucher, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("voucher code")
    )
    code = models.CharField(_("code"), max_length=32, blank=True)
    amount = MoneyField(_("discount (cost)"))
    order_total = MoneyField(_("order revenue"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("member tier")
    )
    created_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order_ref"], name="redemption_unique_campaign_order"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="redemption_amount_not_negative"),
            models.CheckConstraint(condition=Q(order_total__gte=0), name="redemption_order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["shop", "order_ref"], name="redemption_shop_order"),
            models.Index(fields=["campaign", "customer"], name="redemption_campaign_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.order_ref}"


# --- Journeys (automations) --------------------------------------------------------------------------


class JourneyTrigger(models.TextChoices):
    CART_ABANDONED = "cart_abandoned", _("Cart abandoned")
    BROWSE_ABANDONED = "browse_abandoned", _("Browse abandoned")
    ORDER_DELIVERED = "order_delivered", _("Order delivered")
    TIER_UPGRADED = "tier_upgraded", _("Tier upgraded")
    BIRTHDAY = "birthday", _("Birthday")
    AT_RISK = "at_risk", _("Customer at risk")
    SEGMENT_ENTERED = "segment_entered", _("Entered a segment")


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class StepKind(models.TextChoices):
    WAIT = "wait", _("Wait")
    SEND = "send", _("Send a message")
    VOUCHER = "voucher", _("Issue a voucher")
    BRANCH = "branch", _("Branch on a condition")


class StepLink(models.TextChoices):
    CART = "cart", _("The cart (with the voucher applied)")
    PRODUCT = "product", _("The product")
    PROMOTIONS = "promotions", _("The shop's promotions")


class BranchCondition(models.TextChoices):
    CLICKED_LAST = "clicked_last", _("Clicked the last message")
    NOT_CLICKED = "not_clicked", _("Clicked no message of this journey")
    OPENED_LAST = "opened_last", _("Opened the last message")
    ORDERED = "ordered", _("Ordered since entering")
    TIER_AT_LEAST = "tier_at_least", _("Member tier at least (rank)")
    IN_SEGMENT = "in_segment", _("In the segment (id)")
    HAS_CONSENT = "has_consent", _("Consents to the channel")


class Journey(models.Model):
    """An automation: a trigger, ordered steps and exit rules. Each edit of a running journey is a new
    version of the same family; customers finish the version they entered."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="journeys", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=200)
    trigger = models.CharField(_("trigger"), max_length=20, choices=JourneyTrigger.choices)
    trigger_delay = models.DurationField(
        _("trigger delay"),
        default=timedelta(hours=1),
        help_text=_(
            "Cart / browse abandoned: how long without an order (or add to cart); order delivered: "
            "how long after delivery."
        ),
    )
    trigger_count = models.PositiveSmallIntegerField(
        _("product views"), default=3, help_text=_("Browse abandoned: views of one product within a day.")
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("segment")
    )
    exit_on_order = models.BooleanField(_("exit when the customer orders"), default=True)
    exit_on_cart_emptied = models.BooleanField(_("exit when the cart is emptied"), default=True)
    family = models.UUIDField(_("family"), default=uuid.uuid4, editable=False)
    # In a context of its own: django.contrib.auth's catalogue (ahead of this app's) keeps "version" English.
    version = models.PositiveIntegerField(pgettext_lazy("journey", "version"), default=1, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT, editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="journey_unique_family_version"),
            # One version of a family takes new customers (or waits, paused) at a time.
            models.UniqueConstraint(
                fields=["family"], condition=Q(status__in=["live", "paused"]), name="journey_one_running_version"
            ),
            models.CheckConstraint(condition=Q(trigger__in=JourneyTrigger.values), name="journey_trigger_valid"),
            models.CheckConstraint(condition=Q(status__in=JourneyStatus.values), name="journey_status_valid"),
        ]
        indexes = [models.Index(fields=["shop", "trigger", "status"], name="journey_shop_trigger_status")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class JourneyStep(models.Model):
    """One step of a journey version. Its fields depend on its kind (checked by the journey services)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps", verbose_name=_("journey"))
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    delay = models.DurationField(_("wait for"), null=True, blank=True)
    until_local_time = models.TimeField(
        _("then until (local time)"), null=True, blank=True, help_text=_("E.g. 19:00 in the shop's time zone.")
    )
    channel = models.CharField(
        pgettext_lazy("marketing message", "channel"), max_length=20, choices=MarketingChannel.choices, blank=True
    )
    subject = models.CharField(_("subject / title"), max_length=200, blank=True)
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_("May use {{ name }}, {{ product }}, {{ voucher }}, {{ cart_total }}; the lines are added."),
    )
    link = models.CharField(_("link to"), max_length=12, choices=StepLink.choices, default=StepLink.CART)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("campaign")
    )
    condition = models.CharField(_("condition"), max_length=20, choices=BranchCondition.choices, blank=True)
    condition_value = models.CharField(_("condition value"), max_length=50, blank=True)
    else_position = models.PositiveSmallIntegerField(
        _("otherwise go to step"), null=True, blank=True, help_text=_("Empty: the journey ends.")
    )

    class Meta:
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")
        ordering = ["journey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "position"], name="journeystep_unique_position"),
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="journeystep_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name or self.get_kind_display()}"


class JourneySettings(models.Model):
    """A shop's rules for every journey: the frequency cap, quiet hours and where links lead."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="journey_settings", verbose_name=_("shop"))
    frequency_cap_hours = models.PositiveSmallIntegerField(
        _("at most one marketing message per (hours)"), default=16, help_text=_("0 turns the cap off.")
    )
    quiet_from = models.TimeField(_("quiet hours from"), default=time(21, 0))
    quiet_until = models.TimeField(_("quiet hours until"), default=time(8, 0))
    storefront_url = models.URLField(
        _("storefront address"), blank=True, help_text=_("Where links lead, e.g. https://shop.example.vn")
    )

    class Meta:
        verbose_name = _("journey settings")
        verbose_name_plural = _("journey settings")

    def __str__(self) -> str:
        return str(self.shop)


class EnrolmentStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the trigger")
    ACTIVE = "active", _("In the journey")
    COMPLETED = "completed", _("Completed")
    EXITED = "exited", _("Exited")
    DISMISSED = "dismissed", _("Trigger did not hold")


OPEN_ENROLMENT = ("waiting", "active")


class ExitReason(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    CART_EMPTIED = "cart_emptied", _("Cart emptied")
    NO_CONSENT = "no_consent", _("Consent withdrawn on every channel")
    ERASED = "erased", _("Erased or merged")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    JOURNEY_ENDED = "journey_ended", _("Journey ended")


class Enrolment(models.Model):
    """One customer going through one journey version, for one occurrence of its trigger."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    journey = models.ForeignKey(Journey, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("journey"))
    family = models.UUIDField(_("journey family"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("customer")
    )
    occurrence = models.CharField(_("trigger occurrence"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices, default="waiting")
    exit_reason = models.CharField(_("exit reason"), max_length=20, choices=ExitReason.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("next step"), default=0)
    triggered_at = models.DateTimeField(_("triggered at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    voucher = models.ForeignKey(
        Voucher, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("voucher")
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-triggered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["family", "customer", "occurrence"], name="enrolment_once_per_occurrence"),
            models.UniqueConstraint(
                fields=["family", "customer"],
                condition=Q(status__in=OPEN_ENROLMENT),
                name="enrolment_one_open_per_family",
            ),
        ]
        indexes = [
            # The runner's order: a batch reads its rows off this index instead of sorting all that are due.
            models.Index(fields=["due_at", "id"], condition=Q(status__in=OPEN_ENROLMENT), name="enrolment_open_due_id"),
            models.Index(fields=["journey", "status"], name="enrolment_journey_status"),
        ]

    def __str__(self) -> str:
        return f"{self.journey} · {self.customer_id}"


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent")
    FREQUENCY_CAP = "frequency_cap", _("Frequency cap")
    NO_ADDRESS = "no_address", _("No address on the channel")
    BUDGET_SPENT = "budget_spent", _("Campaign budget spent")
    CAMPAIGN_CLOSED = "campaign_closed", _("Campaign not running")


class Message(models.Model):
    """What one send step sent (or why it did not) to one enrolment: at most one per step."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="messages", verbose_name=_("enrolment")
    )
    step = models.ForeignKey(JourneyStep, on_delete=models.PROTECT, related_name="messages", verbose_name=_("step"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    channel = models.CharField(
        pgettext_lazy("marketing message", "channel"), max_length=20, choices=MarketingChannel.choices
    )
    token = models.CharField(_("tracking token"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default="pending")
    skip_reason = models.CharField(_("skipped because"), max_length=20, choices=SkipReason.choices, blank=True)
    held_for_quiet_hours = models.BooleanField(_("held for quiet hours"), default=False)
    voucher = models.ForeignKey(
        Voucher, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("voucher")
    )
    payload = models.JSONField(_("content"), default=dict, blank=True)
    answer = models.JSONField(_("channel's answers"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"))
    # Set when the message is handed to the sending queue (a message held for quiet hours is not yet).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("journey message")
        verbose_name_plural = _("journey messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="message_once_per_enrolment_step"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_valid"),
            models.CheckConstraint(
                condition=Q(status="skipped", skip_reason__gt="") | (~Q(status="skipped") & Q(skip_reason="")),
                name="message_skipped_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "sent_at"], name="message_customer_sent_at"),
            models.Index(fields=["status", "claimed_at"], name="message_status_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.step}"


class VoucherIssue(models.Model):
    """What one voucher step gave one enrolment: a code, or the reason none was issued."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="voucher_issues", verbose_name=_("enrolment")
    )
    step = models.ForeignKey(JourneyStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("step"))
    voucher = models.OneToOneField(
        Voucher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journey_issue",
        verbose_name=_("voucher"),
    )
    skip_reason = models.CharField(_("not issued because"), max_length=20, choices=SkipReason.choices, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("journey voucher")
        verbose_name_plural = _("journey vouchers")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="voucherissue_once_per_enrolment_step"),
            models.CheckConstraint(
                condition=Q(voucher__isnull=False, skip_reason="") | Q(voucher__isnull=True, skip_reason__gt=""),
                name="voucherissue_code_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.voucher or self.get_skip_reason_display())


class MessageClick(models.Model):
    """One click on a message's tracked link."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="clicks", verbose_name=_("message"))
    clicked_at = models.DateTimeField(_("clicked at"))
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        ordering = ["-clicked_at", "-pk"]
        indexes = [models.Index(fields=["shop", "clicked_at"], name="messageclick_shop_clicked_at")]

    def __str__(self) -> str:
        return f"{self.message_id} · {self.clicked_at:%Y-%m-%d %H:%M}"


class Attribution(models.Model):
    """An order credited to the journey message that brought it: once per order."""

    class Via(models.TextChoices):
        CLICK = "click", _("Click within the window")
        TOKEN = "token", _("Order named the message")
        VOUCHER = "voucher", _("Used the message's voucher")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="attributions", verbose_name=_("message")
    )
    order_ref = models.CharField(_("order"), max_length=64)
    revenue = MoneyField(_("revenue"))
    voucher_cost = MoneyField(_("voucher cost"), default=ZERO)
    via = models.CharField(_("attributed by"), max_length=10, choices=Via.choices)
    ordered_at = models.DateTimeField(_("ordered at"))

    class Meta:
        verbose_name = _("attributed order")
        verbose_name_plural = _("attributed orders")
        ordering = ["-ordered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_ref"], name="attribution_once_per_order"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="attribution_revenue_not_negative"),
            models.CheckConstraint(condition=Q(voucher_cost__gte=0), name="attribution_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.order_ref
