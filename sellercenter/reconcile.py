"""Do the apps agree? Every app's own checks (the loyalty ledger, finance's lines and statements) and
the checks across apps: a customer's purchase facts, the points of completed orders and the spend
of campaigns all come from the same orders. A roof module: it reads every app.

Each problem names what it is about (an order number, a customer's storefront id, a campaign), so
that a person can look it up in the admin.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from customers.models import Customer, CustomerPurchase
from finance.selectors import reconcile_problems as finance_problems
from loyalty.models import EntryKind, PointsEntry, ProgrammeSettings, Tier
from loyalty.selectors import ledger_mismatches, points_for_amount
from orders.models import Order, OrderStatus
from promotions.models import Attribution, Campaign, Redemption
from sellercenter.check_command import Problem
from sellercenter.models import Shop
from sellercenter.money import ZERO

# Orders whose checkout was undone: their purchase, budget and points went back.
UNDONE = (OrderStatus.CANCELLED, OrderStatus.RETURNED_TO_SENDER)


def _shops(shop: Shop | None):
    return [shop] if shop is not None else list(Shop.objects.order_by("pk"))


def _kept(status: str, total: Decimal, refunded: Decimal) -> Decimal:
    """What an order brought: its total less refunds, nothing once undone."""
    return ZERO if status in UNDONE else total - refunded


def purchase_problems(shop: Shop) -> list[Problem]:
    """Each confirmed order is one purchase on its customer, for what the customer kept (total less
    refunds), taken back when the order was undone; no purchase without an order; each customer's
    facts are the sum of their purchases."""
    problems = []
    purchases = {p.reference: p for p in CustomerPurchase.objects.filter(shop=shop).exclude(reference="")}
    orders = Order.objects.filter(shop=shop, confirmed_at__isnull=False, total__gt=0)
    numbers = set()
    for number, status, total, refunded in orders.values_list("number", "status", "total", "refunded_amount"):
        numbers.add(number)
        purchase = purchases.get(number)
        kept = _kept(status, total, refunded)
        if purchase is None:
            problems.append(Problem("purchase_facts", number, "confirmed order without a purchase on its customer"))
        elif kept == 0 and purchase.reversed_at is None:
            problems.append(Problem("purchase_facts", number, "order undone but its purchase still counts"))
        elif kept > 0 and (purchase.reversed_at is not None or purchase.amount != kept):
            shown = "reversed" if purchase.reversed_at else purchase.amount
            problems.append(Problem("purchase_facts", number, f"purchase {shown}, the order kept {kept}"))
    for reference in sorted(set(purchases) - numbers):
        problems.append(Problem("purchase_facts", reference, "purchase of no confirmed order of the shop"))
    active = Q(purchases__reversed_at__isnull=True)
    facts = Customer.objects.filter(shop=shop).annotate(
        counted=Count("purchases", filter=active), spent=Sum("purchases__amount", filter=active)
    )
    for customer in facts.exclude(orders_count=0, total_spent=0, counted=0).iterator():
        if customer.orders_count != customer.counted or customer.total_spent != (customer.spent or ZERO):
            problems.append(
                Problem(
                    "purchase_facts",
                    customer.external_id or str(customer.pk),
                    f"{customer.orders_count} orders / {customer.total_spent} on the profile, "
                    f"{customer.counted} / {customer.spent or ZERO} in its purchases",
                )
            )
    return problems


def points_problems(shop: Shop) -> list[Problem]:
    """Each completed order that paid for goods earned its points once, on what it paid, at one of the
    programme's rates; no order points for an order the shop does not have."""
    programme = ProgrammeSettings.objects.filter(shop=shop).first()
    if programme is None:
        return []
    tiers = list(Tier.objects.filter(shop=shop))
    earned = defaultdict(list)
    for entry in PointsEntry.objects.filter(shop=shop, kind=EntryKind.EARN, source__startswith="order:"):
        earned[entry.source.removeprefix("order:")].append(entry)
    problems = []
    numbers = set(Order.objects.filter(shop=shop).values_list("number", flat=True))
    completed = Order.objects.filter(shop=shop, status=OrderStatus.COMPLETED)
    for order in completed.only("number", "subtotal", "discount_total", "points_discount").iterator():
        paid = order.merchandise_paid
        rates = {points_for_amount(amount=paid, programme=programme, tier=tier) for tier in tiers}
        entries = earned.get(order.number, [])
        if paid > 0 and max(rates, default=0) > 0 and len(entries) != 1:
            problems.append(Problem("order_points", order.number, f"{len(entries)} awards for a completed order"))
        for entry in entries:
            if entry.amount != paid or entry.pending_delta not in rates:
                problems.append(
                    Problem(
                        "order_points",
                        order.number,
                        f"{entry.pending_delta} points on {entry.amount}; the programme gives {sorted(rates)} "
                        f"on {paid}",
                    )
                )
    for reference in sorted(set(earned) - numbers):
        problems.append(Problem("order_points", reference, "points awarded for no order of the shop"))
    return problems


def _order_discounts(shop: Shop) -> tuple[dict[int, Decimal], set[str]]:
    """{campaign id: what the orders that were not undone say it gave}, and every order number."""
    given, numbers = defaultdict(lambda: ZERO), set()
    for number, status, applied in Order.objects.filter(shop=shop).values_list("number", "status", "promotions"):
        numbers.add(number)
        if status in UNDONE:
            continue
        for application in applied or []:
            given[application["campaign_id"]] += Decimal(application["amount"])
    return given, numbers


def campaign_problems(shop: Shop) -> list[Problem]:
    """Each campaign's spent equals its redemptions still held, which equal what its orders got; no
    redemption is held for an order the shop does not have."""
    given, numbers = _order_discounts(shop)
    held = Redemption.objects.filter(shop=shop, released_at__isnull=True)
    redeemed = dict(held.values("campaign").annotate(total=Sum("amount")).values_list("campaign", "total"))
    problems = []
    for campaign in Campaign.objects.filter(shop=shop).only("pk", "name", "spent").order_by("pk"):
        in_redemptions = redeemed.get(campaign.pk) or ZERO
        on_orders = given.get(campaign.pk, ZERO)
        if not campaign.spent == in_redemptions == on_orders:
            problems.append(
                Problem(
                    "campaign_spend",
                    f"#{campaign.pk} {campaign.name}",
                    f"spent {campaign.spent}, redemptions {in_redemptions}, discounts on orders {on_orders}",
                )
            )
    for reference in held.exclude(order_ref__in=numbers).values_list("order_ref", flat=True).order_by("order_ref"):
        problems.append(Problem("campaign_spend", reference, "redemption of no order of the shop"))
    return problems


def attribution_problems(shop: Shop) -> list[Problem]:
    """Each order credited to a journey's message counts, in the journey's results, what the order
    kept (after refunds and edits, nothing once undone), and is an order of the shop."""
    problems = []
    credited = dict(Attribution.objects.filter(shop=shop).values_list("order_ref", "revenue"))
    orders = Order.objects.filter(shop=shop, number__in=credited)
    rows = orders.values_list("number", "status", "total", "refunded_amount")
    seen = set()
    for number, status, total, refunded in rows:
        seen.add(number)
        kept = _kept(status, total, refunded)
        if credited[number] != kept:
            problems.append(Problem("journey_revenue", number, f"credited {credited[number]}, the order kept {kept}"))
    for reference in sorted(set(credited) - seen):
        problems.append(Problem("journey_revenue", reference, "credited order of no order of the shop"))
    return problems


CROSS_APP_CHECKS = (purchase_problems, points_problems, campaign_problems, attribution_problems)


def reconcile(*, shop: Shop | None = None) -> list[str]:
    """Every problem found, each as one line naming its check and what it is about; [] when the apps agree.
    The statement lines of delivered orders are finance's own check."""
    lines = [f"[loyalty] {problem}" for problem in ledger_mismatches(shop=shop)]
    lines += [f"[finance] {problem}" for problem in finance_problems(shop=shop)]
    for each in _shops(shop):
        for check in CROSS_APP_CHECKS:
            lines += [f"{each.slug} {problem}" for problem in check(each)]
    return lines
