"""Customer profiles, addresses, consent, behaviour events, purchase facts, segments and their audit rows."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sellercenter.formatting import format_datetime
from sellercenter.models import ApiKey, Shop
from sellercenter.money import MoneyField


class Channel(models.TextChoices):
    """Where a shop sells and meets its customers (also the sales channel of an order)."""

    WEBSITE = "website", _("Website")
    APP = "app", _("App")
    FANPAGE = "fanpage", _("Fanpage")
    MARKETPLACE = "marketplace", _("Marketplace")
    POS = "pos", _("Shop counter (POS)")
    SHOPEE = "shopee", _("Shopee")
    LAZADA = "lazada", _("Lazada")
    TIKTOK_SHOP = "tiktok_shop", _("TikTok Shop")
    CHAT = "chat", _("Chat (Zalo, Messenger)")
    # "Phone" alone is also a column of phone numbers: the channel has a context of its own.
    PHONE = "phone", pgettext_lazy("sales channel", "Phone")


# Where a customer came from: any sales channel, or a referral by another customer.
AcquisitionChannel = models.TextChoices(
    "AcquisitionChannel",
    [*((member.name, (member.value, member.label)) for member in Channel), ("REFERRAL", ("referral", _("Referral")))],
)


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class JourneyStage(models.TextChoices):
    """Where the customer stands in the journey; the rules are in customers.journey_stages."""

    AWARENESS = "awareness", _("Awareness")
    CONSIDERATION = "consideration", _("Consideration")
    PURCHASE = "purchase", _("Purchase")
    RETENTION = "retention", _("Retention")
    ADVOCACY = "advocacy", _("Advocacy")


class MarketingChannel(models.TextChoices):
    """Channels marketing may be sent on, each with its own consent."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")
    WEB_PUSH = "web_push", _("Web push")


class CustomerQuerySet(models.QuerySet):
    def current(self):
        """Profiles that still stand for a person: not merged into another one, not erased."""
        return self.filter(merged_into__isnull=True, erased_at__isnull=True)


# What a person tells the shop about themselves: set by upserts, imports and the admin, and shown
# back (or exported, or erased) as one set.
PROFILE_FIELDS = (
    "full_name",
    "email",
    "phone",
    "gender",
    "birth_date",
    "acquisition_channel",
    "acquisition_source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "referred_by",
    "note",
)


class Customer(models.Model):
    """A shop's customer, as known from every channel the shop sells on."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="customers", verbose_name=_("shop"))
    # NULL, not "", for "no id": the unique constraint then allows many customers without one.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"), max_length=100, null=True, blank=True, help_text=_("The storefront's id for the customer.")
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +84912345678."))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    acquisition_channel = models.CharField(
        _("acquisition channel"), max_length=20, choices=AcquisitionChannel.choices, blank=True
    )
    acquisition_source = models.CharField(
        _("acquisition source"), max_length=100, blank=True, help_text=_("E.g. Shopee, a Facebook ad, a KOL.")
    )
    utm_source = models.CharField(_("UTM source"), max_length=100, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=100, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=100, blank=True)
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    note = models.TextField(_("note"), blank=True)
    # Purchase facts, kept by customers.services when orders records a purchase.
    # A context of its own: "orders" alone is the orders app's model name ("đơn hàng"), not a count.
    orders_count = models.PositiveIntegerField(pgettext_lazy("customer profile", "orders"), default=0)
    discounted_orders_count = models.PositiveIntegerField(_("orders with a discount"), default=0)
    total_spent = MoneyField(_("total spent"), default=Decimal("0"))
    first_order_at = models.DateTimeField(_("first order at"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order at"), null=True, blank=True)
    journey_stage = models.CharField(
        _("journey stage"), max_length=20, choices=JourneyStage.choices, default=JourneyStage.AWARENESS
    )
    journey_stage_changed_at = models.DateTimeField(_("journey stage changed at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_profiles",
        verbose_name=_("merged into"),
    )
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("merge_customer", _("Can merge duplicate customers")),
            ("export_customer", _("Can export a customer's personal data")),
            ("erase_customer", _("Can erase a customer's personal data")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="customer_unique_shop_external_id"),
            models.CheckConstraint(condition=models.Q(total_spent__gte=0), name="customer_total_spent_not_negative"),
            models.CheckConstraint(
                condition=models.Q(discounted_orders_count__lte=models.F("orders_count")),
                name="customer_discounted_orders_within_orders",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "email"], name="customer_shop_email"),
            models.Index(fields=["shop", "phone"], name="customer_shop_phone"),
            models.Index(fields=["shop", "journey_stage"], name="customer_shop_stage"),
            models.Index(fields=["shop", "last_order_at"], name="customer_shop_last_order"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"


class CustomerTag(models.Model):
    """A free label staff or imports put on a customer (e.g. "khách sỉ", "VIP")."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags", verbose_name=_("customer"))
    name = models.CharField(_("tag"), max_length=50)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="customertag_unique_customer_name")]
        indexes = [models.Index(fields=["shop", "name"], name="customertag_shop_name")]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """A delivery address. Since the 2025 reform many addresses have a ward and a province only."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    label = models.CharField(_("label"), max_length=50, blank=True, help_text=_("E.g. Home, Office."))
    recipient_name = models.CharField(_("recipient"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, e.g. +84912345678."))
    street = models.CharField(_("street address"), max_length=255, help_text=_("House number, street, hamlet."))
    ward = models.CharField(_("ward / commune"), max_length=100)
    district = models.CharField(_("district"), max_length=100, blank=True)
    province = models.CharField(_("province / city"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_default=True), name="address_one_default_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.street, self.ward, self.district, self.province) if part)


class ConsentRecord(models.Model):
    """One grant or withdrawal of marketing consent on one channel. Never changed: the history is the proof.

    The customer's consent on a channel at a moment is the latest record at or before it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consent_records", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=MarketingChannel.choices)
    granted = models.BooleanField(_("granted"), help_text=_("Granted, or withdrawn when unticked."))
    recorded_at = models.DateTimeField(_("given at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=100, help_text=_("Where the customer said so: checkout form, sign-up, hotline...")
    )
    wording_version = models.CharField(
        _("wording version"),
        max_length=50,
        blank=True,
        help_text=_("The version of the consent text the customer agreed to (required for a grant)."),
    )
    evidence = models.JSONField(
        _("evidence"), default=dict, blank=True, help_text=_("E.g. IP address, user agent, page URL.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["customer", "channel", "recorded_at"], name="consent_customer_channel_at")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {_('granted') if self.granted else _('withdrawn')}"


class EventType(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    PRODUCT_VIEW = "product_view", _("Product view")
    SEARCH = "search", _("Search")
    ADD_TO_CART = "add_to_cart", _("Added to cart")
    REMOVE_FROM_CART = "remove_from_cart", _("Removed from cart")
    ADD_TO_WISHLIST = "add_to_wishlist", _("Added to wishlist")
    CHECKOUT_STARTED = "checkout_started", _("Checkout started")
    ORDER_PLACED = "order_placed", _("Order placed")
    SIGNED_UP = "signed_up", _("Signed up")
    EMAIL_OPENED = "email_opened", _("E-mail opened")
    EMAIL_CLICKED = "email_clicked", _("E-mail link clicked")
    PUSH_CLICKED = "push_clicked", _("Push notification clicked")
    ZALO_MESSAGE_OPENED = "zalo_opened", _("Zalo message opened")
    REVIEW_POSTED = "review_posted", _("Review posted")
    REFERRAL_SENT = "referral_sent", _("Referral sent")
    CHAT_STARTED = "chat_started", _("Chat started")


class CustomerEvent(models.Model):
    """Something a (possibly still anonymous) visitor did, as reported by a storefront."""

    # No index of their own: the indexes below start with each, and every index is written for each
    # event and weighed when a query on the events is planned, once per partition.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        verbose_name=_("customer"),
    )
    # The storefront's customer id as sent: an event may arrive before its customer does.
    customer_external_id = models.CharField(_("customer external id"), max_length=100, blank=True)
    anonymous_id = models.CharField(_("anonymous id"), max_length=100, blank=True)
    session_id = models.CharField(_("session id"), max_length=100, blank=True)
    event_id = models.CharField(_("event id"), max_length=100)
    type = models.CharField(_("type"), max_length=30, choices=EventType.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        ordering = ["-occurred_at", "-pk"]
        # On PostgreSQL the table is partitioned by month of `occurred_at` (migration 0006), so an event id
        # is unique per shop through CustomerEventKey: a partitioned table's unique index would have to
        # include the month.
        indexes = [
            models.Index(fields=["customer", "type", "occurred_at"], name="event_customer_type_at"),
            models.Index(fields=["shop", "occurred_at"], name="event_shop_occurred_at"),
            models.Index(fields=["shop", "anonymous_id"], name="event_shop_anonymous_id"),
            models.Index(fields=["shop", "customer_external_id"], name="event_shop_customer_ext_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {format_datetime(self.occurred_at)}"


class CustomerEventKey(models.Model):
    """An event id a shop has already stored: what makes a retried or repeated event a duplicate,
    whatever month it falls in. Ingestion inserts keys first and stores only the events whose key was new."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "event_id"], name="eventkey_unique_shop_event_id")]
        indexes = [models.Index(fields=["occurred_at"], name="eventkey_occurred_at")]

    def __str__(self) -> str:
        return self.event_id


class AnonymousIdentity(models.Model):
    """An anonymous storefront id (cookie, device) known to belong to a customer, from identify calls."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    anonymous_id = models.CharField(_("anonymous id"), max_length=100)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="anonymous_identities", verbose_name=_("customer")
    )
    identified_at = models.DateTimeField(_("identified at"), default=timezone.now)

    class Meta:
        verbose_name = _("anonymous identity")
        verbose_name_plural = _("anonymous identities")
        constraints = [
            models.UniqueConstraint(fields=["shop", "anonymous_id"], name="anonymousidentity_unique_shop_id"),
        ]

    def __str__(self) -> str:
        return self.anonymous_id


class CustomerPurchase(models.Model):
    """One order as the customer's purchase facts counted it; the windowed segment rules and the
    cohort metrics read these. A reversal marks the row instead of deleting it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="purchases", verbose_name=_("customer")
    )
    amount = MoneyField(_("amount"))
    ordered_at = models.DateTimeField(_("ordered at"))
    discounted = models.BooleanField(_("with a discount"), default=False)
    reference = models.CharField(_("order reference"), max_length=100, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-ordered_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="customerpurchase_amount_not_negative"),
            models.UniqueConstraint(
                fields=["shop", "reference"], condition=~models.Q(reference=""), name="customerpurchase_unique_ref"
            ),
        ]
        indexes = [models.Index(fields=["customer", "ordered_at"], name="purchase_customer_ordered_at")]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"


class CustomerMerge(models.Model):
    """A duplicate profile folded into another one: what the source looked like and what moved."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    target = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges_received", verbose_name=_("kept profile")
    )
    source = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        related_name="merges_given",
        verbose_name=_("merged profile"),
    )
    source_snapshot = models.JSONField(_("merged profile's data"), default=dict)
    moved = models.JSONField(_("moved rows"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.source_id} → #{self.target_id}"


class PersonalDataRequest(models.Model):
    """A customer's request to export or erase their personal data, and the audit row of carrying it out.

    Staff record a request received (by phone, e-mail, at the counter) as open; carrying out the export
    or erasure (customers.services.rights) completes the customer's open requests of that kind, or
    records a completed one when nothing was open."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASE = "erase", _("Erasure")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        related_name="personal_data_requests",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    requested_by = models.ForeignKey(
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
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("carried out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["shop"], condition=models.Q(completed_at__isnull=True), name="personaldatarequest_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.customer_id}"


class BuiltinSegment(models.TextChoices):
    """The segments every shop starts with, from the seller playbooks (rules in customers.segment_rules)."""

    BROWSERS = "browsers", _("Browsers (viewed, never bought)")
    RESEARCHERS = "researchers", _("Researchers (many views or searches, no order yet)")
    BUYERS = "buyers", _("Buyers")
    REPEAT_BUYERS = "repeat_buyers", _("Repeat buyers")
    AT_RISK = "at_risk", _("At risk (no order for 60 days)")
    BARGAIN_HUNTERS = "bargain_hunters", _("Bargain hunters (orders mostly with a discount)")


class Segment(models.Model):
    """A saved group of customers, defined by rules (evaluated by customers.selectors)."""

    class Match(models.TextChoices):
        ALL = "all", _("all rules")
        ANY = "any", _("any rule")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="segments", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    rules = models.JSONField(_("rules"), default=list, blank=True)
    builtin = models.CharField(_("built-in"), max_length=30, choices=BuiltinSegment.choices, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="segment_unique_shop_name"),
            models.UniqueConstraint(
                fields=["shop", "builtin"], condition=~models.Q(builtin=""), name="segment_unique_shop_builtin"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PushSubscription(models.Model):
    """A browser's Web Push subscription (RFC 8030): where to post, and the keys to encrypt for it (RFC 8291).

    Registered by the storefront for a customer, or for an anonymous id that identify later ties to one."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="push_subscriptions",
        verbose_name=_("customer"),
    )
    anonymous_id = models.CharField(_("anonymous id"), max_length=100, blank=True)
    endpoint = models.URLField(_("endpoint"), max_length=1000)
    p256dh = models.CharField(_("public key (p256dh)"), max_length=200)
    auth = models.CharField(_("auth secret"), max_length=100)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "endpoint"], name="pushsubscription_unique_shop_endpoint"),
        ]
        indexes = [
            models.Index(fields=["shop", "anonymous_id"], name="pushsub_shop_anonymous_id"),
        ]

    def __str__(self) -> str:
        return self.endpoint[:60]


class DeliveredLine(models.Model):
    """An order line the customer received: what they may rate and review (told by orders at delivery)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="delivered_lines", verbose_name=_("customer")
    )
    order_ref = models.CharField(_("order"), max_length=64)
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("product"), max_length=255)
    delivered_at = models.DateTimeField(_("delivered at"))

    class Meta:
        verbose_name = _("delivered line")
        verbose_name_plural = _("delivered lines")
        ordering = ["-delivered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_ref", "sku"], name="deliveredline_unique_order_sku"),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} · {self.sku}"


class Review(models.Model):
    """A customer's rating (1-5) and comment on a delivered order line, with the shop's public reply.

    Never deleted by the shop: a bad review is answered, not removed."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    line = models.OneToOneField(
        DeliveredLine, on_delete=models.PROTECT, related_name="review", verbose_name=_("order line")
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("customer"))
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    reply = models.TextField(_("shop's reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["shop", "created_at"], name="review_shop_created_at")]

    def __str__(self) -> str:
        return f"{self.rating}★ · {self.line}"
