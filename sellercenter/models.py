"""The shared kernel's tables: shops, staff and roles, API keys, idempotency keys, the outbox, the audit log."""

import re
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sellercenter.money import Currency, MoneyField


@cache
def _time_zones() -> frozenset[str]:
    # zoneinfo reads the time-zone database's folder on every call: tens of milliseconds per shop saved.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Shop(models.Model):
    """A seller's shop. Every row of every app belongs to exactly one shop."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.VND)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Ho_Chi_Minh", validators=[validate_time_zone]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Operating settings the other apps read.
    handling_days = models.PositiveSmallIntegerField(
        _("handling days"),
        default=2,
        validators=[MaxValueValidator(30)],
        help_text=_("Working days to hand a confirmed order to the carrier (the ship-by deadline)."),
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=7,
        validators=[MaxValueValidator(90)],
        help_text=_("Days after delivery during which the customer may ask for a return."),
    )
    payment_timeout_minutes = models.PositiveIntegerField(
        _("payment timeout (minutes)"),
        default=60,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("A prepaid order still unpaid after this long is cancelled."),
    )
    order_prefix = models.CharField(
        _("order number prefix"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^[A-Z0-9]*$", _("Use capital letters and digits only."))],
        help_text=_("Orders are numbered <prefix>-00001, -00002, ...; empty: the initials of the slug."),
    )
    refund_days = models.PositiveSmallIntegerField(
        _("refund deadline (days)"),
        default=7,
        validators=[MaxValueValidator(60)],
        help_text=_("Days within which a refund owed to a customer must be paid back."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(handling_days__lte=30), name="shop_handling_days_lte_30"),
            models.CheckConstraint(
                condition=models.Q(return_window_days__lte=90), name="shop_return_window_days_lte_90"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def number_prefix(self) -> str:
        """The prefix of the shop's order numbers: its setting, else the initials of its slug."""
        initials = "".join(part[0] for part in re.split(r"[-_]", self.slug) if part)[:4].upper()
        return self.order_prefix or initials or "SC"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    """A staff member's role in one shop. Each role's permissions are the Django group of the same name."""

    OWNER = "owner", _("Owner")
    OPERATIONS = "operations", _("Operations")
    MARKETING = "marketing", _("Marketing")
    ACCOUNTANT = "accountant", _("Accountant")


class Membership(models.Model):
    """A staff user's role in one shop. A user may belong to several shops, with one role in each."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("shop"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="membership_unique_user_shop"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.shop} · {self.get_role_display()}"


class ApiScope(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront (customers, events, carts, orders)")
    BACK_OFFICE = "back_office", _("Back office (carriers, ERP, staff tools)")


class ApiKey(models.Model):
    """A shop's API key. Only a SHA-256 hash of the secret is stored; the secret is shown once."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=100)
    # The public, non-secret start of the key: finds the row without scanning hashes.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyKey(models.Model):
    """The first answer to a request made with an Idempotency-Key, written in the same transaction as
    the work it answers, so a retry can replay it instead of doing the work again."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="idempotency_unique_shop_key")]

    def __str__(self) -> str:
        return self.key


class ActorKind(models.TextChoices):
    """Who made a change (sellercenter.actor): the order pipeline says which kinds may make each transition."""

    STAFF = "staff", _("Shop staff")
    CUSTOMER = "customer", _("Customer")
    CARRIER = "carrier", _("Carrier")
    GATEWAY = "gateway", _("Payment gateway")
    SYSTEM = "system", _("System")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DISPATCHED = "dispatched", _("Handed to a worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    DEAD = "dead", _("Failed (dead letter)")


class OutboxMessage(models.Model):
    """A side effect of a write (an e-mail, an export, a webhook...), recorded in the same transaction
    as the write and run later by a worker through sellercenter.outbox. Its key makes the same effect
    recorded once; its status, attempts and last error show what happened to it."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("shop")
    )
    key = models.CharField(_("key"), max_length=255, unique=True)
    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    queue = models.CharField(_("queue"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, editable=False
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    available_at = models.DateTimeField(_("next attempt at"), default=timezone.now, editable=False)
    dispatched_at = models.DateTimeField(_("handed to a worker at"), null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_status_available")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_valid"),
        ]

    def __str__(self) -> str:
        return self.key


class ShopDayRollup(models.Model):
    """One shop's figures for one local day, kept by `sellercenter.insights.rollups`, so the home and
    the insights API read a handful of rows per day instead of every order, event and line.

    Every column can be recomputed from the source rows (`manage.py rollups_rebuild`). Counts of
    sessions are per local day: a visit across midnight counts on both days."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    day = models.DateField(_("day"))
    orders = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    sales = MoneyField(default=0)
    discounts = MoneyField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    delivered_on_time = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    preparation_seconds = models.BigIntegerField(default=0)
    prepared = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    product_view_sessions = models.PositiveIntegerField(default=0)
    cart_sessions = models.PositiveIntegerField(default=0)
    checkout_sessions = models.PositiveIntegerField(default=0)
    order_sessions = models.PositiveIntegerField(default=0)
    abandoned_cart_sessions = models.PositiveIntegerField(default=0)
    purchases = models.PositiveIntegerField(default=0)
    first_purchases = models.PositiveIntegerField(default=0)
    campaign_cost = MoneyField(default=0)
    campaign_revenue = MoneyField(default=0)
    fee_lines = models.PositiveIntegerField(default=0)
    fees = MoneyField(default=0)
    # Reviews posted that day: how many, the sum of their ratings, how many rated low (1-2 stars).
    reviews = models.PositiveIntegerField(default=0)
    rating_total = models.PositiveIntegerField(default=0)
    low_reviews = models.PositiveIntegerField(default=0)
    # {"website": {"orders": 3, "sales": "450000"}, ...}, {"Gold": "1250000", "": "..."}
    by_channel = models.JSONField(default=dict)
    by_tier = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="shopdayrollup_unique_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} · {self.day}"


class ProductDayRollup(models.Model):
    """Units and sales of one SKU in one shop on one local day, of orders kept (confirmed, not cancelled)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    day = models.DateField(_("day"))
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    quantity = models.PositiveIntegerField(default=0)
    sales = MoneyField(default=0)

    class Meta:
        verbose_name = _("daily product figures")
        verbose_name_plural = _("daily product figures")
        constraints = [models.UniqueConstraint(fields=["shop", "day", "sku"], name="productdayrollup_unique")]
        indexes = [models.Index(fields=["shop", "day"], name="productdayrollup_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} · {self.day} · {self.sku}"


class RollupCursor(models.Model):
    """Up to when each shop's changed rows were folded into its rollups: the refresh job starts there."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="+")
    changes_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.shop_id} · {self.changes_until}"


class ActorRecord(models.Model):
    """Who made a change, on a row that records one (an audit entry, an order event, a stock movement, a
    points entry, a tier change): the kind of actor and, for staff and API keys, which one
    (sellercenter.actor)."""

    actor_kind = models.CharField(_("by"), max_length=10, choices=ActorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API key")
    )

    class Meta:
        abstract = True

    @property
    def actor_shown(self):
        """Who made the change, as lists show it: the staff member or the API key, else the kind
        ("System")."""
        return self.user or self.api_key or self.get_actor_kind_display()


class AuditAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("audit action", "Created")
    UPDATE = "update", pgettext_lazy("audit action", "Changed")
    DELETE = "delete", pgettext_lazy("audit action", "Deleted")
    PUBLISH = "publish", pgettext_lazy("audit action", "Published")
    PAUSE = "pause", pgettext_lazy("audit action", "Paused")
    RESUME = "resume", pgettext_lazy("audit action", "Resumed")
    END = "end", pgettext_lazy("audit action", "Ended")
    REVOKE = "revoke", pgettext_lazy("audit action", "Revoked")


class AuditEntry(ActorRecord):
    """One change to a setting that shapes money or access: who, when, which object, old -> new.

    Written by the service that makes the change, in its transaction (sellercenter.audit), and never
    changed afterwards. `actor_label` keeps who it was when the user or key is later deleted."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("shop"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("object type")
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    # {field: [old, new]}: old is null for a creation, new is null for a deletion.
    changes = models.JSONField(_("changes"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["shop", "-at"], name="audit_shop_at"),
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="audit_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.object_repr} · {self.get_action_display()}"
