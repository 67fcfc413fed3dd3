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

from customers.models import Channel, Customer
from sellercenter.actor import ActorKind
from sellercenter.models import ApiKey, Shop
from sellercenter.money import ZERO, MoneyField


class Product(models.Model):
    """Something the shop sells, with its price and its stock in the shop's warehouse.

    `stock_on_hand` is what is physically there; `stock_reserved` the part promised to orders not yet
    handed to a carrier. What can still be sold is the difference. Both only change through
    orders.services, each change written as a StockMovement."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products", verbose_name=_("shop"))
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    price = MoneyField(_("price"))
    stock_on_hand = models.PositiveIntegerField(_("stock on hand"), default=0, editable=False)
    stock_reserved = models.PositiveIntegerField(_("reserved"), default=0, editable=False)
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock threshold"),
        default=5,
        help_text=_("The home lists the product as low on stock when this many units or fewer are left to sell."),
    )
    is_active = models.BooleanField(_("for sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="product_unique_shop_sku"),
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
        return self.stock_on_hand - self.stock_reserved


class StockMovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ADJUSTED = "adjusted", _("Adjusted")
    RESERVED = "reserved", _("Reserved")
    RELEASED = "released", _("Released")
    SHIPPED = "shipped", _("Shipped")
    RETURNED = "returned", _("Returned")


class StockMovement(models.Model):
    """One change of a product's stock, never edited: the stock's audit trail.

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
    actor_kind = models.CharField(_("by"), max_length=10, choices=ActorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
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


class OrderEventType(models.TextChoices):
    PLACED = "placed", _("Placed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    QUALITY_CHECK_FAILED = "qc_failed", _("Quality check failed")
    EMAIL_SENT = "email_sent", _("E-mail sent")
    RETURN_UPDATED = "return_updated", _("Return updated")
    NOTE = "note", _("Note")


class OrderEvent(models.Model):
    """What happened to an order, who did it and when: the order's timeline. Never edited."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    type = models.CharField(_("type"), max_length=20, choices=OrderEventType.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices, blank=True)
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
