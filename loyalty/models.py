"""Membership tiers, programme settings, loyalty accounts and the points ledger.

The ledger is append-only: `PointsEntry` rows are never changed or deleted. Every entry says how it
moved each of the account's three balances (pending, available, debt), so each cached balance on
`LoyaltyAccount` must equal the sum of its column over the account's entries (`loyalty_check`).
Available points live in `PointsLot`s (one per credit, with its expiry); redemptions, clawbacks,
expiry and debt settlement consume lots soonest-expiring first and record each use in `PointsLotUse`,
so a cancelled order's points can go back to the very lots they came from.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from sellercenter.models import ActorRecord, Shop
from sellercenter.money import MoneyField


class Tier(models.Model):
    """One of a shop's five membership tiers, rank 1 (lowest) to 5."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("shop"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    name = models.CharField(_("name"), max_length=100)
    threshold = MoneyField(
        _("qualification threshold"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Spend (or points) needed in the window."),
    )
    earn_multiplier = models.DecimalField(
        _("earn multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["shop", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "rank"], name="tier_unique_shop_rank"),
            models.CheckConstraint(condition=models.Q(rank__gte=1, rank__lte=5), name="tier_rank_1_to_5"),
            models.CheckConstraint(condition=models.Q(threshold__gte=0), name="tier_threshold_not_negative"),
            models.CheckConstraint(condition=models.Q(earn_multiplier__gt=0), name="tier_earn_multiplier_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"


class QualificationBasis(models.TextChoices):
    SPEND = "spend", _("Spend")
    POINTS = "points", _("Points earned")


class QualificationWindow(models.TextChoices):
    ROLLING_365 = "rolling_365", _("Rolling 365 days")
    CALENDAR_YEAR = "calendar_year", _("Calendar year")


class ProgrammeSettings(models.Model):
    """A shop's loyalty programme rules. Created with the shop, one per shop.

    The return window is not stored here: points stay pending until the order completes, which the
    orders app decides from the shop's own `return_window_days`."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="loyalty_programme", verbose_name=_("shop")
    )
    qualification_basis = models.CharField(
        _("qualification basis"), max_length=10, choices=QualificationBasis.choices, default=QualificationBasis.SPEND
    )
    qualification_window = models.CharField(
        _("qualification window"),
        max_length=20,
        choices=QualificationWindow.choices,
        default=QualificationWindow.ROLLING_365,
    )
    spend_per_point = MoneyField(
        _("spend per point"),
        default=Decimal("1000"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Amount paid (excluding shipping and discounts) that earns one point at multiplier 1."),
    )
    point_value = MoneyField(
        _("value of a point"),
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("What one point is worth when it is redeemed."),
    )
    max_redemption_percent = models.DecimalField(
        _("maximum share of an order paid with points (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    points_lifetime_months = models.PositiveSmallIntegerField(
        _("points lifetime (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Points expire this many months after they become available."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty programme")
        verbose_name_plural = _("loyalty programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(spend_per_point__gt=0), name="programme_spend_per_point_positive"
            ),
            models.CheckConstraint(condition=models.Q(point_value__gt=0), name="programme_point_value_positive"),
            models.CheckConstraint(
                condition=models.Q(max_redemption_percent__gte=0, max_redemption_percent__lte=100),
                name="programme_max_redemption_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=models.Q(points_lifetime_months__gte=1, points_lifetime_months__lte=120),
                name="programme_points_lifetime_1_to_120",
            ),
            models.CheckConstraint(
                condition=models.Q(qualification_basis__in=QualificationBasis.values),
                name="programme_qualification_basis_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(qualification_window__in=QualificationWindow.values),
                name="programme_qualification_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.shop)


class LoyaltyAccount(models.Model):
    """A customer's membership: tier, member code and the cached balances of the ledger."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="loyalty_accounts", verbose_name=_("shop"))
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="loyalty_account", verbose_name=_("customer")
    )
    member_code = models.CharField(_("member code"), max_length=20, unique=True, editable=False)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("tier"))
    tier_reached_at = models.DateTimeField(_("tier reached at"), default=timezone.now)
    tier_kept_until = models.DateTimeField(
        _("tier kept until"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("End of the period after the one in which the tier was reached; re-evaluated then."),
    )
    tier_floor = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manual tier floor"),
        help_text=_("Set by staff: the account never goes below this tier."),
    )
    tier_floor_reason = models.CharField(_("reason for the tier floor"), max_length=300, blank=True)
    pending_points = models.IntegerField(_("pending points"), default=0)
    available_points = models.IntegerField(_("available points"), default=0)
    debt_points = models.IntegerField(
        _("points owed"), default=0, help_text=_("Clawed-back points the balance could not cover; netted later.")
    )
    lifetime_points = models.IntegerField(_("points earned (lifetime)"), default=0)
    qualifying_amount = MoneyField(_("qualifying amount in the window"), default=Decimal("0"))
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")
        constraints = [
            models.CheckConstraint(condition=models.Q(pending_points__gte=0), name="account_pending_not_negative"),
            models.CheckConstraint(condition=models.Q(available_points__gte=0), name="account_available_not_negative"),
            models.CheckConstraint(condition=models.Q(debt_points__gte=0), name="account_debt_not_negative"),
            models.CheckConstraint(condition=models.Q(lifetime_points__gte=0), name="account_lifetime_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_code} · {self.customer}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned (pending)")
    RELEASE = "release", _("Released")
    REDEEM = "redeem", _("Redeemed")
    REDEEM_REVERSAL = "redeem_reversal", _("Redemption reversed")
    CLAWBACK = "clawback", _("Clawed back (refund)")
    EXPIRE = "expire", _("Expired")
    DEBT_SETTLEMENT = "debt_settlement", _("Netted against points owed")
    ADJUSTMENT = "adjustment", _("Manual adjustment")


# An order gets at most one entry of each of these kinds (clawbacks may be several: partial refunds).
ONCE_PER_ORDER_KINDS = [EntryKind.EARN, EntryKind.RELEASE, EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL]


class PointsEntry(ActorRecord):
    """One movement of points. Append-only: never updated, never deleted. Who made it is recorded the
    kernel's way (`Actor.record_fields()`): the staff member, the API key, or a system job."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    account = models.ForeignKey(
        LoyaltyAccount, on_delete=models.CASCADE, related_name="entries", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    pending_delta = models.IntegerField(_("pending"), default=0)
    available_delta = models.IntegerField(_("available"), default=0)
    debt_delta = models.IntegerField(_("owed"), default=0)
    source = models.CharField(_("source"), max_length=120, help_text=_("What caused it, e.g. order:SC-000123."))
    amount = MoneyField(
        _("amount"), null=True, blank=True, help_text=_("Order amount, refund amount or redeemed value.")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["account", "kind", "occurred_at"], name="entry_account_kind_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "kind"],
                condition=models.Q(kind__in=ONCE_PER_ORDER_KINDS),
                name="entry_once_per_order_and_kind",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=EntryKind.values), name="entry_kind_valid"),
            # A clawback may move nothing: a small refund that rounds to 0 points still counts later.
            models.CheckConstraint(
                condition=models.Q(kind=EntryKind.CLAWBACK)
                | ~models.Q(pending_delta=0, available_delta=0, debt_delta=0),
                name="entry_moves_points",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=EntryKind.ADJUSTMENT) | ~models.Q(reason=""),
                name="entry_adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=EntryKind.EARN) | models.Q(pending_delta__gt=0, available_delta=0),
                name="entry_earn_adds_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=[EntryKind.REDEEM, EntryKind.EXPIRE])
                | models.Q(available_delta__lt=0, pending_delta=0, debt_delta=0),
                name="entry_redeem_expire_take_available",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.source}"

    @property
    def points(self) -> int:
        """The entry's effect on what the customer holds: pending plus available, less what is owed
        (ENTRY_POINTS computes the same in a query)."""
        return self.pending_delta + self.available_delta - self.debt_delta


# PointsEntry.points computed by the database, for pages built from query rows.
ENTRY_POINTS = models.F("pending_delta") + models.F("available_delta") - models.F("debt_delta")


class PointsLot(models.Model):
    """Points that became available together and expire together."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    account = models.ForeignKey(
        LoyaltyAccount, on_delete=models.CASCADE, related_name="lots", verbose_name=_("account")
    )
    entry = models.ForeignKey(PointsEntry, on_delete=models.CASCADE, related_name="lots", verbose_name=_("credited by"))
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("remaining"))
    available_at = models.DateTimeField(_("available from"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        indexes = [
            models.Index(fields=["account", "expires_at"], name="lot_account_expiry"),
            models.Index(fields=["expires_at"], condition=models.Q(remaining__gt=0), name="lot_unconsumed_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="lot_points_positive"),
            models.CheckConstraint(condition=models.Q(remaining__gte=0), name="lot_remaining_not_negative"),
            models.CheckConstraint(
                condition=models.Q(remaining__lte=models.F("points")), name="lot_remaining_within_points"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("available_at")), name="lot_expires_after_available"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points}"


class PointsLotUse(models.Model):
    """How many points an entry took from a lot (a redemption reversal puts exactly these back)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    entry = models.ForeignKey(PointsEntry, on_delete=models.CASCADE, related_name="lot_uses")
    lot = models.ForeignKey(PointsLot, on_delete=models.CASCADE, related_name="uses")
    points = models.PositiveIntegerField(_("points"))

    class Meta:
        verbose_name = _("points lot use")
        verbose_name_plural = _("points lot uses")
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="lot_use_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.points}"


class SpendKind(models.TextChoices):
    SPEND = "spend", _("Qualifying spend")
    REVERSAL = "reversal", _("Reversal (refund)")


class QualifyingSpend(models.Model):
    """Spend that counts towards a tier, dated, so any window can be summed afterwards."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    account = models.ForeignKey(
        LoyaltyAccount, on_delete=models.CASCADE, related_name="qualifying_spend", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SpendKind.choices)
    order_ref = models.CharField(_("order"), max_length=60)
    amount = MoneyField(_("amount"), help_text=_("Positive for spend, negative for a reversal."))
    occurred_at = models.DateTimeField(_("when"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("qualifying spend")
        verbose_name_plural = _("qualifying spend")
        indexes = [models.Index(fields=["account", "occurred_at"], name="spend_account_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "order_ref"],
                condition=models.Q(kind=SpendKind.SPEND),
                name="spend_once_per_order",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=SpendKind.SPEND, amount__gt=0)
                | models.Q(kind=SpendKind.REVERSAL, amount__lt=0),
                name="spend_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} {self.amount}"


class TierChangeReason(models.TextChoices):
    ENROLMENT = "enrolment", _("Enrolment")
    UPGRADE = "upgrade", _("Upgrade")
    DOWNGRADE = "downgrade", _("Downgrade at the end of the period")
    MANUAL = "manual", _("Manual tier floor")


class TierChange(ActorRecord):
    """The history of an account's tier: every change, and every manual floor set by staff, with who
    made it (the staff member, the API key, or a system job)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    account = models.ForeignKey(
        LoyaltyAccount, on_delete=models.CASCADE, related_name="tier_changes", verbose_name=_("account")
    )
    from_tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    reason = models.CharField(_("reason"), max_length=20, choices=TierChangeReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=TierChangeReason.values), name="tier_change_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_tier} → {self.to_tier}"
