"""Loyalty demo data: member accounts for up to 100 customers a shop, spread over the five tiers, with a
year of history made through the same services the orders app calls (award, release, redeem,
cancel, refund), so every balance agrees with its ledger.

Idempotent: a customer who already has points history is left alone. The customers demo runs first
(INSTALLED_APPS order); with no customers yet, nothing is created and the output says so.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer
from loyalty import services
from loyalty.models import LoyaltyAccount, PointsEntry, Tier
from sellercenter.money import money_round

# Per tier rank: how much the member spent in the last year, as a share of that tier's threshold
# (rank 1 has no threshold: a fixed amount).
SPEND_OVER_THRESHOLD = Decimal("1.15")
ENTRY_SPEND = Decimal("850000")
HISTORY_DAYS = 330
# Each history runs a dozen ledger services; 100 members a shop show every tier and keep the demo quick.
MEMBERS_PER_SHOP = 100


def seed(*, shops, stdout) -> None:
    for shop in shops:
        customers = list(
            Customer.objects.filter(shop=shop, merged_into__isnull=True, erased_at__isnull=True).order_by("pk")[
                :MEMBERS_PER_SHOP
            ]
        )
        if not customers:
            stdout.write(f"Loyalty: {shop.name} has no customers yet, so no member accounts were created.")
            continue
        thresholds = dict(Tier.objects.filter(shop=shop).values_list("rank", "threshold"))
        created = sum(_member_with_history(customer, index, thresholds) for index, customer in enumerate(customers))
        ranks = sorted(set(LoyaltyAccount.objects.filter(shop=shop).values_list("tier__rank", flat=True)))
        stdout.write(
            f"Loyalty: {shop.name}: {created} member accounts with history "
            f"({len(customers)} customers; tiers in use: {', '.join(map(str, ranks))})."
        )
        if len(customers) < len(thresholds):
            stdout.write(f"Loyalty: {shop.name} has fewer customers than tiers, so not every tier has a member.")


def _member_with_history(customer: Customer, index: int, thresholds: dict[int, Decimal]) -> bool:
    account = services.account_enrol(customer=customer, at=timezone.now() - timedelta(days=HISTORY_DAYS + 30))
    if PointsEntry.objects.filter(account=account).exists():
        return False
    rank = index % 5 + 1
    target = thresholds[rank] * SPEND_OVER_THRESHOLD if rank > 1 else ENTRY_SPEND
    dice = random.Random(customer.pk)  # the same history on every run
    order_count = 2 + rank
    shares = [Decimal(dice.randint(60, 140)) for _ in range(order_count)]
    now = timezone.now()
    for number, share in enumerate(shares, start=1):
        amount = money_round(target * share / sum(shares), customer.shop.currency)
        delivered = now - timedelta(days=HISTORY_DAYS * (order_count - number + 1) // order_count)
        _order(customer, f"DEMO-{customer.pk}-{number:02d}", amount, delivered)
    _extras(customer, index, dice)
    return True


def _order(customer: Customer, order_ref: str, amount: Decimal, delivered) -> None:
    """A delivered order: spend counts towards the tier, points earned, released once the return
    window of the shop has passed (the order completed)."""
    services.tier_record_qualifying_spend(customer=customer, order_ref=order_ref, amount=amount, at=delivered)
    services.points_award_for_order(customer=customer, order_ref=order_ref, amount=amount, at=delivered)
    completed = delivered + timedelta(days=customer.shop.return_window_days)
    if completed <= timezone.now():
        services.points_release_for_order(customer=customer, order_ref=order_ref, at=completed)


def _extras(customer: Customer, index: int, dice: random.Random) -> None:
    """What real histories have besides orders: points spent, a cancelled order, a refund."""
    account = LoyaltyAccount.objects.get(customer=customer)
    if account.available_points >= 50:
        points = dice.randint(20, account.available_points // 2)
        services.points_redeem_for_order(customer=customer, order_ref=f"DEMO-{customer.pk}-R1", points=points)
        if index % 3 == 0:  # the order paid with points was cancelled: the points come back
            services.points_reverse_redemption(customer=customer, order_ref=f"DEMO-{customer.pk}-R1")
    if index % 4 == 1:  # part of the first order was returned and refunded
        first = f"DEMO-{customer.pk}-01"
        spent = account.qualifying_spend.get(order_ref=first).amount
        services.points_clawback_for_refund(
            customer=customer, order_ref=first, refund_amount=money_round(spent / 3), order_amount=spent
        )
        services.tier_reverse_qualifying_spend(
            customer=customer, order_ref=first, amount=money_round(spent / 3), at=timezone.now()
        )
