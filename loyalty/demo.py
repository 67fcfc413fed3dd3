"""Loyalty demo data: every customer of a shop is a member, and a few regulars carried over from the
shop's old paper cards keep their tier as a manual floor (with the reason), so every tier has
members. Points and qualifying spend come only from the orders demo's orders, through the services
the orders app calls (award, release, redeem, claw back, give back), so every balance agrees with
its ledger and with the orders.

Idempotent: a customer who is already a member is left alone. The customers demo runs first; with no
customers yet, nothing is created and the output says so.
"""

from datetime import timedelta

from customers.models import Customer
from loyalty import services
from loyalty.models import LoyaltyAccount, Tier
from sellercenter.actor import Actor

# Every VIP_EVERY-th member carried a card of the old programme: their tier is kept as a floor.
VIP_EVERY = 7
FLOOR_REASON = "Khách thân thiết chuyển từ thẻ giấy cũ"
DEMO = Actor.system("seed demo")


def seed(*, shops, stdout) -> None:
    for shop in shops:
        customers = list(Customer.objects.current().filter(shop=shop).order_by("pk"))
        if not customers:
            stdout.write(f"Loyalty: {shop.name} has no customers yet, so no member accounts were created.")
            continue
        members = set(LoyaltyAccount.objects.filter(shop=shop).values_list("customer_id", flat=True))
        tiers = list(Tier.objects.filter(shop=shop).order_by("rank"))
        enrolled = 0
        for index, customer in enumerate(c for c in customers if c.pk not in members):
            account = services.account_enrol(customer=customer, at=customer.created_at - timedelta(days=1), actor=DEMO)
            enrolled += 1
            if index % VIP_EVERY == VIP_EVERY - 1:
                floor = tiers[1 + (index // VIP_EVERY) % (len(tiers) - 1)]
                services.account_set_tier_floor(account=account, tier=floor, reason=FLOOR_REASON, actor=DEMO)
        ranks = sorted(set(LoyaltyAccount.objects.filter(shop=shop).values_list("tier__rank", flat=True)))
        stdout.write(
            f"Loyalty: {shop.name}: {enrolled} customers enrolled ({len(members)} were members); "
            f"tiers in use: {', '.join(map(str, ranks))}."
        )
