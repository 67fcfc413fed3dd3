"""Fee rules, statement lines, statements, payouts and background exports.

Amounts on a statement line are signed from the seller's point of view: what the seller earns is
positive (merchandise value, shipping charged to the buyer), every deduction is negative (discounts the
seller funds, shipping cost, fees, refunds, withheld taxes). `net` is the sum of the columns, and a
CheckConstraint keeps it so. A statement's totals are the sums of its lines' columns.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models import PaymentMethod
from sellercenter.leases import JobStates, LeasedJob
from sellercenter.models import Shop
from sellercenter.money import ZERO, MoneyField

RATE_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))]


def RateField(verbose_name, **kwargs):
    """A percentage: 4.5 means 4.5 %, up to four decimals (2.9412 %)."""
    return models.DecimalField(
        verbose_name, max_digits=7, decimal_places=4, default=ZERO, validators=RATE_VALIDATORS, **kwargs
    )


def _rate_in_range(*names: str) -> Q:
    condition = Q()
    for name in names:
        condition &= Q(**{f"{name}__gte": 0, f"{name}__lte": 100})
    return condition


class StatementPeriod(models.TextChoices):
    WEEKLY = "weekly", _("Weekly (Monday to Sunday)")
    MONTHLY = "monthly", _("Monthly (calendar month)")


class FinanceSettings(models.Model):
    """How often a shop's statements are cut. A shop without a row is on weekly statements."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    statement_period = models.CharField(
        _("statement period"),
        max_length=10,
        choices=StatementPeriod.choices,
        default=StatementPeriod.WEEKLY,
        help_text=_("A change applies from the next statement; the open one keeps its period."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("finance settings")
        verbose_name_plural = _("finance settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(statement_period__in=StatementPeriod.values), name="financesettings_period_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.get_statement_period_display()}"


class FeeRule(models.Model):
    """The rates a shop pays from `effective_from` (a day of the shop's time zone) until the next rule.

    An order is charged by the rule in force on the day it was placed, so a later rule never changes
    the fees of older orders. A rule that already priced a statement line cannot be changed any more:
    new rates are a new rule with a later date."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    effective_from = models.DateField(_("effective from"), help_text=_("First day (shop's time zone) it applies."))
    commission_rate = RateField(_("commission (%)"), help_text=_("Of the merchandise value after seller discounts."))
    service_fee_rate = RateField(_("service fee (%)"), help_text=_("Of the merchandise value after seller discounts."))
    payment_fee_rate = RateField(
        _("payment fee (%)"),
        help_text=_("Of what the buyer paid, for payment methods without a rate of their own below."),
    )
    fixed_fee = MoneyField(_("fixed fee per order"), default=ZERO, validators=[MinValueValidator(ZERO)])
    vat_withholding_rate = RateField(
        _("withheld VAT (%)"), help_text=_("E.g. 1 for household businesses; of the merchandise value after discounts.")
    )
    pit_withholding_rate = RateField(
        _("withheld personal income tax (%)"),
        help_text=_("E.g. 0.5 for household businesses; of the merchandise value after discounts."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        ordering = ["shop", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "effective_from"], name="feerule_unique_shop_day"),
            models.CheckConstraint(
                condition=_rate_in_range(
                    "commission_rate",
                    "service_fee_rate",
                    "payment_fee_rate",
                    "vat_withholding_rate",
                    "pit_withholding_rate",
                )
                & Q(fixed_fee__gte=0),
                name="feerule_rates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return _("Fees from %(day)s") % {"day": self.effective_from.isoformat()}


class PaymentFeeRate(models.Model):
    """The payment fee of one payment method under a fee rule (instead of the rule's general rate)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    fee_rule = models.ForeignKey(
        FeeRule, on_delete=models.CASCADE, related_name="payment_rates", verbose_name=_("fee rule")
    )
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    rate = RateField(_("payment fee (%)"))

    class Meta:
        verbose_name = _("payment fee rate")
        verbose_name_plural = _("payment fee rates")
        ordering = ["payment_method"]
        constraints = [
            models.UniqueConstraint(fields=["fee_rule", "payment_method"], name="paymentfeerate_unique_method"),
            models.CheckConstraint(condition=_rate_in_range("rate"), name="paymentfeerate_rate_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_payment_method_display()}: {self.rate} %"


class StatementStatus(models.TextChoices):
    # In a context of its own: the customers app's "Open" (a request waiting) would translate it otherwise.
    OPEN = "open", pgettext_lazy("statement status", "Open")
    CLOSED = "closed", _("Closed")
    PAID = "paid", _("Paid")


# The amount columns, in the order accountants read them; statements total the same columns.
AMOUNT_COLUMNS = (
    "gross",
    "seller_discount",
    "shipping_charged",
    "shipping_cost",
    "commission",
    "payment_fee",
    "service_fee",
    "fixed_fee",
    "refund",
    "adjustment",
    "vat_withheld",
    "pit_withheld",
)


class Statement(models.Model):
    """A shop's account statement for one period: what the shop earned, what was deducted, what is paid out.

    While open, lines are added to it (its totals move with them, under a row lock). Closing takes the
    opening balance from the previous statement, freezes the totals and stores a digest of everything
    frozen; a closed statement never changes again (corrections are adjustment lines of a later one).
    A positive closing balance is paid out; a negative one is carried to the next statement."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    reference = models.CharField(_("reference"), max_length=80, unique=True, editable=False)
    period_kind = models.CharField(_("period"), max_length=10, choices=StatementPeriod.choices, editable=False)
    period_start = models.DateTimeField(_("period start"), editable=False)
    period_end = models.DateTimeField(_("period end"), editable=False, help_text=_("Exclusive."))
    # The same period as days of the shop's time zone, both included: what people read.
    period_from = models.DateField(_("from"), editable=False)
    period_to = models.DateField(_("to"), editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.OPEN, editable=False
    )
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    opening_balance = MoneyField(_("opening balance"), default=ZERO, editable=False)
    total_gross = MoneyField(_("gross merchandise value"), default=ZERO, editable=False)
    total_seller_discount = MoneyField(_("seller-funded discounts"), default=ZERO, editable=False)
    total_shipping_charged = MoneyField(_("shipping charged to buyers"), default=ZERO, editable=False)
    total_shipping_cost = MoneyField(_("shipping cost"), default=ZERO, editable=False)
    total_commission = MoneyField(_("commission"), default=ZERO, editable=False)
    total_payment_fee = MoneyField(_("payment fee"), default=ZERO, editable=False)
    total_service_fee = MoneyField(_("service fee"), default=ZERO, editable=False)
    total_fixed_fee = MoneyField(_("fixed fees"), default=ZERO, editable=False)
    total_refund = MoneyField(_("refunds"), default=ZERO, editable=False)
    total_adjustment = MoneyField(_("adjustments"), default=ZERO, editable=False)
    total_vat_withheld = MoneyField(_("withheld VAT"), default=ZERO, editable=False)
    total_pit_withheld = MoneyField(_("withheld personal income tax"), default=ZERO, editable=False)
    total_net = MoneyField(_("net"), default=ZERO, editable=False)
    closing_balance = MoneyField(_("closing balance"), default=ZERO, editable=False)
    payout_amount = MoneyField(_("payout"), default=ZERO, editable=False)
    # "lines" and "closed at" in a context of their own: the orders catalogue, loaded ahead, words them
    # as an order's lines and a closed batch.
    line_count = models.PositiveIntegerField(pgettext_lazy("statement", "lines"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(pgettext_lazy("statement", "closed at"), null=True, blank=True, editable=False)
    digest = models.CharField(_("digest"), max_length=64, blank=True, editable=False)
    settled_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["shop", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "period_start"], name="statement_unique_shop_start"),
            models.CheckConstraint(condition=Q(status__in=StatementStatus.values), name="statement_status_valid"),
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="statement_period_ordered"),
            models.CheckConstraint(condition=Q(payout_amount__gte=0), name="statement_payout_not_negative"),
            models.CheckConstraint(
                condition=Q(status=StatementStatus.OPEN) | (Q(closed_at__isnull=False) & ~Q(digest="")),
                name="statement_frozen_has_digest",
            ),
            models.CheckConstraint(
                condition=~Q(status=StatementStatus.PAID) | Q(settled_at__isnull=False),
                name="statement_paid_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "period_end"], name="statement_status_end")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == StatementStatus.OPEN


class LineKind(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")
    # What a marketplace kept of one of its orders (its own commission and fees), beside the sale line.
    CHANNEL_FEE = "channel_fee", _("Channel fees")


class PayoutState(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    TO_BE_PAID = "to_be_paid", _("Being paid")
    PAID = "paid", _("Paid")


class StatementLine(models.Model):
    """One order's sale, one refund, or one adjustment entered by staff, with every amount column.

    A sale line is written when the order is delivered (one per order: a partial unique constraint),
    waits as `pending` while the return window is open, and joins the open statement as `to_be_paid`
    when the order completes; it is `paid` once its statement is. Lines are never edited."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    statement = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        editable=False,
        db_index=False,  # served by the (statement, id) index
        verbose_name=_("statement"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=LineKind.choices, editable=False)
    payout_state = models.CharField(
        _("payout state"),
        max_length=10,
        choices=PayoutState.choices,
        default=PayoutState.PENDING,
        editable=False,
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    return_request = models.ForeignKey(
        "orders.ReturnRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("return request"),
    )
    corrects = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects statement"),
        help_text=_("The closed statement this adjustment corrects, if any."),
    )
    fee_rule = models.ForeignKey(
        FeeRule, on_delete=models.PROTECT, null=True, blank=True, related_name="lines", editable=False
    )
    # Copied from the order, so exports read one table.
    order_number = models.CharField(_("order number"), max_length=20, blank=True, editable=False)
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    placed_on = models.DateField(_("order date"), null=True, blank=True, editable=False)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True, editable=False)
    booked_on = models.DateField(
        _("booking date"), editable=False, help_text=_("Delivery, refund or entry day, in the shop's time zone.")
    )
    released_on = models.DateField(
        _("payable from"), null=True, blank=True, editable=False, help_text=_("The day it joined a statement.")
    )
    gross = MoneyField(_("gross merchandise value"), default=ZERO, editable=False)
    seller_discount = MoneyField(_("seller-funded discounts"), default=ZERO, editable=False)
    shipping_charged = MoneyField(_("shipping charged to buyer"), default=ZERO, editable=False)
    shipping_cost = MoneyField(_("shipping cost"), default=ZERO, editable=False)
    commission = MoneyField(_("commission"), default=ZERO, editable=False)
    payment_fee = MoneyField(_("payment fee"), default=ZERO, editable=False)
    service_fee = MoneyField(_("service fee"), default=ZERO, editable=False)
    fixed_fee = MoneyField(_("fixed fee"), default=ZERO, editable=False)
    refund = MoneyField(_("refund"), default=ZERO, editable=False)
    adjustment = MoneyField(_("adjustment"), default=ZERO)
    vat_withheld = MoneyField(_("withheld VAT"), default=ZERO, editable=False)
    pit_withheld = MoneyField(_("withheld personal income tax"), default=ZERO, editable=False)
    net = MoneyField(_("net"), default=ZERO, editable=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["-booked_on", "-pk"]
        constraints = [
            # Every dong of a delivered order lands in exactly one sale line.
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="sale"), name="statementline_one_sale_per_order"
            ),
            models.UniqueConstraint(
                fields=["return_request"], condition=Q(kind="refund"), name="statementline_one_refund_per_return"
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="channel_fee"), name="statementline_one_channel_fee_per_order"
            ),
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="statementline_kind_valid"),
            models.CheckConstraint(
                condition=Q(payout_state__in=PayoutState.values), name="statementline_payout_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["sale", "channel_fee"]) | Q(order__isnull=False),
                name="statementline_sale_has_order",
            ),
            models.CheckConstraint(
                condition=~Q(kind="refund") | Q(return_request__isnull=False, order__isnull=False),
                name="statementline_refund_has_return",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(reason=""), name="statementline_adjustment_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(payout_state="pending", statement__isnull=True)
                | (~Q(payout_state="pending") & Q(statement__isnull=False)),
                name="statementline_pending_iff_unassigned",
            ),
            models.CheckConstraint(
                condition=Q(
                    net=F("gross")
                    + F("seller_discount")
                    + F("shipping_charged")
                    + F("shipping_cost")
                    + F("commission")
                    + F("payment_fee")
                    + F("service_fee")
                    + F("fixed_fee")
                    + F("refund")
                    + F("adjustment")
                    + F("vat_withheld")
                    + F("pit_withheld")
                ),
                name="statementline_net_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "booked_on"], name="statementline_shop_booked"),
            models.Index(fields=["statement", "id"], name="statementline_statement_id"),
            # Whether a statement's lines are all in one currency (finance.selectors.currency_of_lines).
            models.Index(fields=["statement", "currency"], name="statementline_statement_cur"),
            models.Index(fields=["shop", "payout_state"], name="statementline_shop_state"),
        ]

    def __str__(self) -> str:
        subject = self.order_number or self.reason[:40]
        return f"{self.get_kind_display()} · {subject}"


class Payout(models.Model):
    """Money the marketplace transferred to the shop for one closed statement, as the bank reported it.

    Recorded by the payout import (or by hand in the admin); it marks the statement paid. The amount
    must equal the statement's payout: a mismatch is refused."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="payout", verbose_name=_("statement")
    )
    amount = MoneyField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    bank_reference = models.CharField(_("bank reference"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-paid_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")]

    def __str__(self) -> str:
        return f"{self.bank_reference} · {self.statement_id}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


EXPORT_JOB_STATES = JobStates(queued=ExportStatus.QUEUED, running=ExportStatus.RUNNING, failed=ExportStatus.FAILED)


class ExportLanguage(models.TextChoices):
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")


class ExportJob(LeasedJob):
    """A CSV of a shop's statement lines over a date range, written in the background to a file by a
    worker that holds the job's lease (a lost worker's job is restarted by the next one)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    language = models.CharField(_("column headers"), max_length=2, choices=ExportLanguage.choices, default="vi")
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED, editable=False
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0, editable=False)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0, editable=False)
    file = models.FileField(_("file"), upload_to="finance/exports/", blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="exportjob_range_ordered"),
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="exportjob_status_valid"),
            models.CheckConstraint(condition=Q(rows_done__lte=F("rows_total")), name="exportjob_progress_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.date_from.isoformat()} – {self.date_to.isoformat()}"

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return self.rows_done * 100 // self.rows_total if self.rows_total else 0
