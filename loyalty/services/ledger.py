"""The points ledger: the one way balances move (`_record`), lots credited and consumed, due lots
expired. The helpers here are private to `loyalty.services`; every change to an account's points runs
them under the account's row lock."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, PointsLot, PointsLotUse, ProgrammeSettings
from sellercenter.actor import Actor
from sellercenter.errors import InvalidInput
from sellercenter.periods import add_months

# Points expire by the programme's rule, whichever job or request finds them due: the system's doing.
POINTS_EXPIRY = Actor.system("points expiry")


def order_source(order_ref: str) -> str:
    return f"order:{order_ref}"


def _programme(account: LoyaltyAccount) -> ProgrammeSettings:
    return ProgrammeSettings.objects.get(shop_id=account.shop_id)


def _record(
    account: LoyaltyAccount,
    kind: str,
    *,
    source: str,
    occurred_at: datetime,
    pending: int = 0,
    available: int = 0,
    debt: int = 0,
    lifetime: int = 0,
    amount: Decimal | None = None,
    reason: str = "",
    actor: Actor,
) -> PointsEntry:
    """Append an entry, recording `actor` as who made it, and move the cached balances by exactly its
    deltas. The only way balances move."""
    entry = PointsEntry.objects.create(
        shop_id=account.shop_id,
        account=account,
        kind=kind,
        pending_delta=pending,
        available_delta=available,
        debt_delta=debt,
        source=source,
        amount=amount,
        reason=reason,
        occurred_at=occurred_at,
        **actor.record_fields(),
    )
    LoyaltyAccount.objects.filter(pk=account.pk).update(
        pending_points=F("pending_points") + pending,
        available_points=F("available_points") + available,
        debt_points=F("debt_points") + debt,
        lifetime_points=F("lifetime_points") + lifetime,
    )
    # The row is locked by this transaction, so the in-memory copy can follow without a re-read.
    account.pending_points += pending
    account.available_points += available
    account.debt_points += debt
    account.lifetime_points += lifetime
    return entry


def _consume_lots(account: LoyaltyAccount, entry: PointsEntry, points: int) -> None:
    """Take `points` from the account's lots, soonest-expiring first, recording each use."""
    uses = []
    to_take = points
    for lot in PointsLot.objects.filter(account=account, remaining__gt=0).order_by("expires_at", "pk").iterator():
        take = min(lot.remaining, to_take)
        PointsLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - take)
        uses.append(PointsLotUse(shop_id=account.shop_id, entry=entry, lot=lot, points=take))
        to_take -= take
        if not to_take:
            break
    if to_take:
        # The cached balance promised more than the lots hold: the ledger is inconsistent, stop here.
        raise IntegrityError(f"account {account.pk}: lots hold {points - to_take} of {points} points")
    PointsLotUse.objects.bulk_create(uses)


def _credit_lot(account: LoyaltyAccount, entry: PointsEntry, points: int, available_at: datetime) -> PointsLot:
    programme = _programme(account)
    return PointsLot.objects.create(
        shop_id=account.shop_id,
        account=account,
        entry=entry,
        points=points,
        remaining=points,
        available_at=available_at,
        expires_at=add_months(available_at, programme.points_lifetime_months, account.shop.tzinfo),
    )


def _after_credit(account: LoyaltyAccount, *, actor: Actor) -> None:
    """What follows every credit of available points: points credited into an already-past expiry
    expire at once, and whatever the customer owes is netted against the rest (by `actor`, who made
    the credit)."""
    now = timezone.now()
    _expire_due_lots(account, now=now)
    settle = min(account.debt_points, account.available_points)
    if settle > 0:
        entry = _record(
            account,
            EntryKind.DEBT_SETTLEMENT,
            source="debt",
            occurred_at=now,
            available=-settle,
            debt=-settle,
            actor=actor,
        )
        _consume_lots(account, entry, settle)


def _expire_due_lots(account: LoyaltyAccount, *, now: datetime, actor: Actor = POINTS_EXPIRY) -> int:
    """Expire the unconsumed part of every lot whose expiry has passed, recorded as the system's
    (`actor`: the nightly job's own). Returns the points expired."""
    expired = 0
    for lot in PointsLot.objects.filter(account=account, remaining__gt=0, expires_at__lte=now).order_by(
        "expires_at", "pk"
    ):
        entry = _record(
            account,
            EntryKind.EXPIRE,
            source=f"lot:{lot.pk}",
            occurred_at=lot.expires_at,
            available=-lot.remaining,
            actor=actor,
        )
        PointsLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - lot.remaining)
        PointsLotUse.objects.create(shop_id=account.shop_id, entry=entry, lot=lot, points=lot.remaining)
        expired += lot.remaining
    return expired


def _order_entry(account: LoyaltyAccount, order_ref: str, kind: str) -> PointsEntry | None:
    return PointsEntry.objects.filter(account=account, source=order_source(order_ref), kind=kind).first()


def _check_order_ref(order_ref: str) -> None:
    if not order_ref or not order_ref.strip():
        raise InvalidInput(fields={"order_ref": [_("This field is required.")]})
