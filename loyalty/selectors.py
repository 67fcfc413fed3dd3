"""Loyalty reads: a customer's tier, redemption quotes, member cards, the ledger, consistency checks."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.selectors import customer_require
from loyalty.models import (
    ONCE_PER_ORDER_KINDS,
    EntryKind,
    LoyaltyAccount,
    PointsEntry,
    PointsLot,
    ProgrammeSettings,
    QualificationBasis,
    QualifyingSpend,
    Tier,
)
from loyalty.periods import window_at
from sellercenter.barcodes import barcode_svg
from sellercenter.errors import InvalidInput, NotFound
from sellercenter.money import ZERO, money_round

EXPIRING_SOON = timedelta(days=30)


def customer_tier(*, customer) -> Tier | None:
    """The customer's current tier; None when the customer has no loyalty account."""
    return Tier.objects.filter(accounts__customer=customer).first()


def points_for_amount(*, amount: Decimal, programme: ProgrammeSettings, tier: Tier) -> int:
    """Points an amount earns at a tier: whole points, rounded down."""
    points = amount * tier.earn_multiplier / programme.spend_per_point
    return int(points.to_integral_value(rounding=ROUND_FLOOR))


def qualifying_amount_between(
    *, account: LoyaltyAccount, programme: ProgrammeSettings, start: datetime, end: datetime
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
    return qualifying_amount_between(account=account, programme=programme, start=start, end=end)


def tier_for_amount(*, shop_id: int, amount: Decimal) -> Tier:
    """The highest tier whose threshold `amount` reaches (the lowest tier's threshold is 0)."""
    return Tier.objects.filter(shop_id=shop_id, threshold__lte=amount).order_by("-rank").first() or Tier.objects.get(
        shop_id=shop_id, rank=1
    )


def is_member(*, customer) -> bool:
    return LoyaltyAccount.objects.filter(customer=customer).exists()


def account_for_customer(*, shop, external_id: str) -> LoyaltyAccount:
    """The loyalty account of the shop's customer with this storefront id; NotFound otherwise."""
    customer = customer_require(shop=shop, external_id=external_id)
    account = LoyaltyAccount.objects.select_related("customer", "tier", "shop").filter(customer=customer).first()
    if account is None:
        raise NotFound(_("This customer is not a loyalty member."), code="not_a_member")
    return account


def points_spendable(*, account: LoyaltyAccount | None, now: datetime | None = None) -> int:
    """Available points that have not expired at `now` (the nightly job may not have run yet)."""
    if account is None:
        return 0
    now = now or timezone.now()
    lots = PointsLot.objects.filter(account=account, remaining__gt=0, expires_at__gt=now)
    return lots.aggregate(total=Sum("remaining"))["total"] or 0


@dataclass(frozen=True)
class RedemptionQuote:
    available_points: int
    max_points: int  # the most this order may take: the balance, and the programme's share of the order
    points: int  # the points quoted: those asked for (or the most allowed), never more than max_points
    value: Decimal  # what `points` are worth, rounded for the shop's currency
    point_value: Decimal
    max_share_percent: Decimal
    currency: str


def points_quote_redemption(*, customer, order_amount: Decimal, points: int | None = None) -> RedemptionQuote:
    """How many points the customer may use on an order of `order_amount` and what they are worth.

    Capped by the spendable balance and by the programme's maximum share of the order. `points` asks
    for a number (quoted as at most the cap); without it the cap is quoted. A customer without a
    loyalty account gets a quote of 0. Refuses a negative amount or negative points (InvalidInput)."""
    if order_amount < 0:
        raise InvalidInput(fields={"order_amount": [_("Must not be negative.")]})
    if points is not None and points < 0:
        raise InvalidInput(fields={"points": [_("Must not be negative.")]})
    programme = ProgrammeSettings.objects.select_related("shop").get(shop_id=customer.shop_id)
    account = LoyaltyAccount.objects.filter(customer=customer).first()
    available = points_spendable(account=account)
    payable = order_amount * programme.max_redemption_percent / Decimal(100)
    by_share = int((payable / programme.point_value).to_integral_value(rounding=ROUND_FLOOR))
    max_points = max(0, min(available, by_share))
    quoted = max_points if points is None else min(points, max_points)
    return RedemptionQuote(
        available_points=available,
        max_points=max_points,
        points=quoted,
        value=money_round(quoted * programme.point_value, programme.shop.currency),
        point_value=programme.point_value,
        max_share_percent=programme.max_redemption_percent,
        currency=programme.shop.currency,
    )


@dataclass(frozen=True)
class MemberCard:
    account: LoyaltyAccount
    available_points: int
    expiring_points: int
    expiring_before: datetime
    qualifying_amount: Decimal
    next_tier: Tier | None
    amount_to_next_tier: Decimal | None
    barcode_svg: str


def member_card(*, account: LoyaltyAccount, now: datetime | None = None) -> MemberCard:
    """What the member card shows: tier, balances, points expiring in the next 30 days, the amount
    (spend or points, by the programme's basis) still needed for the next tier, and the barcode."""
    now = now or timezone.now()
    programme = ProgrammeSettings.objects.get(shop_id=account.shop_id)
    amount = qualifying_amount_at(account=account, programme=programme, at=now)
    next_tier = Tier.objects.filter(shop_id=account.shop_id, rank__gt=account.tier.rank).order_by("rank").first()
    expiring_before = now + EXPIRING_SOON
    expiring = PointsLot.objects.filter(
        account=account, remaining__gt=0, expires_at__gt=now, expires_at__lte=expiring_before
    ).aggregate(total=Sum("remaining"))["total"]
    return MemberCard(
        account=account,
        available_points=points_spendable(account=account, now=now),
        expiring_points=expiring or 0,
        expiring_before=expiring_before,
        qualifying_amount=amount,
        next_tier=next_tier,
        amount_to_next_tier=max(Decimal(0), next_tier.threshold - amount) if next_tier else None,
        barcode_svg=barcode_svg(account.member_code),
    )


def ledger_entries(*, account: LoyaltyAccount) -> QuerySet[PointsEntry]:
    """The account's ledger, newest first."""
    return PointsEntry.objects.filter(account=account).order_by("-pk")


def _entry_sum(column: str):
    entries = PointsEntry.objects.filter(account=OuterRef("pk")).order_by().values("account")
    return Coalesce(Subquery(entries.annotate(total=Sum(column)).values("total")), Value(0))


def _lot_sum():
    lots = PointsLot.objects.filter(account=OuterRef("pk")).order_by().values("account")
    return Coalesce(Subquery(lots.annotate(total=Sum("remaining")).values("total")), Value(0))


def ledger_mismatches(*, shop=None) -> list[str]:
    """Everything that breaks the ledger's invariants, one line each (empty when all is well):
    cached balances that differ from the sum of the entries (or of the lots), negative balances,
    points held while points are owed, an order with two entries of a once-per-order kind, and
    clawbacks that took back more than the order earned."""
    accounts = LoyaltyAccount.objects.all() if shop is None else LoyaltyAccount.objects.filter(shop=shop)
    problems = [_balance_problem(row) for row in _account_totals(accounts)]
    problems = [problem for problem in problems if problem]
    entries = PointsEntry.objects.filter(account__in=accounts)
    duplicates = (
        entries.filter(kind__in=ONCE_PER_ORDER_KINDS)
        .values("account__member_code", "source", "kind")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .order_by("account__member_code", "source")
    )
    problems += [
        f"{row['account__member_code']}: {row['count']} '{row['kind']}' entries for {row['source']}"
        for row in duplicates
    ]
    overclaimed = (
        entries.filter(kind__in=[EntryKind.EARN, EntryKind.CLAWBACK], source__startswith="order:")
        .values("account__member_code", "source")
        .annotate(net=Sum(F("pending_delta") + F("available_delta") - F("debt_delta")))
        .filter(net__lt=0)
        .order_by("account__member_code", "source")
    )
    problems += [
        f"{row['account__member_code']}: clawbacks exceed the award for {row['source']} by {-row['net']}"
        for row in overclaimed
    ]
    return problems


def _account_totals(accounts: QuerySet[LoyaltyAccount]):
    return (
        accounts.annotate(
            ledger_pending=_entry_sum("pending_delta"),
            ledger_available=_entry_sum("available_delta"),
            ledger_debt=_entry_sum("debt_delta"),
            lots_remaining=_lot_sum(),
        )
        .order_by("pk")
        .values(
            "member_code",
            "pending_points",
            "available_points",
            "debt_points",
            "ledger_pending",
            "ledger_available",
            "ledger_debt",
            "lots_remaining",
        )
    )


def _balance_problem(row: dict) -> str:
    found = []
    for balance in ("pending", "available", "debt"):
        cached, ledger = row[f"{balance}_points"], row[f"ledger_{balance}"]
        if cached != ledger:
            found.append(f"{balance} balance {cached} but the ledger sums to {ledger}")
        if cached < 0:
            found.append(f"{balance} balance is negative ({cached})")
    if row["available_points"] != row["lots_remaining"]:
        found.append(f"available balance {row['available_points']} but the lots hold {row['lots_remaining']}")
    if row["available_points"] > 0 and row["debt_points"] > 0:
        found.append(f"holds {row['available_points']} points while owing {row['debt_points']}")
    return f"{row['member_code']}: " + "; ".join(found) if found else ""
