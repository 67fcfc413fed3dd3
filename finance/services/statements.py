"""Statements: finding (or opening) the statement of a moment, adding lines to it, closing it.

A line joins a statement under a row lock on that statement, and closing takes the same lock, so a
line either lands before the close (and is frozen with it) or finds the statement closed and moves to
the next period's. Statements of a shop never overlap: a new one starts where the last one ended.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import selectors
from finance.models import AMOUNT_COLUMNS, PayoutState, Statement, StatementLine, StatementStatus
from sellercenter.errors import Conflict, DomainError, NotAllowed
from sellercenter.models import Shop
from sellercenter.money import ZERO
from sellercenter.periods import local_day, period_bounds

logger = logging.getLogger(__name__)
TOTALLED = (*AMOUNT_COLUMNS, "net")
# Opening a statement, or finding it closed by a concurrent close, moves on: a few tries are plenty.
OPEN_ATTEMPTS = 4


def _reference(shop: Shop, start: datetime) -> str:
    return f"ST-{shop.slug.upper()}-{local_day(start, shop.tzinfo):%Y%m%d}"


def _bounds_for_new(shop: Shop, at: datetime) -> tuple[datetime, datetime]:
    """The period of the shop's kind around `at`, trimmed so it cannot overlap an existing statement."""
    start, end = period_bounds(at, shop.tzinfo, selectors.statement_period_of(shop=shop))
    statements = Statement.objects.filter(shop=shop)
    before = statements.filter(period_end__lte=at, period_end__gt=start).order_by("-period_end").first()
    after = statements.filter(period_start__gt=at, period_start__lt=end).order_by("period_start").first()
    return (before.period_end if before else start), (after.period_start if after else end)


def _statement_create(shop: Shop, at: datetime) -> None:
    start, end = _bounds_for_new(shop, at)
    tz = shop.tzinfo
    try:
        with transaction.atomic():
            Statement.objects.create(
                shop=shop,
                reference=_reference(shop, start),
                period_kind=selectors.statement_period_of(shop=shop),
                period_start=start,
                period_end=end,
                period_from=local_day(start, tz),
                period_to=local_day(end, tz) - timedelta(days=1),
                currency=shop.currency,
            )
    except IntegrityError:
        pass  # Opened meanwhile by a concurrent transaction: the caller finds it.


def statement_open_for(*, shop: Shop, at: datetime) -> Statement:
    """The open statement that takes a line made payable at `at`, locked until the transaction ends.

    That is the statement whose period contains `at`, opened if there is none yet; if that period is
    already closed, the first period after the closed ones (statements close in order, so the closed
    ones come first). Call inside a transaction. Conflict if closes keep racing it (retry)."""
    frozen_until = (
        Statement.objects.filter(shop=shop).exclude(status=StatementStatus.OPEN).aggregate(end=Max("period_end"))["end"]
    )
    if frozen_until is not None and at < frozen_until:
        at = frozen_until
    for _attempt in range(OPEN_ATTEMPTS):
        # Only the statement's row: its default ordering joins the shop, and a plain FOR UPDATE would lock
        # the shop's row too, which two lines of the same shop then take in opposite orders (deadlock).
        statement = (
            Statement.objects.select_for_update(of=("self",))
            .filter(shop=shop, period_start__lte=at, period_end__gt=at)
            .order_by("period_start")
            .first()
        )
        if statement is None:
            _statement_create(shop, at)
        elif statement.is_open:
            statement.shop = shop
            return statement
        else:
            at = statement.period_end  # closed since we looked
    raise Conflict(_("The statements are being closed right now; please retry."), code="statement_busy")


def statement_add_lines(*, statement: Statement, lines: list[StatementLine], at: datetime) -> None:
    """Put `lines` (locked, pending or new) into the locked open `statement` as payable from `at`,
    and move its running totals by their amounts in one UPDATE."""
    released_on = local_day(at, statement.shop.tzinfo)
    pks = [line.pk for line in lines]
    StatementLine.objects.filter(pk__in=pks).update(
        statement=statement, payout_state=PayoutState.TO_BE_PAID, released_on=released_on
    )
    deltas = {column: sum((getattr(line, column) for line in lines), ZERO) for column in TOTALLED}
    Statement.objects.filter(pk=statement.pk).update(
        line_count=F("line_count") + len(lines),
        closing_balance=F("closing_balance") + deltas["net"],
        **{f"total_{column}": F(f"total_{column}") + delta for column, delta in deltas.items()},
    )
    statement.refresh_from_db(fields=["line_count", "closing_balance", *(f"total_{c}" for c in TOTALLED)])
    for line in lines:
        line.statement, line.payout_state, line.released_on = statement, PayoutState.TO_BE_PAID, released_on


def _opening_balance(statement: Statement) -> Decimal:
    """A negative closing balance is carried to the next statement; a positive one was paid out."""
    previous = (
        Statement.objects.filter(shop_id=statement.shop_id, period_start__lt=statement.period_start)
        .order_by("-period_start")
        .first()
    )
    if previous is None:
        return ZERO
    if previous.is_open:
        raise NotAllowed(
            _("Close statement %(reference)s first: statements close in order.") % {"reference": previous.reference},
            code="earlier_statement_open",
        )
    return min(previous.closing_balance, ZERO)


def _settle(statement: Statement, at: datetime) -> None:
    statement.status = StatementStatus.PAID
    statement.settled_at = at
    statement.lines.update(payout_state=PayoutState.PAID)


def statement_close(*, statement: Statement, now: datetime | None = None) -> Statement:
    """Close a statement whose period is over: opening balance from the previous statement (a negative
    balance carries over), totals recomputed from its lines, closing balance = opening + net, payout =
    the closing balance if positive, and a digest of everything frozen. A statement with nothing to
    pay out is settled at once.

    Refuses (NotAllowed) a statement that is not open, whose period is not over, or whose previous
    statement is still open."""
    now = now or timezone.now()
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if not statement.is_open:
            raise NotAllowed(_("This statement is already closed."), code="statement_closed")
        if statement.period_end > now:
            raise NotAllowed(_("This statement's period is not over yet."), code="period_not_over")
        statement.opening_balance = _opening_balance(statement)
        sums = selectors.statement_line_sums(statement=statement)
        for column in TOTALLED:
            setattr(statement, f"total_{column}", sums[column])
        statement.line_count = sums["line_count"]
        statement.closing_balance = statement.opening_balance + statement.total_net
        statement.payout_amount = max(statement.closing_balance, ZERO)
        statement.status = StatementStatus.CLOSED
        statement.closed_at = now
        statement.digest = selectors.statement_digest(statement=statement)
        if statement.payout_amount == ZERO:
            _settle(statement, now)
        statement.save()
    return statement


def statement_mark_paid(*, statement: Statement, at: datetime) -> None:
    """Mark a locked, closed statement and its lines paid (called by payout_record)."""
    _settle(statement, at)
    statement.save(update_fields=["status", "settled_at"])


def statements_close_due(*, now: datetime | None = None) -> int:
    """Close every open statement whose period has ended, oldest first, each in its own transaction
    (the beat job). A refusal skips that statement and the shop's later ones. Safe to run twice."""
    now = now or timezone.now()
    due = Statement.objects.filter(status=StatementStatus.OPEN, period_end__lte=now).order_by("shop_id", "period_start")
    closed, blocked_shops = 0, set()
    for statement in due.only("pk", "shop_id").iterator():
        if statement.shop_id in blocked_shops:
            continue
        try:
            statement_close(statement=statement, now=now)
        except DomainError as refusal:
            logger.warning("statement %s not closed: %s", statement.pk, refusal)
            blocked_shops.add(statement.shop_id)
        else:
            closed += 1
    return closed
