"""Tier movements: qualifying spend, upgrades, manual floors, the period-end review."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import (
    LoyaltyAccount,
    ProgrammeSettings,
    QualificationBasis,
    QualifyingSpend,
    SpendKind,
    Tier,
    TierChange,
    TierChangeReason,
)
from loyalty.periods import period_after_end, window_ending
from loyalty.selectors import qualifying_amount_at, qualifying_amount_between, tier_for_amount
from loyalty.services.accounts import _lock, _locked_account
from loyalty.services.ledger import _check_order_ref, _programme
from loyalty.signals import tier_upgraded
from sellercenter.actor import Actor
from sellercenter.errors import InvalidInput
from sellercenter.money import ZERO
from sellercenter.periods import YEARLY, period_bounds

# The period-end review moves tiers by the programme's rule: the system's doing.
TIER_REVIEW = Actor.system("tier review")


def _change_tier(
    account: LoyaltyAccount, tier: Tier, *, reason: str, at: datetime, kept_until, actor: Actor, note: str = ""
) -> None:
    TierChange.objects.create(
        shop_id=account.shop_id,
        account=account,
        from_tier=account.tier,
        to_tier=tier,
        reason=reason,
        note=note,
        occurred_at=at,
        **actor.record_fields(),
    )
    account.tier = tier
    account.tier_reached_at = at
    account.tier_kept_until = kept_until
    account.save(update_fields=["tier", "tier_reached_at", "tier_kept_until"])


def _tier_upgrade_if_qualified(
    account: LoyaltyAccount, programme: ProgrammeSettings, *, at: datetime, actor: Actor
) -> None:
    """Upgrade at once when the window's amount reaches a higher tier (recorded as `actor`'s, who made
    the order count); it is kept to the end of the next period. Never downgrades (that waits for the
    period end)."""
    amount = qualifying_amount_at(account=account, programme=programme, at=at)
    LoyaltyAccount.objects.filter(pk=account.pk).update(qualifying_amount=amount)
    account.qualifying_amount = amount
    target = tier_for_amount(shop_id=account.shop_id, amount=amount)
    if target.rank > account.tier.rank:
        _change_tier(
            account,
            target,
            reason=TierChangeReason.UPGRADE,
            at=at,
            kept_until=period_after_end(at, account.shop.tzinfo),
            actor=actor,
        )
        tier_upgraded.send(sender=LoyaltyAccount, account=account, at=at)


def tier_record_qualifying_spend(*, customer, order_ref: str, amount: Decimal, at: datetime, actor: Actor) -> None:
    """Count an order's spend towards the customer's tier (enrolling them if needed) and upgrade at once
    if they now qualify for a higher tier, by `actor` (who completed the order). Once per order: a
    second call does nothing.
    Refuses an amount that is not positive."""
    _check_order_ref(order_ref)
    if amount <= 0:
        raise InvalidInput(fields={"amount": [_("Must be greater than 0.")]})
    with transaction.atomic():
        account = _locked_account(customer, enrol=True, at=at, actor=actor)
        if QualifyingSpend.objects.filter(account=account, order_ref=order_ref, kind=SpendKind.SPEND).exists():
            return
        QualifyingSpend.objects.create(
            shop_id=account.shop_id,
            account=account,
            kind=SpendKind.SPEND,
            order_ref=order_ref,
            amount=amount,
            occurred_at=at,
        )
        programme = _programme(account)
        if programme.qualification_basis == QualificationBasis.SPEND:
            _tier_upgrade_if_qualified(account, programme, at=at, actor=actor)


def tier_reverse_qualifying_spend(*, customer, order_ref: str, amount: Decimal, at: datetime) -> None:
    """Take (part of) an order's spend back after a refund, dated `at`. Never more than was recorded
    for the order in total. The tier does not drop at once: a downgrade waits for the period end.
    Refuses an amount that is not positive; does nothing when no spend was recorded for the order."""
    _check_order_ref(order_ref)
    if amount <= 0:
        raise InvalidInput(fields={"amount": [_("Must be greater than 0.")]})
    with transaction.atomic():
        account = _locked_account(customer)
        if account is None:
            return
        recorded = QualifyingSpend.objects.filter(account=account, order_ref=order_ref).aggregate(total=Sum("amount"))
        left = recorded["total"] or ZERO
        take = min(amount, left)
        if take <= 0:
            return
        QualifyingSpend.objects.create(
            shop_id=account.shop_id,
            account=account,
            kind=SpendKind.REVERSAL,
            order_ref=order_ref,
            amount=-take,
            occurred_at=at,
        )
        programme = _programme(account)
        amount_now = qualifying_amount_at(account=account, programme=programme, at=timezone.now())
        LoyaltyAccount.objects.filter(pk=account.pk).update(qualifying_amount=amount_now)


def account_set_tier_floor(*, account: LoyaltyAccount, tier: Tier | None, reason: str, actor: Actor) -> LoyaltyAccount:
    """Set (or with tier=None, remove) a manual tier floor, by `actor` (the tier history records
    them): the account never goes below it. Raising
    the floor above the current tier moves the account up at once; removing it takes effect at the
    next period end. Refuses an empty reason or another shop's tier."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the tier is set by hand.")]})
    if tier is not None and tier.shop_id != account.shop_id:
        raise InvalidInput(fields={"tier": [_("This tier belongs to another shop.")]})
    with transaction.atomic():
        account = _lock(account)
        now = timezone.now()
        account.tier_floor = tier
        account.tier_floor_reason = reason if tier is not None else ""
        account.save(update_fields=["tier_floor", "tier_floor_reason"])
        if tier is not None and tier.rank > account.tier.rank:
            kept_until = period_after_end(now, account.shop.tzinfo)
            _change_tier(
                account, tier, reason=TierChangeReason.MANUAL, at=now, kept_until=kept_until, note=reason, actor=actor
            )
        else:
            # No tier change, but the decision belongs in the history all the same.
            TierChange.objects.create(
                shop_id=account.shop_id,
                account=account,
                from_tier=account.tier,
                to_tier=account.tier,
                reason=TierChangeReason.MANUAL,
                note=reason,
                occurred_at=now,
                **actor.record_fields(),
            )
    return account


@dataclass(frozen=True)
class _Review:
    boundary: datetime
    tier: Tier


def _review(account: LoyaltyAccount, programme: ProgrammeSettings) -> _Review:
    boundary = account.tier_kept_until
    start, end = window_ending(boundary, account.shop.tzinfo, programme.qualification_window)
    amount = qualifying_amount_between(account=account, programme=programme, start=start, end=end)
    target = tier_for_amount(shop_id=account.shop_id, amount=amount)
    if account.tier_floor is not None and account.tier_floor.rank > target.rank:
        target = account.tier_floor
    return _Review(boundary=boundary, tier=target)


def account_reevaluate_tier(
    *, account: LoyaltyAccount, now: datetime | None = None, actor: Actor | None = None
) -> bool:
    """At the end of the period a tier is kept for, move the account to the tier the window just over
    qualifies it for (never below its manual floor); that tier is kept for the next period too.
    Periods missed while the job did not run are caught up one by one. Does nothing before the period
    end, so running it twice changes nothing. The changes are recorded as `actor`'s (None: the tier
    review job). Returns whether the tier changed."""
    now = now or timezone.now()
    actor = actor or TIER_REVIEW
    changed = False
    with transaction.atomic():
        account = _lock(account)
        programme = _programme(account)
        while account.tier_kept_until is not None and account.tier_kept_until <= now:
            review = _review(account, programme)
            kept_until = (
                None if review.tier.rank == 1 else period_bounds(review.boundary, account.shop.tzinfo, YEARLY)[1]
            )
            if review.tier.rank == account.tier.rank:
                account.tier_kept_until = kept_until
                account.save(update_fields=["tier_kept_until"])
                continue
            reason = TierChangeReason.DOWNGRADE if review.tier.rank < account.tier.rank else TierChangeReason.UPGRADE
            _change_tier(account, review.tier, reason=reason, at=review.boundary, kept_until=kept_until, actor=actor)
            changed = True
        amount = qualifying_amount_at(account=account, programme=programme, at=now)
        LoyaltyAccount.objects.filter(pk=account.pk).update(qualifying_amount=amount)
    return changed


def tiers_reevaluate_due(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Nightly: re-evaluate every account whose tier period has ended (one transaction each), as
    `actor` (None: the tier review job). Safe to run twice. Returns how many accounts changed tier."""
    now = now or timezone.now()
    due = LoyaltyAccount.objects.filter(tier_kept_until__lte=now).order_by("pk").only("pk")
    return sum(account_reevaluate_tier(account=account, now=now, actor=actor) for account in list(due))
