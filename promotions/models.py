"""Campaigns with dates and a budget, their voucher codes, and the redemptions that spend the budget.

A campaign's status is never stored: it is derived from its dates, its budget and usage counters and
its pause/end marks (`Campaign.status_at` in Python, `CampaignQuerySet.with_status` in SQL), so it
cannot drift from the facts.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Customer, Segment
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
