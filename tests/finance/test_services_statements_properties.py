"""Property: whatever lines arrive when, and whenever the beat job and payouts run, no money is lost
or counted twice, and the books reconcile."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance import services
from finance.models import Statement, StatementLine, StatementStatus
from finance.selectors import reconcile_problems
from sellercenter.money import ZERO
from tests.finance.test_services_statements import WEEK_1

pytestmark = pytest.mark.django_db

HOURS = 24 * 7 * 5  # five weeks
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("line"), st.integers(0, HOURS), st.integers(-50, 80).filter(bool)),
        st.tuples(st.just("close"), st.integers(0, HOURS + 24 * 7), st.just(0)),
        st.tuples(st.just("pay"), st.integers(0, 3), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


def run(shop, steps) -> None:
    clock = WEEK_1
    for action, value, amount in steps:
        if action == "line":
            # Lines arrive in time order, as the signals that make them do.
            clock = max(clock, WEEK_1 + timedelta(hours=value))
            services.adjustment_create(shop=shop, amount=Decimal(amount * 1000), reason="Đối soát", at=clock)
        elif action == "close":
            services.statements_close_due(now=max(clock, WEEK_1 + timedelta(hours=value)))
        else:
            closed = list(Statement.objects.filter(shop=shop, status=StatementStatus.CLOSED).order_by("period_start"))
            if closed:
                statement = closed[value % len(closed)]
                services.payout_record(
                    statement=statement,
                    amount=statement.payout_amount,
                    paid_on=statement.period_to,
                    bank_reference="VCB",
                )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_no_money_is_lost_or_counted_twice(shop, steps):
    with transaction.atomic():
        run(shop, steps)

        assert reconcile_problems(shop=shop) == []
        frozen = list(Statement.objects.filter(shop=shop).exclude(status=StatementStatus.OPEN).order_by("period_start"))
        frozen_net = sum((s.total_net for s in frozen), ZERO)
        carried = min(frozen[-1].closing_balance, ZERO) if frozen else ZERO
        # What the frozen statements' lines earned is paid out, or still carried as a negative balance.
        assert sum((s.payout_amount for s in frozen), ZERO) + carried == frozen_net
        # Every line is in exactly one statement, and the statements hold every line.
        all_net = sum(StatementLine.objects.filter(shop=shop).values_list("net", flat=True), ZERO)
        assert sum(Statement.objects.filter(shop=shop).values_list("total_net", flat=True), ZERO) == all_net
        transaction.set_rollback(True)
