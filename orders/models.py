"""Products and their stock, orders with their lines and events, payments, returns.

The pipeline's statuses are here; which status may follow which, and who may move it, is the table
in orders.pipeline. Counters that must not overrun (stock) are guarded by CheckConstraints as the
last line of defence behind the conditional updates in orders.services.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Channel, Customer
from sellercenter.actor import ActorKind
from sellercenter.models import ActorRecord, Shop
from sellercenter.money import ZERO, MoneyField


class Category(models.Model):
    """A shelf of the shop's catalogue; categories nest (Thời trang nữ > Áo dài) through `parent`."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, help_text=_("Its name in storefront addresses."))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "slug"], name="category_unique_shop_slug")]

    def __str__(self) -> str:
        return self.name


class CatalogueStatus(models.TextChoices):
    ACTIVE = "active", _("For sale")
    ARCHIVED = "archived", _("Archived")


class ProductGroup(models.Model):
    """What a customer sees as one product: its name, description, category and images, sold as
    one or more variants (`variants`, rows of Product, each its own SKU, price and stock).

    `option_names` are the dimensions the variants differ by, in display order (["Màu sắc",
    "Kích cỡ"]); each variant's `options` give its value for each. `search_key` is the name folded
    by sellercenter.text.search_key, written by the catalogue services, so that a search without
    accents finds it on every database."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    option_names = models.JSONField(_("variant options"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CatalogueStatus.choices, default=CatalogueStatus.ACTIVE, editable=False
    )
    search_key = models.CharField(_("search key"), max_length=255, editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("catalogue product")
        verbose_name_plural = _("catalogue products")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["shop", "search_key"], name="productgroup_shop_search")]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """One variant of a catalogue product (or a product on its own), with its SKU, price and its
    stock in the shop's warehouse: what order lines, stock movements and promotions name.

    `stock_on_hand` is what is physically there; `stock_reserved` the part promised to orders not yet
    handed to a carrier. What can still be sold is the difference. Both only change through
    orders.services, each change written as a StockMovement."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products", verbose_name=_("shop"))
    # NULL for a SKU written straight into the table (older code and fixtures do): it still sells,
    # the storefront catalogue just does not list it until it belongs to a catalogue product.
    group = models.ForeignKey(
        ProductGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="variants",
        verbose_name=_("catalogue product"),
    )
    options = models.JSONField(_("option values"), default=dict, blank=True)
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    price = MoneyField(_("price"))
    # NULL: not known (margins leave the SKU out rather than count it as free).
    cost_price = MoneyField(_("cost price"), null=True, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    stock_on_hand = models.PositiveIntegerField(_("stock on hand"), default=0, editable=False)
    stock_reserved = models.PositiveIntegerField(_("reserved"), default=0, editable=False)
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock threshold"),
        default=5,
        help_text=_("The home lists the product as low on stock when this many units or fewer are left to sell."),
    )
    is_active = models.BooleanField(_("for sale"), default=True)
    # What carriers price a parcel by; the defaults fit a folded garment in a small bag.
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=500)
    length_cm = models.PositiveSmallIntegerField(_("length (cm)"), default=20)
    width_cm = models.PositiveSmallIntegerField(_("width (cm)"), default=15)
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), default=5)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("variant (SKU)")
        verbose_name_plural = _("variants (SKU)")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="product_unique_shop_sku"),
            models.UniqueConstraint(
                fields=["shop", "barcode"], condition=~Q(barcode=""), name="product_unique_shop_barcode"
            ),
            models.CheckConstraint(
                condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0), name="product_cost_not_negative"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(stock_on_hand__gte=0), name="product_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(stock_reserved__gte=0), name="product_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(stock_reserved__lte=F("stock_on_hand")), name="product_reserved_within_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    @property
    def stock_available(self) -> int:
        """What is left to sell: on hand, less what orders hold (STOCK_AVAILABLE in a query)."""
        return self.stock_on_hand - self.stock_reserved


# Product.stock_available computed by the database, for pages built from query rows.
STOCK_AVAILABLE = F("stock_on_hand") - F("stock_reserved")


def catalogue_image_path(image: "ProductImage", filename: str) -> str:
    return f"catalogue/{image.shop_id}/{image.group_id}/{filename}"


class ProductImage(models.Model):
    """A picture of a catalogue product, stored under MEDIA_ROOT with a thumbnail made when it was
    uploaded (orders.services.catalogue.product_image_add); `position` orders the gallery."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    group = models.ForeignKey(
        ProductGroup, on_delete=models.CASCADE, related_name="images", verbose_name=_("catalogue product")
    )
    image = models.ImageField(_("image"), upload_to=catalogue_image_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=catalogue_image_path, editable=False)
    width = models.PositiveIntegerField(_("width (px)"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height (px)"), default=0, editable=False)
    alt_text = models.CharField(_("description of the image"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class StockMovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ADJUSTED = "adjusted", _("Adjusted")
    STOCKTAKE = "stocktake", _("Stocktake")
    DAMAGED = "damaged", _("Damaged")
    RESERVED = "reserved", _("Reserved")
    # In a context of its own: loyalty's "Released" (points made spendable) would translate it otherwise.
    RELEASED = "released", pgettext_lazy("stock movement", "Released")
    # Stock leaving the warehouse, not the order status of the same English word.
    SHIPPED = "shipped", pgettext_lazy("stock movement", "Shipped")
    RETURNED = "returned", _("Returned")


class StockMovement(ActorRecord):
    """One change of a product's stock, never edited: the stock's audit trail (and who made it).

    The deltas say what moved: a reservation raises `reserved`, a shipment lowers both counters, a
    count adjustment changes `on hand` only."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements", verbose_name=_("product"))
    kind = models.CharField(_("kind"), max_length=10, choices=StockMovementKind.choices)
    on_hand_delta = models.IntegerField(_("on hand change"), default=0)
    reserved_delta = models.IntegerField(_("reserved change"), default=0)
    order = models.ForeignKey(
        "Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("order")
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["product", "-created_at"], name="stockmove_product_at"),
            models.Index(fields=["shop", "-created_at"], name="stockmove_shop_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.product_id}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    CONFIRMED = "confirmed", _("Confirmed")
    ALLOCATED = "allocated", _("Allocated")
    PICKING = "picking", _("Picking")
    QUALITY_CHECK = "quality_check", _("Quality check")
    PACKED = "packed", _("Packed")
    READY_TO_SHIP = "ready_to_ship", _("Ready to ship")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    RETURNED_TO_SENDER = "returned_to_sender", _("Returned to sender")


# Confirmed but not yet handed to a carrier: these are the orders a ship-by deadline still binds.
AWAITING_HANDOVER = (
    OrderStatus.CONFIRMED,
    OrderStatus.ALLOCATED,
    OrderStatus.PICKING,
    OrderStatus.QUALITY_CHECK,
    OrderStatus.PACKED,
    OrderStatus.READY_TO_SHIP,
)


class PaymentMethod(models.TextChoices):
    COD = "cod", _("Cash on delivery (COD)")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    VNPAY = "vnpay", _("VNPay")
    MOMO = "momo", _("MoMo e-wallet")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash at the counter")
    MARKETPLACE = "marketplace", _("Paid through the marketplace")


class CancelledBy(models.TextChoices):
    SELLER = "seller", _("Seller")
    CUSTOMER = "customer", _("Customer")
    SYSTEM = "system", _("System (payment timeout)")


# The moments of an order's life, in the order they happen: shown together by the admin and the API.
ORDER_DATE_FIELDS = (
    "placed_at",
    "payment_due_at",
    "paid_at",
    "confirmed_at",
    "ship_by_at",
    "shipped_at",
    "delivered_at",
    "return_window_ends_at",
    "completed_at",
    "cancelled_at",
)


class Order(models.Model):
    """A customer's order in one shop, from checkout to completion.

    Amounts, all in `currency` and fixed at checkout:
    `total = subtotal - discount_total + shipping_fee - shipping_discount - points_discount`
    (a constraint checks it). `subtotal` is the gross merchandise value at the products' prices;
    the three discounts are funded by the seller (the shop's own campaigns and loyalty points)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders", verbose_name=_("shop"))
    # Set right after the row is written, from its id: unique without a per-shop counter to lock;
    # NULL (not "") until then, as NULLs never collide in the unique constraint.
    number = models.CharField(_("number"), max_length=20, null=True, editable=False)  # noqa: DJ001
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The order's id on the channel it came from (a Shopee, Lazada or TikTok Shop order id); a re-import
    # of the same marketplace file finds the order by it.
    external_id = models.CharField(_("channel order id"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT, editable=False
    )
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = MoneyField(_("merchandise value"), default=ZERO)
    discount_total = MoneyField(_("promotion discount"), default=ZERO)
    shipping_fee = MoneyField(_("shipping fee"), default=ZERO)
    shipping_discount = MoneyField(_("shipping discount"), default=ZERO)
    points_redeemed = models.PositiveIntegerField(_("points redeemed"), default=0)
    points_discount = MoneyField(_("points discount"), default=ZERO)
    total = MoneyField(_("total"), default=ZERO)
    refunded_amount = MoneyField(_("refunded"), default=ZERO)
    voucher_codes = models.JSONField(_("voucher codes"), default=list, blank=True)
    promotions = models.JSONField(
        _("applied promotions"), default=list, blank=True, help_text=_("What the promotions quote granted.")
    )
    # Contact and delivery details as given at checkout: the customer's profile may change later.
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    customer_email = models.EmailField(_("customer e-mail"), blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_phone = models.CharField(_("phone"), max_length=20)
    street = models.CharField(_("street address"), max_length=255)
    ward = models.CharField(_("ward / commune"), max_length=100)
    district = models.CharField(_("district"), max_length=100, blank=True)
    province = models.CharField(_("province / city"), max_length=100)
    note = models.TextField(_("customer note"), blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    replacement_for = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacements",
        verbose_name=_("replacement for"),
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    payment_due_at = models.DateTimeField(_("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ship_by_at = models.DateTimeField(_("ship by"), null=True, blank=True)
    deliver_by_at = models.DateTimeField(_("deliver by"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("handed to carrier at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    return_window_ends_at = models.DateTimeField(_("return window ends"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=10, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="order_unique_shop_number"),
            models.UniqueConstraint(
                fields=["shop", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="order_unique_shop_channel_external_id",
            ),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(condition=Q(payment_method__in=PaymentMethod.values), name="order_payment_valid"),
            models.CheckConstraint(
                condition=Q(
                    subtotal__gte=0,
                    discount_total__gte=0,
                    shipping_fee__gte=0,
                    shipping_discount__gte=0,
                    points_discount__gte=0,
                    total__gte=0,
                    refunded_amount__gte=0,
                ),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=F("subtotal")
                    - F("discount_total")
                    + F("shipping_fee")
                    - F("shipping_discount")
                    - F("points_discount")
                ),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(condition=Q(refunded_amount__lte=F("total")), name="order_refund_within_total"),
        ]
        indexes = [
            models.Index(fields=["-placed_at"], name="order_placed_at"),
            models.Index(fields=["shop", "-placed_at"], name="order_shop_placed_at"),
            models.Index(fields=["shop", "status", "-placed_at"], name="order_shop_status_placed_at"),
            models.Index(fields=["shop", "channel", "-placed_at"], name="order_shop_channel_placed_at"),
            models.Index(fields=["shop", "payment_method", "-placed_at"], name="order_shop_payment_placed_at"),
            models.Index(fields=["shop", "status", "ship_by_at"], name="order_shop_status_ship_by"),
            models.Index(
                fields=["payment_due_at"],
                condition=Q(status=OrderStatus.PENDING_PAYMENT),
                name="order_unpaid_due",
            ),
            models.Index(
                fields=["return_window_ends_at"],
                condition=Q(status=OrderStatus.DELIVERED),
                name="order_delivered_window",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_prepaid(self) -> bool:
        return self.payment_method != PaymentMethod.COD

    @property
    def merchandise_paid(self) -> Decimal:
        """What the customer paid for the goods: after discounts and points, without shipping."""
        return self.subtotal - self.discount_total - self.points_discount

    @property
    def seller_funded_discount(self) -> Decimal:
        return self.discount_total + self.shipping_discount + self.points_discount

    @property
    def shipping_address(self) -> str:
        return ", ".join(part for part in (self.street, self.ward, self.district, self.province) if part)

    def is_late(self, now=None) -> bool:
        """Handed to the carrier after the ship-by deadline, or still not handed over past it."""
        if self.ship_by_at is None:
            return False
        if self.shipped_at is not None:
            return self.shipped_at > self.ship_by_at
        return self.status in AWAITING_HANDOVER and (now or timezone.now()) > self.ship_by_at


class OrderLine(models.Model):
    """One product in an order, with the name, price and discounts it had at checkout.

    `total = unit_price * quantity - discount - points_discount` is what the customer paid for the
    line; refunds are computed from it, pro rata."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    unit_price = MoneyField(_("unit price"))
    quantity = models.PositiveIntegerField(_("quantity"))
    discount = MoneyField(_("promotion discount"), default=ZERO)
    points_discount = MoneyField(_("points discount"), default=ZERO)
    total = MoneyField(_("total"))
    is_gift = models.BooleanField(_("free gift"), default=False)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, discount__gte=0, points_discount__gte=0, total__gte=0),
                name="orderline_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total=F("unit_price") * F("quantity") - F("discount") - F("points_discount")),
                name="orderline_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class ChannelFeeKind(models.TextChoices):
    """The fees a marketplace keeps of an order, as its order report names them."""

    COMMISSION = "commission", _("Commission")
    FIXED_FEE = "fixed_fee", _("Fixed fee")
    SERVICE_FEE = "service_fee", _("Service fee")
    PAYMENT_FEE = "payment_fee", _("Payment fee")


class OrderChannelFee(models.Model):
    """A fee the order's channel (a marketplace) kept of the order, as its report gave it: finance books
    it as that channel's fee line beside the order's sale line. Written by the marketplace import."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="channel_fees", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelFeeKind.choices)
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("channel fee")
        verbose_name_plural = _("channel fees")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="orderchannelfee_unique_kind"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="orderchannelfee_amount_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=ChannelFeeKind.values), name="orderchannelfee_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.amount}"


class OrderEventType(models.TextChoices):
    PLACED = "placed", _("Placed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    QUALITY_CHECK_FAILED = "qc_failed", _("Quality check failed")
    EMAIL_SENT = "email_sent", _("E-mail sent")
    RETURN_UPDATED = "return_updated", _("Return updated")
    EDITED = "edited", _("Edited")
    NOTE = "note", _("Note")


class OrderEvent(ActorRecord):
    """What happened to an order, who did it and when: the order's timeline. Never edited."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    type = models.CharField(_("type"), max_length=20, choices=OrderEventType.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["order", "created_at"], name="orderevent_order_at"),
            models.Index(fields=["shop", "type", "created_at"], name="orderevent_shop_type_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class PaymentProvider(models.TextChoices):
    VNPAY = "vnpay", _("VNPay")
    MOMO = "momo", _("MoMo")
    CARD = "card", _("Card gateway")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer notifications")


class PaymentGateway(models.Model):
    """A shop's account with a payment gateway: the merchant code the gateway sends with each
    notification, and the secret both sides sign notifications with (HMAC-SHA256 of the body).

    The secret is needed in clear to check signatures, so it lives here and never in an API answer
    or an admin list."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    provider = models.CharField(_("provider"), max_length=20, choices=PaymentProvider.choices)
    merchant_code = models.CharField(
        _("merchant code"), max_length=64, unique=True, help_text=_("The shop's code at the gateway (e.g. TmnCode).")
    )
    secret = models.CharField(_("signing secret"), max_length=255)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment gateway")
        verbose_name_plural = _("payment gateways")
        constraints = [models.UniqueConstraint(fields=["shop", "provider"], name="paymentgateway_unique_provider")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.merchant_code}"


class PaymentOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed the order")
    FAILED = "failed", _("Payment failed")
    NOT_PAYABLE = "not_payable", _("Order no longer awaited payment")
    COLLECTED = "collected", _("Cash collected on delivery")


class Payment(models.Model):
    """Money received for an order: a gateway's notification, or cash collected on delivery.

    The gateway's transaction id is unique per gateway, so a replayed notification finds its row
    and changes nothing."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    transaction_id = models.CharField(_("transaction id"), max_length=100)
    amount = MoneyField(_("amount"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=PaymentOutcome.choices)
    payload = models.JSONField(_("notification"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "method", "transaction_id"], name="payment_unique_transaction"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.transaction_id}"


class ReturnKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")


class ReturnReason(models.TextChoices):
    WRONG_ITEM = "wrong_item", _("Wrong item")
    DAMAGED = "damaged", _("Damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed mind")


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Exchanged")


OPEN_RETURN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)


# What a return request records, from the request to its close: shown by the admin and the API.
RETURN_RECORD_FIELDS = (
    "kind",
    "reason",
    "evidence_note",
    "status",
    "refund_amount",
    "rejection_reason",
    "replacement_order",
    "requested_at",
    "decided_at",
    "received_at",
    "closed_at",
)


class ReturnRequest(models.Model):
    """A customer's request to send back some of a delivered order's items, for a refund or an exchange."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReturnKind.choices, default=ReturnKind.REFUND)
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    evidence_note = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED, editable=False
    )
    refund_amount = MoneyField(_("refund"), default=ZERO, editable=False)
    rejection_reason = models.CharField(_("rejection reason"), max_length=255, blank=True, editable=False)
    replacement_order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces_return",
        editable=False,
        verbose_name=_("replacement order"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="returnrequest_refund_not_negative"),
            models.CheckConstraint(condition=Q(status__in=ReturnStatus.values), name="returnrequest_status_valid"),
        ]
        indexes = [models.Index(fields=["shop", "status", "-requested_at"], name="return_shop_status_at")]

    def __str__(self) -> str:
        return _("Return #%(id)s of %(order)s") % {"id": self.pk, "order": self.order}


class ReturnOutcome(models.TextChoices):
    RESTOCK = "restock", _("Back to stock")
    WRITE_OFF = "write_off", _("Written off")


class ReturnLine(models.Model):
    """How many units of one order line come back, and what happened to them once received."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return request")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("order line")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReturnOutcome.choices, blank=True)
    refund_amount = MoneyField(_("refund"), default=ZERO)

    class Meta:
        verbose_name = _("returned line")
        verbose_name_plural = _("returned lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="returnline_quantity_positive"),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="returnline_unique_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.sku}"


class OrderNumberCounter(models.Model):
    """The last order number a shop gave out. Taken by a conditional update inside the checkout's
    transaction: a checkout that rolls back gives its number back with the rest of its writes."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order number counter")
        verbose_name_plural = _("order number counters")

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.last_number}"


class RefundSource(models.TextChoices):
    CANCELLED = "cancelled", _("Paid order cancelled")
    RETURN = "return", _("Return approved")
    LATE_PAYMENT = "late_payment", _("Paid after cancellation")
    EDITED = "edited", _("Paid order edited to a lower total")


class RefundDueStatus(models.TextChoices):
    DUE = "due", _("Due")
    # In a context of its own: the kernel's "Done" (a finished task, Xong), loaded ahead, would word it.
    DONE = "done", pgettext_lazy("refund due", "Done")


class RefundDue(models.Model):
    """Money the shop owes a customer: for a paid order cancelled, an approved return, or a payment that
    arrived for an order no longer payable. Due until staff record the bank or gateway reference of the
    refund. A return's refund has no deadline until its items are back (its amount is fixed then)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds_due", verbose_name=_("order"))
    source = models.CharField(_("because"), max_length=20, choices=RefundSource.choices)
    return_request = models.OneToOneField(
        ReturnRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund_due",
        verbose_name=_("return request"),
    )
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund_due",
        verbose_name=_("payment"),
    )
    amount = MoneyField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("paid by"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundDueStatus.choices, default=RefundDueStatus.DUE, editable=False
    )
    created_at = models.DateTimeField(_("owed since"), default=timezone.now)
    due_at = models.DateTimeField(_("refund by"), null=True, blank=True)
    done_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refunded by"),
    )
    done_actor_kind = models.CharField(_("refunded by (kind)"), max_length=10, choices=ActorKind.choices, blank=True)
    reference = models.CharField(_("bank or gateway reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("refund due")
        verbose_name_plural = _("refunds due")
        ordering = ["status", "due_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refunddue_amount_not_negative"),
            models.CheckConstraint(condition=Q(status__in=RefundDueStatus.values), name="refunddue_status_valid"),
            models.CheckConstraint(condition=Q(source__in=RefundSource.values), name="refunddue_source_valid"),
            models.CheckConstraint(
                condition=Q(status=RefundDueStatus.DUE) | Q(done_at__isnull=False),
                name="refunddue_done_has_moment",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(source="cancelled"), name="refunddue_one_per_cancelled_order"
            ),
        ]
        indexes = [models.Index(fields=["shop", "status", "due_at"], name="refunddue_shop_status_due")]

    def __str__(self) -> str:
        return _("Refund of %(order)s") % {"order": self.order}

    def is_late(self, now=None) -> bool:
        return self.status == RefundDueStatus.DUE and self.due_at is not None and self.due_at < (now or timezone.now())


# --- Shipping: carriers, shipments, tracking, COD remittances ---------------------------------------


class Province(models.Model):
    """A province or centrally governed city, on the two-level units in force since 1 July 2025, with
    the ids carriers use for it. Reference data shared by every shop (loaded from a data file)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The name with its "Tỉnh" / "Thành phố" prefix dropped and folded to lower case: what addresses match on.
    key = models.CharField(_("match key"), max_length=100, unique=True, editable=False)
    ghn_province_id = models.PositiveIntegerField(_("GHN province id"), null=True, blank=True)
    ghtk_name = models.CharField(_("GHTK province name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ward(models.Model):
    """A ward, commune or special zone of a province (the lower of the two levels), with the ids
    carriers place it by: GHN still routes by its own district id and ward code, GHTK by names."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="wards", verbose_name=_("province"))
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("match key"), max_length=100, editable=False)
    ghn_district_id = models.PositiveIntegerField(_("GHN district id"), null=True, blank=True)
    ghn_ward_code = models.CharField(_("GHN ward code"), max_length=20, blank=True)
    ghtk_district = models.CharField(_("GHTK district name"), max_length=100, blank=True)
    ghtk_name = models.CharField(_("GHTK ward name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        ordering = ["province__name", "name"]
        constraints = [models.UniqueConstraint(fields=["province", "key"], name="ward_unique_province_key")]

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class Carrier(models.TextChoices):
    GHN = "ghn", _("GHN (Giao Hàng Nhanh)")
    GHTK = "ghtk", _("GHTK (Giao Hàng Tiết Kiệm)")
    MANUAL = "manual", _("Self-delivery / other carrier")


class CarrierAccount(models.Model):
    """A shop's account with a carrier: where its API answers, the credentials (encrypted, never shown
    again once saved), the default pick-up address and service. `webhook_key` names the account in
    the tracking webhook URL registered with the carrier."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown on labels and in the order's timeline."))
    base_url = models.URLField(
        _("API address"), blank=True, help_text=_("The carrier's API root, e.g. its test or production server.")
    )
    carrier_shop_id = models.CharField(
        _("carrier's shop id"),
        max_length=50,
        blank=True,
        help_text=_("GHN: ShopId. GHTK: partner code (X-Client-Source)."),
    )
    service = models.CharField(
        _("default service"),
        max_length=20,
        blank=True,
        help_text=_("GHN: service type id (2 light, 5 heavy). GHTK: road or fly."),
    )
    credentials = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    webhook_key = models.CharField(_("webhook key"), max_length=64, unique=True, editable=False)
    pickup_name = models.CharField(_("pick-up contact"), max_length=200)
    pickup_phone = models.CharField(_("pick-up phone"), max_length=20)
    pickup_street = models.CharField(_("pick-up street address"), max_length=255)
    pickup_ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("pick-up ward")
    )
    is_default = models.BooleanField(_("default"), default=False, help_text=_("Used by the checkout quote."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("carrier account")
        verbose_name_plural = _("carrier accounts")
        ordering = ["shop", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(carrier__in=Carrier.values), name="carrieraccount_carrier_valid"),
            models.UniqueConstraint(
                fields=["shop"], condition=Q(is_default=True), name="carrieraccount_one_default_per_shop"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShipmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Being booked")
    BOOKED = "booked", _("Booked, awaiting pick-up")
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERY_FAILED = "delivery_failed", _("Delivery attempt failed")
    DELIVERED = "delivered", _("Delivered")
    RETURNING = "returning", _("Returning to sender")
    RETURNED = "returned", _("Returned to sender")
    CANCELLED = "cancelled", _("Cancelled")
    REFUSED = "refused", _("Refused by the carrier")


# A shipment in these statuses no longer moves: polling leaves it alone and a new one may be booked.
SHIPMENT_CLOSED = (ShipmentStatus.CANCELLED, ShipmentStatus.REFUSED)
SHIPMENT_FINAL = (*SHIPMENT_CLOSED, ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED)


class Shipment(models.Model):
    """One parcel of an order booked with a carrier: its tracking number, where it is, the cash the
    carrier collects on delivery, and the fee quoted at booking against the fee the carrier charged
    (from its COD statement)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order"))
    account = models.ForeignKey(
        CarrierAccount, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("carrier account")
    )
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.REQUESTED
    )
    carrier_status = models.CharField(_("carrier's status"), max_length=50, blank=True)
    cod_amount = MoneyField(_("COD amount"), default=ZERO)
    insurance_value = MoneyField(_("insured value"), default=ZERO)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    fee_quoted = MoneyField(_("fee quoted"), default=ZERO)
    fee_charged = MoneyField(_("fee charged"), null=True, blank=True)
    error = models.CharField(_("carrier's answer"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_event_at = models.DateTimeField(_("last tracking update"), null=True, blank=True)
    polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ShipmentStatus.values), name="shipment_status_valid"),
            models.CheckConstraint(
                condition=Q(cod_amount__gte=0, insurance_value__gte=0, fee_quoted__gte=0),
                name="shipment_amounts_not_negative",
            ),
            # An order has at most one parcel on the way; a cancelled or refused booking may be redone.
            models.UniqueConstraint(
                fields=["order"], condition=~Q(status__in=SHIPMENT_CLOSED), name="shipment_one_open_per_order"
            ),
            models.UniqueConstraint(
                fields=["account", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_unique_tracking",
            ),
        ]
        indexes = [models.Index(fields=["status", "last_event_at"], name="shipment_status_last_event")]

    def __str__(self) -> str:
        return self.tracking_number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status not in SHIPMENT_FINAL


class TrackingMilestone(models.TextChoices):
    """What a carrier's status means for the order: carriers have dozens of statuses, the pipeline a few."""

    NONE = "none", _("No change")
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    FAILED_ATTEMPT = "failed_attempt", _("Delivery attempt failed")
    DELIVERED = "delivered", _("Delivered")
    RETURNING = "returning", _("Returning")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled by the carrier")


class TrackingEvent(models.Model):
    """A carrier's tracking update exactly as it arrived (webhook or poll), once: the carrier's own
    event identity (`dedup_key`) is unique per account, so a repeated webhook finds its row."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    account = models.ForeignKey(CarrierAccount, on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, null=True, blank=True, related_name="events", verbose_name=_("shipment")
    )
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    dedup_key = models.CharField(_("event identity"), max_length=200)
    carrier_status = models.CharField(_("carrier's status"), max_length=50)
    milestone = models.CharField(_("meaning"), max_length=20, choices=TrackingMilestone.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("happened at"))
    source = models.CharField(_("source"), max_length=10, default="webhook")
    payload = models.JSONField(_("as received"), default=dict)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "dedup_key"], name="trackingevent_unique_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} · {self.carrier_status}"


class CodRemittance(models.Model):
    """A carrier's COD remittance statement as imported: the cash it collected for the shop's parcels,
    its fees, and what it transferred. Imported once per carrier reference."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    account = models.ForeignKey(
        CarrierAccount, on_delete=models.PROTECT, related_name="remittances", verbose_name=_("carrier account")
    )
    reference = models.CharField(_("statement reference"), max_length=100)
    transferred_on = models.DateField(_("transferred on"))
    cod_total = MoneyField(_("COD collected"), default=ZERO)
    fee_total = MoneyField(_("carrier fees"), default=ZERO)
    transfer_amount = MoneyField(_("transferred"), default=ZERO)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("COD remittance")
        verbose_name_plural = _("COD remittances")
        ordering = ["-transferred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "reference"], name="codremittance_unique_reference"),
        ]

    def __str__(self) -> str:
        return self.reference


class RemittanceCheck(models.TextChoices):
    MATCHED = "matched", _("Matched")
    SHORT = "short", _("COD short")
    OVER = "over", _("COD over")
    FEE_DIFFERS = "fee_differs", _("Fee not as quoted")
    MISSING = "missing", _("Delivered, not remitted")
    UNKNOWN = "unknown", _("Not our shipment")


class CodRemittanceLine(models.Model):
    """One parcel of a remittance statement, matched to its shipment, and what the accountant must
    look at: `outcome` says whether the cash and the fee are what the shop expected."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    remittance = models.ForeignKey(
        CodRemittance, on_delete=models.CASCADE, related_name="lines", verbose_name=_("remittance")
    )
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("shipment")
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("order")
    )
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    cod_collected = MoneyField(_("COD collected"), default=ZERO)
    fee = MoneyField(_("carrier fee"), default=ZERO)
    cod_expected = MoneyField(_("COD expected"), default=ZERO)
    fee_quoted = MoneyField(_("fee quoted"), default=ZERO)
    outcome = models.CharField(_("check"), max_length=12, choices=RemittanceCheck.choices)

    class Meta:
        verbose_name = _("remitted parcel")
        verbose_name_plural = _("remitted parcels")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=RemittanceCheck.values), name="codremittanceline_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} · {self.get_outcome_display()}"

    @property
    def cod_difference(self) -> Decimal:
        return self.cod_collected - self.cod_expected
