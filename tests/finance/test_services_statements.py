"""Statements: periods cut in the shop's time zone, close and freeze, carry-over of a negative
balance, corrections as adjustments of the next statement."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from finance import services
from finance.models import FinanceSettings, PayoutState, Statement, StatementPeriod, StatementStatus
from finance.selectors import reconcile_problems, statement_digest
from sellercenter.errors import NotAllowed
from sellercenter.periods import period_bounds
from tests.concurrency import row_held, run_concurrently
from tests.finance.factories import adjustment, reload

pytestmark = pytest.mark.django_db
D = Decimal
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=HCM)


WEEK_1 = local(2025, 3, 4, 10)  # a Tuesday
WEEK_2 = local(2025, 3, 11, 10)
WEEK_3 = local(2025, 3, 18, 10)
AFTER_WEEK_1 = local(2025, 3, 10, 0, 5)
AFTER_WEEK_2 = local(2025, 3, 17, 0, 5)


@pytest.mark.parametrize(
    ("at", "kind", "start", "end"),
    [
        # Sunday 23:30 in Hồ Chí Minh City is still the week of Monday 3 March, though already Monday in UTC+8.
        (local(2025, 3, 9, 23, 30), StatementPeriod.WEEKLY, local(2025, 3, 3), local(2025, 3, 10)),
        # Sunday 17:10 UTC is Monday 00:10 there: the next week.
        (datetime(2025, 3, 9, 17, 10, tzinfo=UTC), StatementPeriod.WEEKLY, local(2025, 3, 10), local(2025, 3, 17)),
        (local(2025, 2, 28, 23, 59), StatementPeriod.MONTHLY, local(2025, 2, 1), local(2025, 3, 1)),
        (local(2024, 12, 31, 12), StatementPeriod.MONTHLY, local(2024, 12, 1), local(2025, 1, 1)),
    ],
)
def test_periods_are_cut_in_the_shops_time_zone(at, kind, start, end):
    assert period_bounds(at, HCM, kind) == (start, end)


def test_a_line_opens_the_statement_of_its_week(shop):
    line = adjustment(shop, "50000", at=WEEK_1)

    statement = line.statement
    assert (statement.period_start, statement.period_end) == (local(2025, 3, 3), local(2025, 3, 10))
    assert (statement.period_from, statement.period_to) == (date(2025, 3, 3), date(2025, 3, 9))
    assert statement.reference == "ST-HOA-MAI-20250303"
    assert statement.status == StatementStatus.OPEN


def test_monthly_statements_when_the_shop_chooses_them(shop):
    FinanceSettings.objects.create(shop=shop, statement_period=StatementPeriod.MONTHLY)

    statement = adjustment(shop, "50000", at=WEEK_1).statement

    assert (statement.period_from, statement.period_to) == (date(2025, 3, 1), date(2025, 3, 31))


def test_closing_is_refused_before_the_period_ends(shop):
    statement = adjustment(shop, "50000", at=WEEK_1).statement

    with pytest.raises(NotAllowed):
        services.statement_close(statement=statement, now=local(2025, 3, 9, 23, 59))

    assert reload(statement).is_open


def test_closing_freezes_totals_balance_and_digest(shop):
    adjustment(shop, "50000", at=WEEK_1)
    statement = adjustment(shop, "-8000", at=WEEK_1).statement

    closed = services.statement_close(statement=statement, now=AFTER_WEEK_1)

    assert closed.status == StatementStatus.CLOSED and closed.closed_at == AFTER_WEEK_1
    assert (closed.opening_balance, closed.total_adjustment, closed.total_net) == (D("0"), D("42000"), D("42000"))
    assert (closed.closing_balance, closed.payout_amount, closed.line_count) == (D("42000"), D("42000"), 2)
    assert closed.digest == statement_digest(statement=reload(closed))
    with pytest.raises(NotAllowed):
        services.statement_close(statement=closed, now=AFTER_WEEK_1)


def test_a_line_arriving_after_the_close_goes_to_the_next_statement(shop):
    first = adjustment(shop, "50000", at=WEEK_1).statement
    services.statement_close(statement=first, now=AFTER_WEEK_1)

    late = adjustment(shop, "7000", at=local(2025, 3, 9, 23, 0))

    assert late.statement != first
    assert late.statement.period_start == local(2025, 3, 10)
    first = reload(first)
    assert first.line_count == 1 and first.digest == statement_digest(statement=first)


def test_a_correction_of_a_closed_statement_is_an_adjustment_of_the_next_one(shop, owner):
    first = adjustment(shop, "50000", at=WEEK_1).statement
    first = services.statement_close(statement=first, now=AFTER_WEEK_1)

    correction = adjustment(shop, "-5000", reason="Phí vận chuyển tính thiếu tuần trước", corrects=first, at=WEEK_2)

    assert correction.statement.period_start == local(2025, 3, 10) and correction.corrects == first
    assert reload(first).digest == statement_digest(statement=reload(first))
    assert reload(first).total_net == D("50000")


def test_a_negative_closing_balance_is_carried_to_the_next_statement(shop):
    first = adjustment(shop, "-30000", at=WEEK_1).statement
    first = services.statement_close(statement=first, now=AFTER_WEEK_1)
    assert (first.closing_balance, first.payout_amount) == (D("-30000"), D("0"))
    # Nothing to pay out: settled at once, its lines with it.
    assert first.status == StatementStatus.PAID
    assert set(first.lines.values_list("payout_state", flat=True)) == {PayoutState.PAID}

    second = adjustment(shop, "100000", at=WEEK_2).statement
    second = services.statement_close(statement=second, now=AFTER_WEEK_2)

    assert (second.opening_balance, second.total_net, second.closing_balance) == (D("-30000"), D("100000"), D("70000"))
    assert second.payout_amount == D("70000") and second.status == StatementStatus.CLOSED


def test_a_positive_closing_balance_is_paid_out_not_carried(shop):
    first = adjustment(shop, "40000", at=WEEK_1).statement
    services.statement_close(statement=first, now=AFTER_WEEK_1)
    second = adjustment(shop, "10000", at=WEEK_2).statement

    second = services.statement_close(statement=second, now=AFTER_WEEK_2)

    assert second.opening_balance == D("0") and second.closing_balance == D("10000")


def test_statements_close_in_order(shop):
    adjustment(shop, "40000", at=WEEK_1)
    second = adjustment(shop, "10000", at=WEEK_2).statement

    with pytest.raises(NotAllowed):
        services.statement_close(statement=second, now=AFTER_WEEK_2)


def test_the_beat_job_closes_every_ended_period_oldest_first(shop, other_shop):
    adjustment(shop, "40000", at=WEEK_1)
    adjustment(shop, "-50000", at=WEEK_2)
    current = adjustment(shop, "1000", at=WEEK_3).statement
    adjustment(other_shop, "9000", at=WEEK_1)

    assert services.statements_close_due(now=local(2025, 3, 17, 0, 5)) == 3
    assert services.statements_close_due(now=local(2025, 3, 17, 0, 10)) == 0

    statuses = dict(Statement.objects.filter(shop=shop).values_list("period_from", "status"))
    assert statuses == {date(2025, 3, 3): "closed", date(2025, 3, 10): "paid", date(2025, 3, 17): "open"}
    assert reload(current).is_open


def test_statements_never_overlap_when_the_period_changes(shop):
    weekly = adjustment(shop, "1000", at=WEEK_1).statement
    services.statement_close(statement=weekly, now=AFTER_WEEK_1)
    FinanceSettings.objects.create(shop=shop, statement_period=StatementPeriod.MONTHLY)

    monthly = adjustment(shop, "1000", at=WEEK_2).statement

    assert monthly.period_start == weekly.period_end == local(2025, 3, 10)
    assert monthly.period_end == local(2025, 4, 1)
    assert monthly.period_end - monthly.period_start == timedelta(days=22)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_lines_open_one_statement_with_every_line(shop):
    results = run_concurrently(lambda i: adjustment(shop, str(1000 * (i + 1)), at=WEEK_1), 8)

    assert not [r for r in results if isinstance(r, Exception)]
    statement = Statement.objects.get(shop=shop)
    assert (statement.line_count, statement.total_net) == (8, D(1000 * sum(range(1, 9))))
    assert reconcile_problems(shop=shop) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lines_racing_a_close_land_before_it_or_in_the_next_statement(shop):
    first = adjustment(shop, "1000", at=WEEK_1).statement

    def work(index: int):
        if index == 0:
            return services.statement_close(statement=first, now=AFTER_WEEK_1)
        return adjustment(shop, str(1000 * index), at=local(2025, 3, 9, 23, 59))

    results = run_concurrently(work, 8)

    assert not [r for r in results if isinstance(r, Exception)]
    assert reconcile_problems(shop=shop) == []
    closed = reload(first)
    later = Statement.objects.filter(shop=shop).exclude(pk=first.pk)
    assert closed.line_count + sum(s.line_count for s in later) == 8
    assert all(s.period_start == closed.period_end for s in later)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_taking_the_statement_locks_its_row_not_the_shops(shop):
    """Every insert that names the shop holds a key-share lock on the shop's row until it commits.
    Taking the statement must not wait for those: it used to lock the shop's row too (FOR UPDATE
    through the join of the statements' ordering), and two lines of one shop could deadlock."""
    adjustment(shop, "1000", at=WEEK_1)

    with row_held("sellercenter_shop", shop.pk):
        line = adjustment(shop, "2000", at=WEEK_1)

    assert reload(line.statement).line_count == 2
