"""The shared kernel's tables: shops, staff memberships with roles, API keys, idempotency keys."""

import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellercenter.money import Currency


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
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
