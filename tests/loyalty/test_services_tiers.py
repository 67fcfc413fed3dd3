"""Tier evaluation: upgrade at once, keep for the next period, downgrade at its end; periods are cut in
the shop's time zone (Asia/Ho_Chi_Minh, UTC+7)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty import services
from loyalty.models import ProgrammeSettings, QualificationBasis, QualificationWindow, TierChange, TierChangeReason
from loyalty.selectors import customer_tier
from sellercenter.actor import Actor
from sellercenter.errors import InvalidInput
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import SYSTEM, member

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def _window(shop, window=QualificationWindow.CALENDAR_YEAR, basis=QualificationBasis.SPEND):
    ProgrammeSettings.objects.filter(shop=shop).update(qualification_window=window, qualification_basis=basis)


def _spend(account, order_ref: str, amount: int, at: datetime) -> None:
    services.tier_record_qualifying_spend(
        customer=account.customer, order_ref=order_ref, amount=Decimal(amount), at=at, actor=SYSTEM
    )


def _rank(account) -> int:
    account.refresh_from_db()
    return account.tier.rank


@pytest.fixture
def account(shop):
    _window(shop)
    return member(shop)


def test_customer_tier_is_none_without_an_account_and_the_tier_with_one(shop, account):
    assert customer_tier(customer=CustomerFactory(shop=shop)) is None
    assert customer_tier(customer=account.customer).name == "Thành viên"


def test_upgrade_happens_at_once_and_the_tier_is_kept_to_the_end_of_the_next_period(account):
    _spend(account, "SC-1", 1_500_000, local(2025, 3, 10, 9, 0))
    assert _rank(account) == 1

    _spend(account, "SC-2", 600_000, local(2025, 3, 12, 9, 0))

    assert _rank(account) == 2
    assert account.tier_kept_until == local(2027, 1, 1)
    change = TierChange.objects.filter(account=account).latest("pk")
    assert (change.from_tier.rank, change.to_tier.rank, change.reason) == (1, 2, TierChangeReason.UPGRADE)
    assert change.occurred_at == local(2025, 3, 12, 9, 0)


def test_spend_is_counted_once_per_order(account):
    _spend(account, "SC-1", 1_500_000, local(2025, 3, 10))
    _spend(account, "SC-1", 1_500_000, local(2025, 3, 10))

    assert _rank(account) == 1
    assert account.qualifying_amount == Decimal("1500000")


def test_calendar_years_are_cut_at_midnight_in_the_shops_time_zone(account):
    # Both instants are 31 December in UTC, but in Hà Nội the second is already 2026.
    _spend(account, "SC-1", 3_000_000, local(2025, 12, 31, 23, 30))
    _spend(account, "SC-2", 3_000_000, local(2026, 1, 1, 0, 30))

    assert _rank(account) == 2  # Bạc from 2025; 2026 alone is 3.000.000 ₫, not Vàng's 5.000.000 ₫
    assert account.tier_kept_until == local(2027, 1, 1)


def test_a_tier_reached_in_one_period_is_kept_through_the_next_then_downgraded(account):
    _spend(account, "SC-1", 6_000_000, local(2025, 6, 1))
    assert _rank(account) == 3

    assert services.tiers_reevaluate_due(now=local(2026, 1, 1, 0, 5)) == 0
    assert _rank(account) == 3  # kept through 2026 although 2026 has no spend yet

    _spend(account, "SC-2", 2_500_000, local(2026, 8, 1))
    assert services.tiers_reevaluate_due(now=local(2027, 1, 1, 0, 5)) == 1

    assert _rank(account) == 2  # 2026 qualified for Bạc only
    assert account.tier_kept_until == local(2028, 1, 1)
    change = TierChange.objects.filter(account=account).latest("pk")
    assert (change.reason, change.occurred_at) == (TierChangeReason.DOWNGRADE, local(2027, 1, 1))


def test_a_member_who_qualifies_again_keeps_the_tier_for_another_period(account):
    _spend(account, "SC-1", 6_000_000, local(2025, 6, 1))
    _spend(account, "SC-2", 5_000_000, local(2026, 6, 1))

    services.tiers_reevaluate_due(now=local(2027, 1, 1, 0, 5))

    assert _rank(account) == 3
    assert account.tier_kept_until == local(2028, 1, 1)


def test_the_period_end_is_in_the_shops_time_zone(account):
    _spend(account, "SC-1", 6_000_000, local(2025, 6, 1))

    # 31 December 2026, 23:59 in Hà Nội: the period is not over yet.
    assert services.tiers_reevaluate_due(now=local(2026, 12, 31, 23, 59)) == 0
    assert _rank(account) == 3
    assert services.tiers_reevaluate_due(now=local(2027, 1, 1, 0, 0)) == 1
    assert _rank(account) == 1


def test_nightly_re_evaluation_is_idempotent(account):
    _spend(account, "SC-1", 6_000_000, local(2025, 6, 1))
    night = local(2027, 1, 1, 0, 5)

    first = services.tiers_reevaluate_due(now=night)
    changes = TierChange.objects.count()
    second = services.tiers_reevaluate_due(now=night)

    assert (first, second) == (1, 0)
    assert TierChange.objects.count() == changes


def test_missed_period_ends_are_caught_up_one_by_one(account):
    _spend(account, "SC-1", 45_000_000, local(2025, 6, 1))  # Kim cương, kept to 2027
    _spend(account, "SC-2", 16_000_000, local(2026, 6, 1))  # 2026: Bạch kim

    services.tiers_reevaluate_due(now=local(2029, 3, 1))

    reasons = list(
        TierChange.objects.filter(account=account, reason=TierChangeReason.DOWNGRADE)
        .order_by("occurred_at")
        .values_list("to_tier__rank", "occurred_at")
    )
    assert reasons == [(4, local(2027, 1, 1)), (1, local(2028, 1, 1))]
    assert _rank(account) == 1
    assert account.tier_kept_until is None


def test_refunded_spend_does_not_downgrade_before_the_period_end(account):
    _spend(account, "SC-1", 6_000_000, local(2025, 6, 1))

    services.tier_reverse_qualifying_spend(
        customer=account.customer, order_ref="SC-1", amount=Decimal(9_000_000), at=local(2025, 6, 20)
    )

    assert _rank(account) == 3
    services.tiers_reevaluate_due(now=local(2027, 1, 1))
    assert _rank(account) == 1


def test_rolling_window_counts_the_365_days_before(shop):
    _window(shop, QualificationWindow.ROLLING_365)
    account = member(shop)
    _spend(account, "SC-1", 1_500_000, local(2025, 2, 1))
    _spend(account, "SC-2", 600_000, local(2026, 1, 31))  # within 365 days of the first: 2.100.000 ₫
    assert _rank(account) == 2

    _spend(account, "SC-3", 2_000_000, local(2027, 6, 1))  # SC-2 is older than 365 days by now
    assert _rank(account) == 2

    services.tiers_reevaluate_due(now=local(2028, 1, 1))
    assert _rank(account) == 2  # 2.000.000 ₫ in the 365 days before 1 January 2028


def test_points_basis_upgrades_on_points_earned(shop):
    _window(shop, basis=QualificationBasis.POINTS)
    services.tiers_update(shop=shop, changes={2: {"threshold": Decimal(500)}})
    account = member(shop)

    services.points_award_for_order(
        customer=account.customer, order_ref="SC-1", amount=Decimal(600_000), at=local(2025, 5, 1), actor=SYSTEM
    )

    assert _rank(account) == 2


def test_a_manual_floor_lifts_the_tier_at_once_and_holds_at_the_period_end(account, owner):
    gold = account.shop.tiers.get(rank=3)

    services.account_set_tier_floor(
        account=account, tier=gold, reason="Khách VIP của chủ shop", actor=Actor.staff(owner)
    )

    assert _rank(account) == 3
    change = TierChange.objects.filter(account=account).latest("pk")
    assert (change.reason, change.note, change.actor_kind, change.user) == (
        TierChangeReason.MANUAL,
        "Khách VIP của chủ shop",
        "staff",
        owner,
    )

    services.tiers_reevaluate_due(now=account.tier_kept_until)
    assert _rank(account) == 3  # no spend, but never below the floor


def test_a_floor_below_the_current_tier_changes_nothing_now_but_is_recorded(account, owner):
    _spend(account, "SC-1", 16_000_000, local(2025, 6, 1))
    silver = account.shop.tiers.get(rank=2)

    services.account_set_tier_floor(account=account, tier=silver, reason="Cam kết hợp đồng", actor=Actor.staff(owner))

    assert _rank(account) == 4
    services.tiers_reevaluate_due(now=local(2027, 1, 1))
    assert _rank(account) == 2


def test_a_floor_needs_a_reason_and_a_tier_of_the_same_shop(account, other_shop):
    with pytest.raises(InvalidInput) as raised:
        services.account_set_tier_floor(account=account, tier=account.shop.tiers.get(rank=2), reason="", actor=SYSTEM)
    assert "reason" in raised.value.fields

    with pytest.raises(InvalidInput) as raised:
        services.account_set_tier_floor(
            account=account, tier=other_shop.tiers.get(rank=2), reason="Nhầm shop", actor=SYSTEM
        )
    assert "tier" in raised.value.fields
