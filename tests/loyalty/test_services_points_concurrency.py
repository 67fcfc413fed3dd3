"""Concurrent redemptions and awards on PostgreSQL: the balance never goes below zero, no double award."""

from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry
from loyalty.selectors import ledger_mismatches
from sellercenter.errors import Conflict
from tests.concurrency import run_concurrently
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import SYSTEM, member, with_available_points

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_redemptions_never_overdraw(shop):
    account = member(shop)
    with_available_points(account, 1000, order_ref="SC-SEED")
    customer = account.customer

    results = run_concurrently(
        lambda i: services.points_redeem_for_order(customer=customer, order_ref=f"SC-{i:06d}", points=70, actor=SYSTEM),
        20,
    )

    succeeded = [result for result in results if isinstance(result, Decimal)]
    refused = [result for result in results if isinstance(result, Conflict)]
    assert len(succeeded) == 14  # 14 x 70 = 980 of 1.000 points
    assert len(refused) == 6
    assert all(result == Decimal("700") for result in succeeded)
    account = LoyaltyAccount.objects.get(pk=account.pk)
    assert account.available_points == 20
    assert PointsEntry.objects.filter(account=account, kind=EntryKind.REDEEM).count() == 14
    assert ledger_mismatches(shop=shop) == []


def test_concurrent_awards_for_the_same_order_award_once(shop):
    account = member(shop)
    customer = account.customer
    at = timezone.now()

    results = run_concurrently(
        lambda i: services.points_award_for_order(
            customer=customer, order_ref="SC-000001", amount=Decimal(80000), at=at, actor=SYSTEM
        ),
        10,
    )

    assert results == [80] * 10
    assert LoyaltyAccount.objects.get(pk=account.pk).pending_points == 80
    assert PointsEntry.objects.filter(account=account, kind=EntryKind.EARN).count() == 1


def test_concurrent_first_orders_enrol_the_customer_once(shop):
    customer = CustomerFactory(shop=shop)
    at = timezone.now()

    results = run_concurrently(
        lambda i: services.points_award_for_order(
            customer=customer, order_ref=f"SC-{i:06d}", amount=Decimal(10000), at=at, actor=SYSTEM
        ),
        8,
    )

    assert results == [10] * 8
    account = LoyaltyAccount.objects.get(customer=customer)
    assert account.pending_points == 80
