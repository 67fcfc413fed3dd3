"""Merging customer profiles (customers.services.customer_merge) brings the loyalty account along."""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.services.rights import customer_merge
from loyalty import services
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, Tier, TierChangeReason
from loyalty.selectors import ledger_mismatches
from sellercenter.actor import Actor
from sellercenter.models import ActorKind
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


def test_a_merge_records_who_merged_on_the_kept_tier_and_the_points_netted(shop, owner):
    duplicate = member(shop)
    with_available_points(duplicate, 50, order_ref="SC-1")
    LoyaltyAccount.objects.filter(pk=duplicate.pk).update(tier=Tier.objects.get(shop=shop, rank=2))
    kept = member(shop)
    with_available_points(kept, 20, order_ref="SC-2")
    services.points_redeem_for_order(customer=kept.customer, order_ref="SC-3", points=20, actor=SYSTEM)
    services.points_clawback_for_refund(
        customer=kept.customer,
        order_ref="SC-2",
        refund_amount=Decimal(20000),
        order_amount=Decimal(20000),
        actor=SYSTEM,
    )  # 20 points owed, netted against the duplicate's 50 by the merge

    customer_merge(source=duplicate.customer, target=kept.customer, actor=Actor.staff(owner))

    account = LoyaltyAccount.objects.get(pk=kept.pk)
    kept_tier = account.tier_changes.get(reason=TierChangeReason.UPGRADE)
    netted = PointsEntry.objects.get(account=account, kind=EntryKind.DEBT_SETTLEMENT)
    assert (kept_tier.actor_kind, kept_tier.user) == (ActorKind.STAFF, owner)
    assert (netted.actor_kind, netted.user, netted.available_delta) == (ActorKind.STAFF, owner, -20)


def test_a_merge_without_a_person_is_recorded_as_the_system(shop):
    duplicate = member(shop)
    LoyaltyAccount.objects.filter(pk=duplicate.pk).update(tier=Tier.objects.get(shop=shop, rank=2))
    kept = member(shop)

    customer_merge(source=duplicate.customer, target=kept.customer)

    kept_tier = LoyaltyAccount.objects.get(pk=kept.pk).tier_changes.get(reason=TierChangeReason.UPGRADE)
    assert (kept_tier.actor_kind, kept_tier.user, kept_tier.api_key) == (ActorKind.SYSTEM, None, None)
