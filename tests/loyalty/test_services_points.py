"""The points ledger through the services orders calls: award, release, redeem, reverse, claw back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty import services
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, PointsLot
from loyalty.selectors import ledger_mismatches, points_spendable
from sellercenter.actor import Actor
from sellercenter.errors import Conflict, InvalidInput
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import SYSTEM, member, with_available_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(shop):
    return member(shop)


def _reload(account):
    account.refresh_from_db()
    return account


def test_award_earns_pending_points_by_amount_and_tier_multiplier(account):
    account.tier = account.shop.tiers.get(rank=3)  # Vàng: x1.5
    account.save()

    points = services.points_award_for_order(
        customer=account.customer, order_ref="SC-000123", amount=Decimal("250999"), at=timezone.now(), actor=SYSTEM
    )

    assert points == 376  # 250.999 ₫ / 1.000 x 1,5 = 376,4985, rounded down
    account = _reload(account)
    assert (account.pending_points, account.available_points, account.lifetime_points) == (376, 0, 376)
    entry = PointsEntry.objects.get(account=account)
    assert (entry.kind, entry.source, entry.amount) == (EntryKind.EARN, "order:SC-000123", Decimal("250999"))


def test_award_is_idempotent_per_order(account):
    at = timezone.now()
    first = services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(50000), at=at, actor=SYSTEM
    )
    again = services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(90000), at=at, actor=SYSTEM
    )

    assert first == again == 50
    assert _reload(account).pending_points == 50
    assert PointsEntry.objects.filter(account=account, kind=EntryKind.EARN).count() == 1


def test_the_database_refuses_a_second_award_for_the_same_order(account):
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(50000), at=timezone.now(), actor=SYSTEM
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            shop=account.shop, account=account, kind=EntryKind.EARN, pending_delta=50, source="order:SC-1"
        )


def test_award_enrols_a_customer_without_account(shop):
    customer = CustomerFactory(shop=shop)

    services.points_award_for_order(
        customer=customer, order_ref="SC-9", amount=Decimal(10000), at=timezone.now(), actor=SYSTEM
    )

    account = LoyaltyAccount.objects.get(customer=customer)
    assert (account.pending_points, account.tier.rank) == (10, 1)


def test_award_too_small_for_a_point_records_nothing(account):
    assert (
        services.points_award_for_order(
            customer=account.customer, order_ref="SC-1", amount=Decimal(999), at=timezone.now(), actor=SYSTEM
        )
        == 0
    )
    assert not PointsEntry.objects.filter(account=account).exists()


@pytest.mark.parametrize(("kwargs", "field"), [({"amount": Decimal(-1)}, "amount"), ({"order_ref": " "}, "order_ref")])
def test_award_refuses_bad_input(account, kwargs, field):
    arguments = {
        "customer": account.customer,
        "order_ref": "SC-1",
        "amount": Decimal(1000),
        "at": timezone.now(),
        **kwargs,
    }

    with pytest.raises(InvalidInput) as raised:
        services.points_award_for_order(**arguments, actor=SYSTEM)

    assert field in raised.value.fields


def test_release_makes_points_available_with_the_programme_lifetime_once(account):
    delivered = timezone.now() - timedelta(days=8)
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(120000), at=delivered, actor=SYSTEM
    )
    completed = timezone.now()

    first = services.points_release_for_order(customer=account.customer, order_ref="SC-1", at=completed, actor=SYSTEM)
    again = services.points_release_for_order(customer=account.customer, order_ref="SC-1", at=completed, actor=SYSTEM)

    assert first == again == 120
    account = _reload(account)
    assert (account.pending_points, account.available_points) == (0, 120)
    lot = PointsLot.objects.get(account=account)
    assert lot.available_at == completed
    assert lot.expires_at.astimezone(account.shop.tzinfo).date() == (
        completed.astimezone(account.shop.tzinfo).date().replace(year=completed.year + 1)
    )


def test_release_of_an_order_without_points_is_nothing(account):
    assert (
        services.points_release_for_order(
            customer=account.customer, order_ref="SC-404", at=timezone.now(), actor=SYSTEM
        )
        == 0
    )


def test_redeem_takes_soonest_expiring_points_first_and_returns_their_value(account):
    now = timezone.now()
    with_available_points(account, 100, order_ref="SC-NEW", at=now - timedelta(days=10))
    with_available_points(account, 80, order_ref="SC-OLD", at=now - timedelta(days=300))

    value = services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=120, actor=SYSTEM)

    assert value == Decimal("1200")  # 120 points x 10 ₫
    remaining = dict(PointsLot.objects.filter(account=account).values_list("entry__source", "remaining"))
    assert remaining == {"order:SC-OLD": 0, "order:SC-NEW": 60}
    assert _reload(account).available_points == 60


def test_redeem_refuses_more_than_available_and_changes_nothing(account):
    with_available_points(account, 50, order_ref="SC-1")

    with pytest.raises(Conflict) as raised:
        services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=51, actor=SYSTEM)

    assert raised.value.code == "insufficient_points"
    assert _reload(account).available_points == 50
    assert not PointsEntry.objects.filter(kind=EntryKind.REDEEM).exists()


def test_redeem_refuses_a_second_redemption_for_the_same_order(account):
    with_available_points(account, 50, order_ref="SC-1")
    services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=10, actor=SYSTEM)

    with pytest.raises(Conflict) as raised:
        services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=10, actor=SYSTEM)

    assert raised.value.code == "already_redeemed"
    assert _reload(account).available_points == 40


@pytest.mark.parametrize("points", [0, -5])
def test_redeem_refuses_points_that_are_not_positive(account, points):
    with pytest.raises(InvalidInput):
        services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=points, actor=SYSTEM)


def test_expired_points_cannot_be_spent_even_before_the_nightly_job(account):
    with_available_points(account, 70, order_ref="SC-1", at=timezone.now() - timedelta(days=200))
    PointsLot.objects.filter(account=account).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert points_spendable(account=account) == 0
    with pytest.raises(Conflict):
        services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=1, actor=SYSTEM)
    assert not PointsEntry.objects.filter(account=account, kind=EntryKind.REDEEM).exists()

    services.points_expire_due()
    assert _reload(account).available_points == 0
    assert PointsEntry.objects.filter(account=account, kind=EntryKind.EXPIRE).get().available_delta == -70


def test_reversal_returns_points_to_their_lots_with_their_original_expiry_exactly_once(account):
    with_available_points(account, 100, order_ref="SC-1")
    lot = PointsLot.objects.get(account=account)
    services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=60, actor=SYSTEM)

    services.points_reverse_redemption(customer=account.customer, order_ref="SC-2", actor=SYSTEM)
    services.points_reverse_redemption(customer=account.customer, order_ref="SC-2", actor=SYSTEM)

    account = _reload(account)
    assert account.available_points == 100
    refreshed = PointsLot.objects.get(pk=lot.pk)
    assert (refreshed.remaining, refreshed.expires_at) == (100, lot.expires_at)
    assert PointsEntry.objects.filter(account=account, kind=EntryKind.REDEEM_REVERSAL).count() == 1
    assert ledger_mismatches() == []


def test_reversed_points_whose_expiry_passed_meanwhile_expire_at_once(account):
    with_available_points(account, 100, order_ref="SC-1")
    services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=60, actor=SYSTEM)
    PointsLot.objects.filter(account=account).update(
        available_at=timezone.now() - timedelta(days=400), expires_at=timezone.now() - timedelta(seconds=1)
    )

    services.points_reverse_redemption(customer=account.customer, order_ref="SC-2", actor=SYSTEM)

    account = _reload(account)
    assert account.available_points == 0
    assert (
        sum(
            PointsEntry.objects.filter(account=account, kind=EntryKind.EXPIRE).values_list("available_delta", flat=True)
        )
        == -100
    )
    assert ledger_mismatches() == []


def test_reversing_an_order_without_redemption_does_nothing(account):
    services.points_reverse_redemption(customer=account.customer, order_ref="SC-404", actor=SYSTEM)

    assert not PointsEntry.objects.filter(account=account).exists()


def test_clawback_of_pending_points_is_pro_rata_and_partial_refunds_add_up_to_the_award(account):
    at = timezone.now()
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(300000), at=at, actor=SYSTEM
    )

    taken = [
        services.points_clawback_for_refund(
            customer=account.customer,
            order_ref="SC-1",
            refund_amount=Decimal(refund),
            order_amount=Decimal(300000),
            actor=SYSTEM,
        )
        for refund in (100000, 100000, 100000, 50000)
    ]

    assert taken == [100, 100, 100, 0]
    account = _reload(account)
    assert (account.pending_points, account.lifetime_points) == (0, 0)
    assert services.points_release_for_order(customer=account.customer, order_ref="SC-1", at=at, actor=SYSTEM) == 0


def test_small_refunds_that_round_to_nothing_still_count_towards_later_ones(account):
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(10000), at=timezone.now(), actor=SYSTEM
    )

    first = services.points_clawback_for_refund(
        customer=account.customer,
        order_ref="SC-1",
        refund_amount=Decimal(400),
        order_amount=Decimal(10000),
        actor=SYSTEM,
    )
    second = services.points_clawback_for_refund(
        customer=account.customer,
        order_ref="SC-1",
        refund_amount=Decimal(400),
        order_amount=Decimal(10000),
        actor=SYSTEM,
    )

    assert (first, second) == (0, 1)  # 10 x 400/10.000 = 0,4 -> 0; 10 x 800/10.000 = 0,8 -> 1


def test_release_after_a_partial_clawback_releases_only_what_is_left(account):
    at = timezone.now()
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(200000), at=at, actor=SYSTEM
    )
    services.points_clawback_for_refund(
        customer=account.customer,
        order_ref="SC-1",
        refund_amount=Decimal(50000),
        order_amount=Decimal(200000),
        actor=SYSTEM,
    )

    assert services.points_release_for_order(customer=account.customer, order_ref="SC-1", at=at, actor=SYSTEM) == 150
    assert _reload(account).available_points == 150


def test_clawback_beyond_the_balance_becomes_debt_netted_against_later_earnings(account):
    with_available_points(account, 100, order_ref="SC-1")
    services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=70, actor=SYSTEM)

    taken = services.points_clawback_for_refund(
        customer=account.customer,
        order_ref="SC-1",
        refund_amount=Decimal(100000),
        order_amount=Decimal(100000),
        actor=SYSTEM,
    )

    assert taken == 100
    account = _reload(account)
    assert (account.available_points, account.debt_points) == (0, 70)

    with_available_points(account, 50, order_ref="SC-3")
    account = _reload(account)
    assert (account.available_points, account.debt_points) == (0, 20)

    with_available_points(account, 50, order_ref="SC-4")
    account = _reload(account)
    assert (account.available_points, account.debt_points) == (30, 0)
    assert ledger_mismatches() == []


def test_clawback_refuses_a_refund_larger_than_the_order(account):
    with pytest.raises(InvalidInput) as raised:
        services.points_clawback_for_refund(
            customer=account.customer, order_ref="SC-1", refund_amount=Decimal(2), order_amount=Decimal(1), actor=SYSTEM
        )

    assert "refund_amount" in raised.value.fields


def test_nightly_expiry_takes_only_the_unconsumed_part_of_due_lots_and_is_idempotent(account):
    now = timezone.now()
    with_available_points(account, 100, order_ref="SC-OLD", at=now - timedelta(days=360))
    with_available_points(account, 40, order_ref="SC-NEW", at=now - timedelta(days=5))
    services.points_redeem_for_order(customer=account.customer, order_ref="SC-2", points=30, actor=SYSTEM)
    later = now + timedelta(days=10)

    first = services.points_expire_due(now=later)
    again = services.points_expire_due(now=later)

    assert (first, again) == (70, 0)
    account = _reload(account)
    assert account.available_points == 40
    assert dict(PointsLot.objects.filter(account=account).values_list("entry__source", "remaining")) == {
        "order:SC-OLD": 0,
        "order:SC-NEW": 40,
    }


def test_manual_adjustment_needs_a_reason_and_records_the_actor(account, owner):
    with pytest.raises(InvalidInput) as raised:
        services.points_adjust(account=account, points=10, reason="  ", actor=Actor.staff(owner))
    assert "reason" in raised.value.fields

    entry = services.points_adjust(account=account, points=25, reason="Bồi thường giao trễ", actor=Actor.staff(owner))

    assert (entry.kind, entry.actor_kind, entry.user, entry.reason, entry.available_delta) == (
        EntryKind.ADJUSTMENT,
        "staff",
        owner,
        "Bồi thường giao trễ",
        25,
    )
    assert _reload(account).available_points == 25


def test_manual_adjustment_cannot_take_more_than_available(account, owner):
    services.points_adjust(account=account, points=25, reason="Quà tặng", actor=Actor.staff(owner))

    with pytest.raises(InvalidInput):
        services.points_adjust(account=account, points=-26, reason="Sửa nhầm", actor=Actor.staff(owner))

    services.points_adjust(account=account, points=-25, reason="Sửa nhầm", actor=Actor.staff(owner))
    assert _reload(account).available_points == 0


def test_the_database_refuses_a_negative_available_balance(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        LoyaltyAccount.objects.filter(pk=account.pk).update(available_points=-1)
