"""Loyalty writes: programme set-up, enrolment, the points ledger, tier evaluation.

Every change to an account's points happens under a row lock on the account (`_locked_account`),
and every balance moves through `_record`, which appends the ledger entry and moves the cached
balances by the same amounts with one `UPDATE ... SET x = x + delta` (CheckConstraints refuse a
negative balance as a backstop). Lots due to expire are expired first, so expired points can never
be spent, whether or not the nightly job has run yet.

The orders app calls the `points_*_for_order` and `tier_*_qualifying_spend` services with an order
reference (`order_ref`, e.g. "SC-000123"); loyalty never imports orders.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.defaults import DEFAULT_TIERS
from loyalty.member_card import member_code_new
from loyalty.models import (
    EntryKind,
    LoyaltyAccount,
    PointsEntry,
    PointsLot,
    PointsLotUse,
    ProgrammeSettings,
    QualificationBasis,
    QualifyingSpend,
    SpendKind,
    Tier,
    TierChange,
    TierChangeReason,
)
from loyalty.periods import add_months, period_after_end, period_bounds, window_at, window_ending
from loyalty.signals import tier_upgraded
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.models import Shop
from sellercenter.money import money_round

MEMBER_CODE_ATTEMPTS = 5
ZERO = Decimal("0")


def order_source(order_ref: str) -> str:
    return f"order:{order_ref}"


# --- Programme and tiers --------------------------------------------------------------------------


def programme_set_up(*, shop: Shop) -> ProgrammeSettings:
    """Give `shop` its programme settings and the five default tiers. Keeps whatever already exists,
    so it is safe to run twice (the shop_created receiver and the data migration both use it)."""
    with transaction.atomic():
        programme, _created = ProgrammeSettings.objects.get_or_create(shop=shop)
        existing = set(Tier.objects.filter(shop=shop).values_list("rank", flat=True))
        Tier.objects.bulk_create([Tier(shop=shop, **spec) for spec in DEFAULT_TIERS if spec["rank"] not in existing])
    return programme


def programme_update(*, programme: ProgrammeSettings, **fields) -> ProgrammeSettings:
    """Change the programme rules. Refuses values outside the fields' limits (InvalidInput naming them)."""
    editable = {f.name for f in ProgrammeSettings._meta.concrete_fields} - {"id", "shop", "updated_at"}
    unknown = set(fields) - editable
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(programme, name, value)
    _full_clean(programme, exclude=["shop"])
    programme.save()
    return programme


def tiers_check(*, tiers: list[dict]) -> None:
    """Refuse a tier set that breaks the rules: the lowest tier is for everyone (threshold 0) and
    thresholds strictly increase with rank. `tiers` are dicts with `rank` and `threshold`."""
    ordered = sorted(tiers, key=lambda tier: tier["rank"])
    errors: dict[str, list[str]] = {}
    if ordered and ordered[0]["threshold"] != 0:
        errors["tiers.1.threshold"] = [_("The lowest tier is for every member: its threshold must be 0.")]
    for lower, higher in pairwise(ordered):
        if higher["threshold"] <= lower["threshold"]:
            errors[f"tiers.{higher['rank']}.threshold"] = [
                _("Thresholds must strictly increase with rank: %(name)s needs more than %(lower)s.")
                % {"name": higher.get("name", higher["rank"]), "lower": lower["threshold"]}
            ]
    if errors:
        raise InvalidInput(_("The tiers are not in order."), fields=errors)


def tiers_update(*, shop: Shop, changes: dict[int, dict]) -> list[Tier]:
    """Change the shop's tiers at once: {rank: {"name": ..., "threshold": ..., "earn_multiplier": ...,
    "benefits": ...}}. The new set is checked as a whole (`tiers_check`), so thresholds can be moved
    past each other in one change. Refuses unknown ranks and invalid values; nothing is saved then."""
    editable = {"name", "threshold", "earn_multiplier", "benefits"}
    with transaction.atomic():
        tiers = {tier.rank: tier for tier in Tier.objects.select_for_update().filter(shop=shop).order_by("pk")}
        for rank, values in changes.items():
            if rank not in tiers or set(values) - editable:
                raise InvalidInput(fields={f"tiers.{rank}": [_("Unknown tier or field.")]})
            for name, value in values.items():
                setattr(tiers[rank], name, value)
        for tier in tiers.values():
            _full_clean(tier, exclude=["shop"], prefix=f"tiers.{tier.rank}.")
        tiers_check(tiers=[{"rank": t.rank, "threshold": t.threshold, "name": t.name} for t in tiers.values()])
        for rank in changes:
            tiers[rank].save()
    return [tiers[rank] for rank in sorted(tiers)]


def _full_clean(instance, *, exclude: list[str], prefix: str = "") -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput(fields={f"{prefix}{name}": msgs for name, msgs in error.message_dict.items()}) from None


# --- Accounts ---------------------------------------------------------------------------------------


def account_enrol(*, customer, at: datetime | None = None) -> LoyaltyAccount:
    """The customer's loyalty account; created at the lowest tier, with a new member code, if there is
    none. Safe to call twice and concurrently: one account per customer (a unique constraint)."""
    existing = LoyaltyAccount.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    base_tier = Tier.objects.get(shop_id=customer.shop_id, rank=1)
    for _attempt in range(MEMBER_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                account = LoyaltyAccount.objects.create(
                    shop_id=customer.shop_id,
                    customer=customer,
                    member_code=member_code_new(),
                    tier=base_tier,
                    tier_reached_at=at,
                )
                TierChange.objects.create(
                    shop_id=customer.shop_id,
                    account=account,
                    to_tier=base_tier,
                    reason=TierChangeReason.ENROLMENT,
                    occurred_at=at,
                )
                return account
        except IntegrityError:
            # Either another request enrolled the customer first, or the random member code was taken.
            existing = LoyaltyAccount.objects.filter(customer=customer).first()
            if existing is not None:
                return existing
    raise Conflict(_("Could not issue a member code; please retry."))


def _locked_account(customer, *, enrol: bool = False, at: datetime | None = None) -> LoyaltyAccount | None:
    """The customer's account, row-locked for this transaction, with its due lots expired."""
    if enrol:
        account_enrol(customer=customer, at=at)
    account = (
        LoyaltyAccount.objects.select_for_update(of=("self",))
        .select_related("tier", "shop")
        .filter(customer=customer)
        .first()
    )
    if account is not None:
        _expire_due_lots(account, now=timezone.now())
    return account


def _lock(account: LoyaltyAccount) -> LoyaltyAccount:
    locked = LoyaltyAccount.objects.select_for_update(of=("self",)).select_related("tier", "shop").get(pk=account.pk)
    _expire_due_lots(locked, now=timezone.now())
    return locked


def _programme(account: LoyaltyAccount) -> ProgrammeSettings:
    return ProgrammeSettings.objects.get(shop_id=account.shop_id)


# --- The ledger ---------------------------------------------------------------------------------------


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
    actor=None,
) -> PointsEntry:
    """Append an entry and move the cached balances by exactly its deltas. The only way balances move."""
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
        actor=actor,
        occurred_at=occurred_at,
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


def _after_credit(account: LoyaltyAccount) -> None:
    """What follows every credit of available points: points credited into an already-past expiry
    expire at once, and whatever the customer owes is netted against the rest."""
    now = timezone.now()
    _expire_due_lots(account, now=now)
    settle = min(account.debt_points, account.available_points)
    if settle > 0:
        entry = _record(
            account, EntryKind.DEBT_SETTLEMENT, source="debt", occurred_at=now, available=-settle, debt=-settle
        )
        _consume_lots(account, entry, settle)


def _expire_due_lots(account: LoyaltyAccount, *, now: datetime) -> int:
    """Expire the unconsumed part of every lot whose expiry has passed. Returns the points expired."""
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


def points_for_amount(*, amount: Decimal, programme: ProgrammeSettings, tier: Tier) -> int:
    """Points an amount earns at a tier: whole points, rounded down."""
    points = amount * tier.earn_multiplier / programme.spend_per_point
    return int(points.to_integral_value(rounding=ROUND_FLOOR))


def points_award_for_order(*, customer, order_ref: str, amount: Decimal, at: datetime) -> int:
    """Award pending points for a delivered order: `amount` is what was paid, excluding shipping and
    discounts, multiplied by the customer's tier multiplier. Enrols the customer if needed.

    Idempotent per (account, order): a second call awards nothing and returns the first award (a
    unique constraint on the ledger backs this). Returns 0 for an amount too small to earn a point.
    Refuses a negative amount or an empty order reference."""
    _check_order_ref(order_ref)
    if amount < 0:
        raise InvalidInput(fields={"amount": [_("Must not be negative.")]})
    with transaction.atomic():
        account = _locked_account(customer, enrol=True, at=at)
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
        )
        if programme.qualification_basis == QualificationBasis.POINTS:
            _tier_upgrade_if_qualified(account, programme, at=at)
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


def points_release_for_order(*, customer, order_ref: str, at: datetime) -> int:
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
        )
        _credit_lot(account, entry, points, available_at=at)
        _after_credit(account)
    return points


def points_redeem_for_order(*, customer, order_ref: str, points: int) -> Decimal:
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
        )
        _consume_lots(account, entry, points)
    return value


def points_reverse_redemption(*, customer, order_ref: str) -> None:
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
        )
        for use in redeemed.lot_uses.order_by("pk"):
            PointsLot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") + use.points)
        _after_credit(account)


def points_clawback_for_refund(*, customer, order_ref: str, refund_amount: Decimal, order_amount: Decimal) -> int:
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
        )
    return points


def _take_back(account: LoyaltyAccount, order_ref: str, points: int, *, released: bool, refund_amount: Decimal) -> None:
    # A refund that rounds to 0 points is still recorded: its amount counts towards the next refunds.
    fields = {"source": order_source(order_ref), "occurred_at": timezone.now(), "amount": refund_amount}
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


def points_adjust(*, account: LoyaltyAccount, points: int, reason: str, actor=None) -> PointsEntry:
    """A manual adjustment of the available balance by staff, with a reason. Points added become a lot
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
            _after_credit(account)
        else:
            _consume_lots(account, entry, -points)
    return entry


def points_expire_due(*, now: datetime | None = None) -> int:
    """Nightly: expire the unconsumed part of every lot whose expiry has passed, account by account
    (one short transaction each). Safe to run twice: expired lots have nothing left. Returns the points
    expired."""
    now = now or timezone.now()
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
            expired += _expire_due_lots(account, now=now)
    return expired


def account_merge(*, source_customer, target_customer) -> LoyaltyAccount | None:
    """Follow a merge of customer profiles: the source's account becomes the target's, or, when both
    have one, the source's history (entries, lots, spend, tier changes) moves into the target's
    account, the balances add up, points owed are netted, and the higher tier and floor are kept.
    The source's member code stops working. Returns the target's account (None if neither had one).
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
        _move_history(source, target)
    return LoyaltyAccount.objects.get(pk=target.pk)


def _move_history(source: LoyaltyAccount, target: LoyaltyAccount) -> None:
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
        )
    _after_credit(target)


# --- Tiers ------------------------------------------------------------------------------------------


def _qualifying_amount(
    account: LoyaltyAccount, programme: ProgrammeSettings, start: datetime, end: datetime
) -> Decimal:
    """Spend (or points earned, net of clawbacks) in [start, end)."""
    if programme.qualification_basis == QualificationBasis.SPEND:
        rows = QualifyingSpend.objects.filter(account=account, occurred_at__gte=start, occurred_at__lt=end)
        return rows.aggregate(total=Sum("amount"))["total"] or ZERO
    rows = PointsEntry.objects.filter(
        account=account, kind__in=[EntryKind.EARN, EntryKind.CLAWBACK], occurred_at__gte=start, occurred_at__lt=end
    )
    total = rows.aggregate(total=Sum(F("pending_delta") + F("available_delta") - F("debt_delta")))["total"]
    return Decimal(total or 0)


def qualifying_amount_at(*, account: LoyaltyAccount, programme: ProgrammeSettings, at: datetime) -> Decimal:
    """What counts towards a tier at the instant `at`, in the programme's window."""
    start, end = window_at(at, account.shop.tzinfo, programme.qualification_window)
    return _qualifying_amount(account, programme, start, end)


def tier_for_amount(*, shop_id: int, amount: Decimal) -> Tier:
    """The highest tier whose threshold `amount` reaches (the lowest tier's threshold is 0)."""
    return Tier.objects.filter(shop_id=shop_id, threshold__lte=amount).order_by("-rank").first() or Tier.objects.get(
        shop_id=shop_id, rank=1
    )


def _change_tier(
    account: LoyaltyAccount, tier: Tier, *, reason: str, at: datetime, kept_until, note: str = "", actor=None
) -> None:
    TierChange.objects.create(
        shop_id=account.shop_id,
        account=account,
        from_tier=account.tier,
        to_tier=tier,
        reason=reason,
        note=note,
        actor=actor,
        occurred_at=at,
    )
    account.tier = tier
    account.tier_reached_at = at
    account.tier_kept_until = kept_until
    account.save(update_fields=["tier", "tier_reached_at", "tier_kept_until"])


def _tier_upgrade_if_qualified(account: LoyaltyAccount, programme: ProgrammeSettings, *, at: datetime) -> None:
    """Upgrade at once when the window's amount reaches a higher tier; it is kept to the end of the
    next period. Never downgrades (that waits for the period end)."""
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
        )
        tier_upgraded.send(sender=LoyaltyAccount, account=account, at=at)


def tier_record_qualifying_spend(*, customer, order_ref: str, amount: Decimal, at: datetime) -> None:
    """Count an order's spend towards the customer's tier (enrolling them if needed) and upgrade at once
    if they now qualify for a higher tier. Once per order: a second call does nothing.
    Refuses an amount that is not positive."""
    _check_order_ref(order_ref)
    if amount <= 0:
        raise InvalidInput(fields={"amount": [_("Must be greater than 0.")]})
    with transaction.atomic():
        account = _locked_account(customer, enrol=True, at=at)
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
            _tier_upgrade_if_qualified(account, programme, at=at)


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


def account_set_tier_floor(*, account: LoyaltyAccount, tier: Tier | None, reason: str, actor=None) -> LoyaltyAccount:
    """Set (or with tier=None, remove) a manual tier floor: the account never goes below it. Raising
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
                actor=actor,
                occurred_at=now,
            )
    return account


@dataclass(frozen=True)
class _Review:
    boundary: datetime
    tier: Tier


def _review(account: LoyaltyAccount, programme: ProgrammeSettings) -> _Review:
    boundary = account.tier_kept_until
    start, end = window_ending(boundary, account.shop.tzinfo, programme.qualification_window)
    target = tier_for_amount(shop_id=account.shop_id, amount=_qualifying_amount(account, programme, start, end))
    if account.tier_floor is not None and account.tier_floor.rank > target.rank:
        target = account.tier_floor
    return _Review(boundary=boundary, tier=target)


def account_reevaluate_tier(*, account: LoyaltyAccount, now: datetime | None = None) -> bool:
    """At the end of the period a tier is kept for, move the account to the tier the window just over
    qualifies it for (never below its manual floor); that tier is kept for the next period too.
    Periods missed while the job did not run are caught up one by one. Does nothing before the period
    end, so running it twice changes nothing. Returns whether the tier changed."""
    now = now or timezone.now()
    changed = False
    with transaction.atomic():
        account = _lock(account)
        programme = _programme(account)
        while account.tier_kept_until is not None and account.tier_kept_until <= now:
            review = _review(account, programme)
            kept_until = None if review.tier.rank == 1 else period_bounds(review.boundary, account.shop.tzinfo)[1]
            if review.tier.rank == account.tier.rank:
                account.tier_kept_until = kept_until
                account.save(update_fields=["tier_kept_until"])
                continue
            reason = TierChangeReason.DOWNGRADE if review.tier.rank < account.tier.rank else TierChangeReason.UPGRADE
            _change_tier(account, review.tier, reason=reason, at=review.boundary, kept_until=kept_until)
            changed = True
        amount = qualifying_amount_at(account=account, programme=programme, at=now)
        LoyaltyAccount.objects.filter(pk=account.pk).update(qualifying_amount=amount)
    return changed


def tiers_reevaluate_due(*, now: datetime | None = None) -> int:
    """Nightly: re-evaluate every account whose tier period has ended (one transaction each).
    Safe to run twice. Returns how many accounts changed tier."""
    now = now or timezone.now()
    due = LoyaltyAccount.objects.filter(tier_kept_until__lte=now).order_by("pk").only("pk")
    return sum(account_reevaluate_tier(account=account, now=now) for account in list(due))
