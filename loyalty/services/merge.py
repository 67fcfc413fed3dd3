"""Following a merge of customer profiles into the survivor's loyalty account."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import LoyaltyAccount, PointsEntry, PointsLot, QualifyingSpend, TierChange, TierChangeReason
from loyalty.services.accounts import _lock
from loyalty.services.ledger import _after_credit
from loyalty.services.tiers import _change_tier
from sellercenter.actor import Actor
from sellercenter.errors import Conflict


def account_merge(*, source_customer, target_customer, actor: Actor) -> LoyaltyAccount | None:
    """Follow a merge of customer profiles: the source's account becomes the target's, or, when both
    have one, the source's history (entries, lots, spend, tier changes) moves into the target's
    account, the balances add up, points owed are netted, and the higher tier and floor are kept.
    The source's member code stops working; the tier kept and the points netted are recorded as
    `actor`'s (who merged the profiles). Returns the target's account (None if neither had one).
    Refuses (Conflict) when both accounts have entries for the same order."""
    with transaction.atomic():
        accounts = list(
            LoyaltyAccount.objects.select_for_update()
            .filter(customer__in=[source_customer, target_customer])
            .order_by("pk")
        )
        source = next((a for a in accounts if a.customer_id == source_customer.pk), None)
        target = next((a for a in accounts if a.customer_id == target_customer.pk), None)
        if source is None:
            return target
        if target is None:
            LoyaltyAccount.objects.filter(pk=source.pk).update(customer=target_customer)
            return LoyaltyAccount.objects.get(pk=source.pk)
        _move_history(source, target, actor=actor)
    return LoyaltyAccount.objects.get(pk=target.pk)


def _move_history(source: LoyaltyAccount, target: LoyaltyAccount, *, actor: Actor) -> None:
    try:
        with transaction.atomic():
            for model in (PointsEntry, PointsLot, QualifyingSpend, TierChange):
                model.objects.filter(account=source).update(account=target)
    except IntegrityError:
        raise Conflict(_("Both loyalty accounts have points for the same order."), code="merge_conflict") from None
    LoyaltyAccount.objects.filter(pk=target.pk).update(
        pending_points=F("pending_points") + source.pending_points,
        available_points=F("available_points") + source.available_points,
        debt_points=F("debt_points") + source.debt_points,
        lifetime_points=F("lifetime_points") + source.lifetime_points,
    )
    source.delete()
    target = _lock(target)
    if source.tier_floor and (target.tier_floor is None or source.tier_floor.rank > target.tier_floor.rank):
        target.tier_floor, target.tier_floor_reason = source.tier_floor, source.tier_floor_reason
        target.save(update_fields=["tier_floor", "tier_floor_reason"])
    if source.tier.rank > target.tier.rank:
        note = _("Kept from the merged account %(code)s.") % {"code": source.member_code}
        _change_tier(
            target,
            source.tier,
            reason=TierChangeReason.UPGRADE,
            at=timezone.now(),
            kept_until=source.tier_kept_until,
            note=note,
            actor=actor,
        )
    _after_credit(target, actor=actor)
