"""Points for orders (award, release, redeem, reverse, claw back), manual adjustments, nightly expiry."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, PointsLot, QualificationBasis
from loyalty.selectors import points_for_amount
from loyalty.services.accounts import _lock, _locked_account
from loyalty.services.ledger import (
    POINTS_EXPIRY,
    _after_credit,
    _check_order_ref,
    _consume_lots,
    _credit_lot,
    _expire_due_lots,
    _order_entry,
    _programme,
    _record,
    order_source,
)
from loyalty.services.tiers import _tier_upgrade_if_qualified
from sellercenter.actor import Actor
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.money import ZERO, money_round


def points_award_for_order(*, customer, order_ref: str, amount: Decimal, at: datetime, actor: Actor) -> int:
    """Award pending points for a delivered order: `amount` is what was paid, excluding shipping and
    discounts, multiplied by the customer's tier multiplier. Enrols the customer if needed. `actor` is
    whoever delivered the order (the ledger records them).

    Idempotent per (account, order): a second call awards nothing and returns the first award (a
    unique constraint on the ledger backs this). Returns 0 for an amount too small to earn a point.
    Refuses a negative amount or an empty order reference."""
    _check_order_ref(order_ref)
    if amount < 0:
        raise InvalidInput(fields={"amount": [_("Must not be negative.")]})
    with transaction.atomic():
        account = _locked_account(customer, enrol=True, at=at, actor=actor)
        earned = _order_entry(account, order_ref, EntryKind.EARN)
        if earned is not None:
            return earned.pending_delta
        programme = _programme(account)
        points = points_for_amount(amount=amount, programme=programme, tier=account.tier)
        if points <= 0:
            return 0
        _record(
            account,
            EntryKind.EARN,
            source=order_source(order_ref),
            occurred_at=at,
            pending=points,
            lifetime=points,
            amount=amount,
            actor=actor,
        )
        if programme.qualification_basis == QualificationBasis.POINTS:
            _tier_upgrade_if_qualified(account, programme, at=at, actor=actor)
    return points


def _clawed_back(account: LoyaltyAccount, order_ref: str) -> tuple[int, Decimal]:
    """(points clawed back so far, amount refunded so far) for an order."""
    totals = PointsEntry.objects.filter(
        account=account, source=order_source(order_ref), kind=EntryKind.CLAWBACK
    ).aggregate(
        pending=Sum("pending_delta"), available=Sum("available_delta"), debt=Sum("debt_delta"), amount=Sum("amount")
    )
    points = -(totals["pending"] or 0) - (totals["available"] or 0) + (totals["debt"] or 0)
    return points, totals["amount"] or ZERO


def points_release_for_order(*, customer, order_ref: str, at: datetime, actor: Actor) -> int:
    """Make an order's pending points available when the order completes (return window closed).

    They expire `points_lifetime_months` after `at`; points the customer owes are netted first.
    Releases what is left after clawbacks. Idempotent: a second call releases nothing and returns the
    first release. Returns 0 when the order earned nothing."""
    _check_order_ref(order_ref)
    with transaction.atomic():
        account = _locked_account(customer)
        if account is None:
            return 0
        earned = _order_entry(account, order_ref, EntryKind.EARN)
        if earned is None:
            return 0
        released = _order_entry(account, order_ref, EntryKind.RELEASE)
        if released is not None:
            return released.available_delta
        clawed, _refunded = _clawed_back(account, order_ref)
        points = earned.pending_delta - clawed
        if points <= 0:
            return 0
        entry = _record(
            account,
            EntryKind.RELEASE,
            source=order_source(order_ref),
            occurred_at=at,
            pending=-points,
            available=points,
            actor=actor,
        )
        _credit_lot(account, entry, points, available_at=at)
        _after_credit(account, actor=actor)
    return points


def points_redeem_for_order(*, customer, order_ref: str, points: int, actor: Actor) -> Decimal:
    """Spend available points on an order; returns their money value (rounded for the shop's currency).

    Soonest-expiring points go first. Atomic under a row lock: the available balance can never go
    below zero. Refuses (Conflict) when the customer has fewer available points, or when points were
    already redeemed for this order; InvalidInput when `points` is not positive. The caller keeps the
    order within the programme's maximum share by quoting first (`points_quote_redemption`)."""
    _check_order_ref(order_ref)
    if not isinstance(points, int) or points <= 0:
        raise InvalidInput(fields={"points": [_("Give a whole number of points greater than 0.")]})
    with transaction.atomic():
        account = _locked_account(customer)
        available = account.available_points if account is not None else 0
        if account is None or available < points:
            raise Conflict(
                _("Not enough points: %(available)d available, %(points)d asked.")
                % {"available": available, "points": points},
                code="insufficient_points",
                fields={"points": [_("Only %(available)d points are available.") % {"available": available}]},
                available=available,
            )
        if _order_entry(account, order_ref, EntryKind.REDEEM) is not None:
            raise Conflict(_("Points were already redeemed for this order."), code="already_redeemed")
        programme = _programme(account)
        value = money_round(points * programme.point_value, account.shop.currency)
        entry = _record(
            account,
            EntryKind.REDEEM,
            source=order_source(order_ref),
            occurred_at=timezone.now(),
            available=-points,
            amount=value,
            actor=actor,
        )
        _consume_lots(account, entry, points)
    return value


def points_reverse_redemption(*, customer, order_ref: str, actor: Actor) -> None:
    """Give back the points redeemed for a cancelled order, into the lots they came from, so they keep
    their original expiry (points whose expiry has passed meanwhile expire at once).

    Exactly once: a second call, or a call for an order without a redemption, does nothing."""
    _check_order_ref(order_ref)
    with transaction.atomic():
        account = _locked_account(customer)
        if account is None:
            return
        redeemed = _order_entry(account, order_ref, EntryKind.REDEEM)
        if redeemed is None or _order_entry(account, order_ref, EntryKind.REDEEM_REVERSAL) is not None:
            return
        _record(
            account,
            EntryKind.REDEEM_REVERSAL,
            source=order_source(order_ref),
            occurred_at=timezone.now(),
            available=-redeemed.available_delta,
            amount=redeemed.amount,
            actor=actor,
        )
        for use in redeemed.lot_uses.order_by("pk"):
            PointsLot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") + use.points)
        _after_credit(account, actor=actor)


def points_clawback_for_refund(
    *, customer, order_ref: str, refund_amount: Decimal, order_amount: Decimal, actor: Actor
) -> int:
    """Take back points for a refund, pro rata to what the order actually earned:
    award x refunded so far / order amount, less what earlier refunds already took (so partial
    refunds add up exactly and never take more than the award).

    Points still pending are taken from pending; released ones from the available balance, soonest-
    expiring first, and what the balance cannot cover is recorded as points owed, netted against
    future credits. Returns the points taken back (0 when the order earned nothing).
    Refuses a refund that is not positive or exceeds the order amount."""
    _check_order_ref(order_ref)
    if order_amount <= 0:
        raise InvalidInput(fields={"order_amount": [_("Must be greater than 0.")]})
    if refund_amount <= 0 or refund_amount > order_amount:
        raise InvalidInput(fields={"refund_amount": [_("Must be greater than 0 and at most the order amount.")]})
    with transaction.atomic():
        account = _locked_account(customer)
        earned = _order_entry(account, order_ref, EntryKind.EARN) if account is not None else None
        if earned is None:
            return 0
        awarded = earned.pending_delta
        clawed, refunded = _clawed_back(account, order_ref)
        refunded_total = min(order_amount, refunded + refund_amount)
        share = (Decimal(awarded) * refunded_total / order_amount).to_integral_value(rounding=ROUND_HALF_UP)
        points = max(0, min(awarded, int(share)) - clawed)
        _take_back(
            account,
            order_ref,
            points,
            released=_order_entry(account, order_ref, EntryKind.RELEASE) is not None,
            refund_amount=refund_amount,
            actor=actor,
        )
    return points


def refund_source(order_ref: str, refund_ref: str) -> str:
    """The ledger source of what a refund (e.g. "return:12") of an order gives back."""
    return f"{order_source(order_ref)}:{refund_ref}"


def _restored_before(account: LoyaltyAccount, order_ref: str) -> int:
    restored = PointsEntry.objects.filter(
        account=account, source__startswith=f"{order_source(order_ref)}:", kind=EntryKind.REDEEM_REVERSAL
    ).aggregate(points=Sum("available_delta"))
    return restored["points"] or 0


def _put_back(account: LoyaltyAccount, redeemed: PointsEntry, entry: PointsEntry, points: int) -> None:
    """Put `points` back into the lots the redemption took them from, latest-expiring first, so they keep
    their expiry; a lot never holds more than it was credited with, and what no lot has room for
    becomes a new lot with the programme's lifetime."""
    left = points
    for use in redeemed.lot_uses.select_related("lot").order_by("-lot__expires_at", "-pk"):
        room = min(use.points, use.lot.points - use.lot.remaining)
        put = min(room, left)
        if put > 0:
            PointsLot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") + put)
            left -= put
        if not left:
            break
    if left:
        _credit_lot(account, entry, left, available_at=entry.occurred_at)


def points_restore_for_refund(
    *, customer, order_ref: str, refund_ref: str, refunded: Decimal, order_amount: Decimal, actor: Actor
) -> int:
    """Give back the points redeemed on an order, pro rata to the refunded share of what was paid for
    its goods: redeemed x `refunded` (all its refunds so far, this one included) / `order_amount`, less
    what earlier refunds gave back, so that refunding everything gives back every point. One entry per
    refund (`refund_ref`, e.g. "return:12"), into the lots the points came from (see _put_back).
    Returns the points given back (0 when the order redeemed none, or a cancellation gave them back).
    Refuses amounts that are not positive, or refunds beyond the order amount."""
    _check_order_ref(order_ref)
    if order_amount <= 0 or refunded <= 0 or refunded > order_amount:
        raise InvalidInput(fields={"refunded": [_("Must be greater than 0 and at most the order amount.")]})
    with transaction.atomic():
        account = _locked_account(customer)
        redeemed = _order_entry(account, order_ref, EntryKind.REDEEM) if account is not None else None
        if redeemed is None or _order_entry(account, order_ref, EntryKind.REDEEM_REVERSAL) is not None:
            return 0
        source = refund_source(order_ref, refund_ref)
        if PointsEntry.objects.filter(account=account, source=source, kind=EntryKind.REDEEM_REVERSAL).exists():
            return 0
        spent = -redeemed.available_delta
        share = (Decimal(spent) * refunded / order_amount).to_integral_value(rounding=ROUND_HALF_UP)
        points = min(spent, int(share)) - _restored_before(account, order_ref)
        if points <= 0:
            return 0
        value = money_round(points * _programme(account).point_value, account.shop.currency)
        entry = _record(
            account,
            EntryKind.REDEEM_REVERSAL,
            source=source,
            occurred_at=timezone.now(),
            available=points,
            amount=value,
            actor=actor,
        )
        _put_back(account, redeemed, entry, points)
        _after_credit(account, actor=actor)
    return points


def _take_back(
    account: LoyaltyAccount, order_ref: str, points: int, *, released: bool, refund_amount: Decimal, actor: Actor
) -> None:
    # A refund that rounds to 0 points is still recorded: its amount counts towards the next refunds.
    fields = {"source": order_source(order_ref), "occurred_at": timezone.now(), "amount": refund_amount, "actor": actor}
    if not released:
        _record(account, EntryKind.CLAWBACK, pending=-points, lifetime=-points, **fields)
        return
    from_available = min(points, account.available_points)
    entry = _record(
        account,
        EntryKind.CLAWBACK,
        available=-from_available,
        debt=points - from_available,
        lifetime=-points,
        **fields,
    )
    if from_available:
        _consume_lots(account, entry, from_available)


def points_adjust(*, account: LoyaltyAccount, points: int, reason: str, actor: Actor) -> PointsEntry:
    """A manual adjustment of the available balance, with a reason, by `actor` (a staff member, or a
    back-office API key; the ledger records which). Points added become a lot
    with the programme's lifetime (netted against points owed); points removed are taken soonest-
    expiring first. Refuses 0 points, an empty reason, or removing more than is available."""
    reason = (reason or "").strip()
    errors = {}
    if not isinstance(points, int) or points == 0:
        errors["points"] = [_("Give a whole number of points other than 0.")]
    if not reason:
        errors["reason"] = [_("Say why the points are adjusted.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        account = _lock(account)
        if points < 0 and -points > account.available_points:
            message = _("Only %(available)d points are available.") % {"available": account.available_points}
            raise InvalidInput(message, fields={"points": [message]})
        now = timezone.now()
        entry = _record(
            account,
            EntryKind.ADJUSTMENT,
            source="manual",
            occurred_at=now,
            available=points,
            reason=reason,
            actor=actor,
        )
        if points > 0:
            _credit_lot(account, entry, points, available_at=now)
            _after_credit(account, actor=actor)
        else:
            _consume_lots(account, entry, -points)
    return entry


def points_expire_due(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Nightly: expire the unconsumed part of every lot whose expiry has passed, account by account
    (one short transaction each), recorded as `actor` (None: the points expiry job). Safe to run twice:
    expired lots have nothing left. Returns the points expired."""
    now = now or timezone.now()
    actor = actor or POINTS_EXPIRY
    account_ids = (
        PointsLot.objects.filter(remaining__gt=0, expires_at__lte=now)
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    expired = 0
    for account_id in list(account_ids):
        with transaction.atomic():
            account = LoyaltyAccount.objects.select_for_update().get(pk=account_id)
            expired += _expire_due_lots(account, now=now, actor=actor)
    return expired
