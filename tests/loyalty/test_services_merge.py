"""Merging customer profiles (customers.services.customer_merge) brings the loyalty account along."""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.services.rights import customer_merge
from loyalty import services
from loyalty.models import LoyaltyAccount, Tier
from loyalty.selectors import ledger_mismatches
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import SYSTEM, member, with_available_points

pytestmark = pytest.mark.django_db


def test_a_merged_profiles_account_moves_to_the_kept_profile(shop):
    duplicate = member(shop)
    with_available_points(duplicate, 60, order_ref="SC-1")
    kept = CustomerFactory(shop=shop)

    customer_merge(source=duplicate.customer, target=kept)

    account = LoyaltyAccount.objects.get(customer=kept)
    assert (account.pk, account.available_points) == (duplicate.pk, 60)


def test_two_accounts_merge_into_one_with_balances_debt_and_the_higher_tier(shop):
    duplicate = member(shop)
    with_available_points(duplicate, 100, order_ref="SC-1")
    services.points_award_for_order(
        customer=duplicate.customer, order_ref="SC-2", amount=Decimal(30000), at=timezone.now(), actor=SYSTEM
    )
    LoyaltyAccount.objects.filter(pk=duplicate.pk).update(tier=Tier.objects.get(shop=shop, rank=3))
    kept = member(shop)
    with_available_points(kept, 20, order_ref="SC-3")
    services.points_redeem_for_order(customer=kept.customer, order_ref="SC-4", points=20, actor=SYSTEM)
    services.points_clawback_for_refund(
        customer=kept.customer,
        order_ref="SC-3",
        refund_amount=Decimal(20000),
        order_amount=Decimal(20000),
        actor=SYSTEM,
    )  # 20 points owed

    customer_merge(source=duplicate.customer, target=kept.customer)

    account = LoyaltyAccount.objects.get(pk=kept.pk)
    assert (account.available_points, account.pending_points, account.debt_points) == (80, 30, 0)
    assert account.tier.rank == 3
    assert not LoyaltyAccount.objects.filter(pk=duplicate.pk).exists()
    assert ledger_mismatches(shop=shop) == []
