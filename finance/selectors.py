"""Finance reads: the fee rule in force, statement totals and digests, export querysets, the overview
and the reconciliation checks."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from finance.line_amounts import LineAmounts, Rates
from finance.models import (
    AMOUNT_COLUMNS,
    FeeRule,
    FinanceSettings,
    LineKind,
    PayoutState,
    Statement,
    StatementLine,
    StatementPeriod,
    StatementStatus,
)
from orders import selectors as orders_selectors
from orders.models import Order, OrderStatus
from sellercenter.check_command import Problem
from sellercenter.models import Shop
from sellercenter.money import ZERO, MoneyField

LINE_TOTAL_COLUMNS = (*AMOUNT_COLUMNS, "net")
DELIVERED_STATUSES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def statement_period_of(*, shop: Shop) -> str:
    """The shop's statement period (weekly unless its finance settings say monthly)."""
    kind = FinanceSettings.objects.filter(shop=shop).values_list("statement_period", flat=True).first()
    return kind or StatementPeriod.WEEKLY


def fee_rule_in_force(*, shop: Shop, day: date) -> FeeRule | None:
    """The shop's rule with the latest `effective_from` on or before `day`, with its payment rates."""
    return (
        FeeRule.objects.filter(shop=shop, effective_from__lte=day)
        .prefetch_related("payment_rates")
        .order_by("-effective_from")
        .first()
    )


def fee_rule_is_used(*, rule: FeeRule) -> bool:
    """Whether the rule already priced a statement line (then it may no longer change)."""
    return StatementLine.objects.filter(fee_rule=rule).exists()


def rates_of(*, rule: FeeRule | None, payment_method: str) -> Rates:
    """The rates `rule` charges an order paid by `payment_method` (all zero without a rule)."""
    if rule is None:
        return Rates()
    method_rates = {rate.payment_method: rate.rate for rate in rule.payment_rates.all()}
    return Rates(
        commission=rule.commission_rate,
        service_fee=rule.service_fee_rate,
        payment_fee=method_rates.get(payment_method, rule.payment_fee_rate),
        fixed_fee=rule.fixed_fee,
        vat=rule.vat_withholding_rate,
        pit=rule.pit_withholding_rate,
    )


def line_amounts(line: StatementLine) -> LineAmounts:
    return LineAmounts(**{column: getattr(line, column) for column in AMOUNT_COLUMNS})


def _column_sums(queryset: QuerySet) -> dict:
    return queryset.aggregate(
        line_count=Count("pk"),
        **{column: Coalesce(Sum(column), Value(ZERO), output_field=MoneyField()) for column in LINE_TOTAL_COLUMNS},
    )


def refunds_so_far(*, order: Order) -> LineAmounts:
    """The sum of the order's refund lines: what returns already gave back."""
    sums = _column_sums(StatementLine.objects.filter(order=order, kind=LineKind.REFUND))
    return LineAmounts(**{column: sums[column] for column in AMOUNT_COLUMNS})


def statement_line_sums(*, statement: Statement) -> dict:
    """{"line_count": n, "<column>": sum, ..., "net": sum} over the statement's lines."""
    return _column_sums(statement.lines.all())


# --- Digest of a frozen statement ----------------------------------------------------------------------

FROZEN_FIELDS = (
    "pk",
    "shop_id",
    "reference",
    "period_kind",
    "period_start",
    "period_end",
    "currency",
    "opening_balance",
    *(f"total_{column}" for column in LINE_TOTAL_COLUMNS),
    "closing_balance",
    "payout_amount",
    "line_count",
    "closed_at",
)
DIGESTED_LINE_FIELDS = ("pk", "kind", "order_id", "return_request_id", "corrects_id", *LINE_TOTAL_COLUMNS)


def _canonical(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def statement_digest(*, statement: Statement) -> str:
    """SHA-256 over what closing froze: the statement's figures and every line's identity and amounts.

    Payout state and payment are not part of it: paying a statement does not change what it says."""
    digest = hashlib.sha256()
    header = [_canonical(getattr(statement, name)) for name in FROZEN_FIELDS]
    digest.update(json.dumps(header).encode())
    lines = statement.lines.order_by("pk").values_list(*DIGESTED_LINE_FIELDS)
    for row in lines.iterator(chunk_size=5000):
        digest.update(b"\n")
        digest.update(json.dumps([_canonical(value) for value in row]).encode())
    return digest.hexdigest()


# --- Exports --------------------------------------------------------------------------------------------


def lines_of_statement(*, statement: Statement) -> QuerySet[StatementLine]:
    return StatementLine.objects.filter(shop_id=statement.shop_id, statement=statement).order_by("pk")


def currency_of_lines(*, statement: Statement) -> str | None:
    """The one currency every line of `statement` is in (the statement's own), or None when some line
    is in another: a line keeps its order's currency, and a shop may change its currency within a
    period. Two probes of the (statement, currency) index, however many lines there are."""
    own = statement.currency
    others = lines_of_statement(statement=statement).filter(Q(currency__lt=own) | Q(currency__gt=own))
    return None if others.exists() else own


def lines_booked_between(*, shop: Shop, date_from: date, date_to: date) -> QuerySet[StatementLine]:
    """The shop's lines booked from `date_from` to `date_to` (days of the shop's time zone, inclusive)."""
    return StatementLine.objects.filter(shop=shop, booked_on__gte=date_from, booked_on__lte=date_to).order_by(
        "booked_on", "pk"
    )


def statements_of(*, shop: Shop) -> QuerySet[Statement]:
    return Statement.objects.filter(shop=shop).select_related("payout").order_by("-period_start", "-pk")


# --- Overview -------------------------------------------------------------------------------------------

TRUNCATE = {StatementPeriod.WEEKLY: TruncWeek, StatementPeriod.MONTHLY: TruncMonth}


@dataclass(frozen=True)
class Overview:
    currency: str
    buckets: list[dict]
    by_payout_state: dict[str, Decimal]


def finance_overview(*, shop: Shop, period: str, date_from: date, date_to: date) -> Overview:
    """Revenue and every deduction per week or month (by booking day), and the net amount of the
    shop's lines per payout state (awaiting payment, being paid, paid) over the same days."""
    lines = StatementLine.objects.filter(shop=shop, booked_on__gte=date_from, booked_on__lte=date_to)
    sums = {column: Sum(column) for column in LINE_TOTAL_COLUMNS}
    buckets = [
        {"start": row.pop("bucket"), **row}
        for row in lines.annotate(bucket=TRUNCATE[period]("booked_on"))
        .values("bucket")
        .annotate(line_count=Count("pk"), **sums)
        .order_by("bucket")
    ]
    states = dict(lines.values("payout_state").annotate(total=Sum("net")).values_list("payout_state", "total"))
    by_state = {state: states.get(state) or ZERO for state in PayoutState.values}
    return Overview(currency=shop.currency, buckets=buckets, by_payout_state=by_state)


# --- Reconciliation -------------------------------------------------------------------------------------


def _scoped(queryset: QuerySet, shop: Shop | None) -> QuerySet:
    return queryset if shop is None else queryset.filter(shop=shop)


def _sale_line_problems(shop: Shop | None) -> list[Problem]:
    """Each delivered (or completed) order has exactly one sale line carrying its amounts, and no other
    order has one."""
    problems = []
    orders = _scoped(Order.objects.all(), shop)
    sale_lines = StatementLine.objects.filter(kind=LineKind.SALE)
    missing = orders.filter(status__in=DELIVERED_STATUSES).exclude(pk__in=sale_lines.values("order_id"))
    for number in missing.values_list("number", flat=True).iterator():
        problems.append(Problem("missing_sale_line", number, "delivered order without a sale line"))
    counted = _scoped(sale_lines, shop).values("order_id").annotate(n=Count("pk")).filter(n__gt=1)
    for row in counted:
        problems.append(Problem("duplicate_sale_line", str(row["order_id"]), f"{row['n']} sale lines"))
    stray = _scoped(sale_lines, shop).exclude(order__status__in=DELIVERED_STATUSES)
    for number in stray.values_list("order_number", flat=True).iterator():
        problems.append(Problem("stray_sale_line", number, "sale line of an order that was not delivered"))
    same_amounts = (
        Q(gross=F("order__subtotal"))
        & Q(seller_discount=-(F("order__discount_total") + F("order__shipping_discount") + F("order__points_discount")))
        & Q(shipping_charged=F("order__shipping_fee"))
    )
    differs = _scoped(sale_lines, shop).exclude(same_amounts).values_list("order_number", flat=True)
    for number in differs:
        problems.append(Problem("sale_line_amounts", number, "sale line amounts differ from the order's"))
    return problems


def _channel_fee_problems(shop: Shop | None) -> list[Problem]:
    """Each delivered order whose marketplace kept fees of it has its channel fee line."""
    fee_lines = StatementLine.objects.filter(kind=LineKind.CHANNEL_FEE)
    missing = (
        _scoped(Order.objects.all(), shop)
        .filter(status__in=DELIVERED_STATUSES, channel_fees__amount__gt=0)
        .exclude(pk__in=fee_lines.values("order_id"))
        .distinct()
    )
    return [
        Problem("missing_channel_fee_line", number, "delivered marketplace order without its channel fee line")
        for number in missing.values_list("number", flat=True)
    ]


def _statement_problems(statement: Statement, sums: dict) -> list[Problem]:
    problems = []
    ref = statement.reference
    for column in LINE_TOTAL_COLUMNS:
        stored = getattr(statement, f"total_{column}")
        if stored != sums[column]:
            problems.append(
                Problem("statement_totals", ref, f"total {column} {stored} but lines sum to {sums[column]}")
            )
    if statement.line_count != sums["line_count"]:
        problems.append(
            Problem("statement_totals", ref, f"{statement.line_count} lines recorded, {sums['line_count']} found")
        )
    opening, net, closing = statement.opening_balance, statement.total_net, statement.closing_balance
    if closing != opening + net:
        problems.append(Problem("closing_balance", ref, f"closing {closing} != opening {opening} + net {net}"))
    if statement.status != StatementStatus.OPEN and statement_digest(statement=statement) != statement.digest:
        problems.append(Problem("changed_after_closing", ref, "the statement or its lines changed since closing"))
    expected_state = PayoutState.PAID if statement.status == StatementStatus.PAID else PayoutState.TO_BE_PAID
    wrong = statement.lines.exclude(payout_state=expected_state).count()
    if wrong:
        problems.append(Problem("payout_state", ref, f"{wrong} lines not '{expected_state}'"))
    if statement.status == StatementStatus.PAID and statement.payout_amount > 0:
        paid = getattr(statement, "payout", None)
        if paid is None or paid.amount != statement.payout_amount:
            problems.append(Problem("payout", ref, "paid without a payout of the statement's amount"))
    return problems


def reconcile_problems(*, shop: Shop | None = None) -> list[Problem]:
    """Everything that breaks finance's invariants, for one shop or all: sale lines per delivered
    order, channel fee lines of delivered marketplace orders, statement totals against their lines,
    closing = opening + net, closed statements unchanged since closing (digest), and payout states."""
    problems = _sale_line_problems(shop) + _channel_fee_problems(shop)
    statements = _scoped(Statement.objects.select_related("payout"), shop).order_by("shop_id", "period_start")
    for statement in statements.iterator(chunk_size=500):
        problems.extend(_statement_problems(statement, statement_line_sums(statement=statement)))
    unassigned = _scoped(StatementLine.objects.filter(statement__isnull=True), shop).exclude(
        payout_state=PayoutState.PENDING
    )
    for pk in unassigned.values_list("pk", flat=True):
        problems.append(Problem("payout_state", f"line {pk}", "not pending but in no statement"))
    return problems


@dataclass(frozen=True)
class RefundsOwed:
    due_count: int
    due_amount: Decimal
    late_count: int
    late_amount: Decimal


def refunds_owed(*, shop, now=None) -> RefundsOwed:
    """What the shop owes its customers in refunds not yet sent back, and how much of it is late: money
    that leaves the shop's account outside the statements (the orders' refunds due)."""
    figures = orders_selectors.refunds_due(shop=shop, now=now).aggregate(
        due_count=Count("pk"),
        due_amount=Coalesce(Sum("amount"), ZERO),
        late_count=Count("pk", filter=Q(late=True)),
        late_amount=Coalesce(Sum("amount", filter=Q(late=True)), ZERO),
    )
    return RefundsOwed(**figures)
