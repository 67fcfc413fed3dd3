"""Property: whatever the sequence of ledger operations, every cached balance equals the ledger."""

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty import services
from loyalty.models import EntryKind, PointsEntry, PointsLot
from loyalty.selectors import ledger_mismatches
from sellercenter.errors import DomainError
from tests.loyalty.factories import SYSTEM, member

ORDERS = [f"SC-{n:06d}" for n in range(4)]
order_refs = st.sampled_from(ORDERS)

operations = st.one_of(
    st.tuples(st.just("award"), order_refs, st.integers(0, 2_000_000), st.integers(0, 500)),
    st.tuples(st.just("release"), order_refs, st.integers(0, 500)),
    st.tuples(st.just("redeem"), order_refs, st.integers(1, 1500)),
    st.tuples(st.just("reverse"), order_refs),
    st.tuples(st.just("clawback"), order_refs, st.integers(1, 100)),
    st.tuples(st.just("adjust"), st.integers(-800, 800).filter(bool)),
    st.tuples(st.just("expire"), st.integers(0, 800)),
)


def _apply(account, operation) -> None:
    name, *args = operation
    customer = account.customer
    now = timezone.now()
    if name == "award":
        order_ref, amount, days_ago = args
        services.points_award_for_order(
            customer=customer,
            order_ref=order_ref,
            amount=Decimal(amount),
            at=now - timedelta(days=days_ago),
            actor=SYSTEM,
        )
    elif name == "release":
        order_ref, days_ago = args
        services.points_release_for_order(
            customer=customer, order_ref=order_ref, at=now - timedelta(days=days_ago), actor=SYSTEM
        )
    elif name == "redeem":
        services.points_redeem_for_order(customer=customer, order_ref=f"R-{args[0]}", points=args[1], actor=SYSTEM)
    elif name == "reverse":
        services.points_reverse_redemption(customer=customer, order_ref=f"R-{args[0]}", actor=SYSTEM)
    elif name == "clawback":
        order_ref, percent = args
        services.points_clawback_for_refund(
            customer=customer,
            order_ref=order_ref,
            refund_amount=Decimal(percent * 1000),
            order_amount=Decimal(100_000),
            actor=SYSTEM,
        )
    elif name == "adjust":
        services.points_adjust(account=account, points=args[0], reason="Kiểm thử", actor=SYSTEM)
    else:
        services.points_expire_due(now=now + timedelta(days=args[0]))


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(operations, max_size=25))
def test_balances_equal_the_sum_of_the_ledger_after_any_sequence(shop, sequence):
    account = member(shop)

    for operation in sequence:
        # A refusal changes nothing; the invariants below must hold all the same.
        with contextlib.suppress(DomainError):
            _apply(account, operation)

    account.refresh_from_db()
    entries = PointsEntry.objects.filter(account=account).aggregate(
        pending=Sum("pending_delta"), available=Sum("available_delta"), debt=Sum("debt_delta")
    )
    assert account.pending_points == (entries["pending"] or 0) >= 0
    assert account.available_points == (entries["available"] or 0) >= 0
    assert account.debt_points == (entries["debt"] or 0) >= 0
    lots = PointsLot.objects.filter(account=account).aggregate(remaining=Sum("remaining"))["remaining"] or 0
    assert account.available_points == lots
    assert account.available_points == 0 or account.debt_points == 0
    for order_ref in ORDERS:
        earned = PointsEntry.objects.filter(account=account, source=f"order:{order_ref}", kind=EntryKind.EARN)
        assert earned.count() <= 1
    assert ledger_mismatches(shop=shop) == []
