"""Business insights of a shop for a range of days against the period before, read from the daily
rollups (`sellercenter.insights.rollups`) and two live tables (loyalty accounts, the programme), in a
fixed number of queries whatever the range or the shop's size.

Every figure is a `Figure`: its value now and in the previous period, its unit, and the change in
percent. Which sections a staff member sees follows their role (`SECTIONS_BY_ROLE`)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from loyalty.models import LoyaltyAccount, ProgrammeSettings
from sellercenter.insights.ranges import DayRange
from sellercenter.insights.rollups import ROLLUP_COLUMNS
from sellercenter.models import ProductDayRollup, Role, Shop, ShopDayRollup
from sellercenter.money import ZERO, money_round

SALES, FULFILMENT, CUSTOMERS, CAMPAIGNS, FINANCE = "sales", "fulfilment", "customers", "campaigns", "finance"
# Customers' personal-data requests: only the owner carries them out (it has no figures, only a to-do).
PRIVACY = "privacy"
ALL_SECTIONS = (SALES, FULFILMENT, CUSTOMERS, CAMPAIGNS, FINANCE, PRIVACY)
SECTIONS_BY_ROLE = {
    Role.OWNER: ALL_SECTIONS,
    Role.OPERATIONS: (FULFILMENT,),
    Role.MARKETING: (CUSTOMERS, CAMPAIGNS),
    Role.ACCOUNTANT: (SALES, FINANCE),
}
TOP_PRODUCTS = 5
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # money, count, percent, hours
    value: Decimal | int | None
    previous: Decimal | int | None
    # What the figure is, for the home's tooltips and the README.
    help: str = ""

    @property
    def change(self) -> Decimal | None:
        """Percent change from the previous period; None when there was nothing before."""
        if self.value is None or not self.previous:
            return None
        return (HUNDRED * (Decimal(self.value) - Decimal(self.previous)) / Decimal(self.previous)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass
class Insights:
    shop: Shop
    day_range: DayRange
    sections: tuple[str, ...]
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    funnel: list[dict] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)
    tiers: list[dict] = field(default_factory=list)
    top_products: list[dict] = field(default_factory=list)
    todos: list = field(default_factory=list)


def sections_for(*, role: str | None) -> tuple[str, ...]:
    """What a role sees; the marketplace operator (no role) sees everything."""
    return SECTIONS_BY_ROLE.get(role, ALL_SECTIONS) if role else ALL_SECTIONS


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (HUNDRED * Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ratio_money(amount, count, currency) -> Decimal | None:
    return money_round(Decimal(amount) / count, currency) if count else None


def _hours(seconds, count) -> Decimal | None:
    if not count:
        return None
    return (Decimal(seconds) / count / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _totals(rows: list[ShopDayRollup]) -> dict:
    totals = {column: 0 for column in ROLLUP_COLUMNS if column not in ("by_channel", "by_tier")}
    channels: dict[str, dict] = defaultdict(lambda: {"orders": 0, "sales": ZERO})
    tiers: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        for column in totals:
            totals[column] += getattr(row, column)
        for channel, value in row.by_channel.items():
            channels[channel]["orders"] += value["orders"]
            channels[channel]["sales"] += Decimal(value["sales"])
        for tier, sales in row.by_tier.items():
            tiers[tier] += Decimal(sales)
    totals["by_channel"], totals["by_tier"] = channels, tiers
    return totals


def _sales_figures(now: dict, before: dict, currency: str) -> list[Figure]:
    def aov(t):
        return _ratio_money(t["sales"], t["kept"], currency)

    return [
        Figure("sales", _("Sales"), "money", now["sales"], before["sales"], _("Totals less refunds of orders kept.")),
        Figure("orders", _("Orders"), "count", now["orders"], before["orders"], _("Orders placed.")),
        Figure(
            "average_order_value", _("Average order value"), "money", aov(now), aov(before), _("Sales / orders kept.")
        ),
    ]


def _fulfilment_figures(now: dict, before: dict) -> list[Figure]:
    def rates(t):
        return {
            "late": _percent(t["late"], t["confirmed"]),
            "cancelled": _percent(t["cancelled"], t["orders"]),
            "returned": _percent(t["returned"], t["delivered"]),
            "on_time": _percent(t["delivered_on_time"], t["delivered"]),
            "preparation": _hours(t["preparation_seconds"], t["prepared"]),
        }

    a, b = rates(now), rates(before)
    return [
        Figure("orders", _("Orders"), "count", now["orders"], before["orders"], _("Orders placed.")),
        Figure(
            "late_shipment_rate",
            _("Late shipment rate"),
            "percent",
            a["late"],
            b["late"],
            _("Confirmed orders handed over after their ship-by deadline, or still not handed over past it."),
        ),
        Figure(
            "cancellation_rate",
            _("Cancellation rate"),
            "percent",
            a["cancelled"],
            b["cancelled"],
            _("Cancelled / placed."),
        ),
        Figure(
            "return_rate",
            _("Return rate"),
            "percent",
            a["returned"],
            b["returned"],
            _("Delivered orders with a return request not rejected / delivered."),
        ),
        Figure(
            "on_time_delivery_rate",
            _("On-time delivery"),
            "percent",
            a["on_time"],
            b["on_time"],
            _("Delivered by the deliver-by date / delivered."),
        ),
        Figure(
            "preparation_hours",
            _("Preparation time"),
            "hours",
            a["preparation"],
            b["preparation"],
            _("Average hours from confirmation to hand-over."),
        ),
    ]


def _average_rating(t: dict) -> Decimal | None:
    # The same rounding as customers.selectors.review_satisfaction.
    if not t["reviews"]:
        return None
    return (Decimal(t["rating_total"]) / t["reviews"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _customer_figures(now: dict, before: dict) -> list[Figure]:
    def returning(t):
        return t["purchases"] - t["first_purchases"]

    return [
        Figure(
            "visitors",
            _("Visitors (sessions)"),
            "count",
            now["sessions"],
            before["sessions"],
            _("Storefront sessions with at least one event, counted per day."),
        ),
        Figure(
            "conversion_rate",
            _("Conversion rate"),
            "percent",
            _percent(now["order_sessions"], now["sessions"]),
            _percent(before["order_sessions"], before["sessions"]),
            _("Sessions with an order / sessions."),
        ),
        Figure(
            "cart_abandonment_rate",
            _("Cart abandonment"),
            "percent",
            _percent(now["abandoned_cart_sessions"], now["cart_sessions"]),
            _percent(before["abandoned_cart_sessions"], before["cart_sessions"]),
            _("Sessions that added to cart and placed no order / sessions that added to cart."),
        ),
        Figure(
            "new_buyers",
            _("New buyers"),
            "count",
            now["first_purchases"],
            before["first_purchases"],
            _("Customers whose first purchase falls in the period."),
        ),
        Figure(
            "returning_purchases",
            _("Purchases by returning buyers"),
            "count",
            returning(now),
            returning(before),
            _("Purchases by customers who had bought before."),
        ),
        Figure(
            "repeat_purchase_rate",
            _("Repeat purchase rate"),
            "percent",
            _percent(returning(now), now["purchases"]),
            _percent(returning(before), before["purchases"]),
            _("Purchases by returning buyers / purchases."),
        ),
        Figure(
            "average_rating",
            _("Average rating"),
            "ratio",
            _average_rating(now),
            _average_rating(before),
            _("Average stars (1-5) of the reviews posted in the period."),
        ),
        Figure(
            "low_rating_share",
            _("Low ratings"),
            "percent",
            _percent(now["low_reviews"], now["reviews"]),
            _percent(before["low_reviews"], before["reviews"]),
            _("Reviews of 1 or 2 stars / reviews posted in the period."),
        ),
    ]


def _campaign_figures(now: dict, before: dict) -> list[Figure]:
    def roi(t):
        return (
            (Decimal(t["campaign_revenue"]) / t["campaign_cost"]).quantize(Decimal("0.01"))
            if t["campaign_cost"]
            else None
        )

    return [
        Figure(
            "campaign_cost",
            _("Campaign cost"),
            "money",
            now["campaign_cost"],
            before["campaign_cost"],
            _("Discounts granted by the shop's campaigns (not released)."),
        ),
        Figure(
            "campaign_revenue",
            _("Campaign revenue"),
            "money",
            now["campaign_revenue"],
            before["campaign_revenue"],
            _("Totals of the orders that used a campaign."),
        ),
        Figure(
            "campaign_return",
            _("Revenue per dong of discount"),
            "ratio",
            roi(now),
            roi(before),
            _("Campaign revenue / campaign cost."),
        ),
    ]


def _finance_figures(now: dict, before: dict, currency: str, liability: dict) -> list[Figure]:
    def cost(t):
        return _ratio_money(t["fees"], t["fee_lines"], currency)

    return [
        Figure(
            "cost_per_order",
            _("Fees and shipping per order"),
            "money",
            cost(now),
            cost(before),
            _("Shipping cost, commission and fees of the sale lines booked in the period / sale lines."),
        ),
        Figure(
            "discounts",
            _("Seller-funded discounts"),
            "money",
            now["discounts"],
            before["discounts"],
            _("Promotion and shipping discounts of orders kept."),
        ),
        Figure(
            "points_liability",
            _("Outstanding points (value)"),
            "money",
            liability["available"],
            None,
            _("Spendable points of every member now, at the programme's value of a point."),
        ),
        Figure(
            "points_pending",
            _("Pending points (value)"),
            "money",
            liability["pending"],
            None,
            _("Points waiting for their orders to complete, at the value of a point."),
        ),
    ]


def _series(day_range: DayRange, by_day: dict) -> dict:
    previous = day_range.previous
    empty = {"sales": ZERO, "orders": 0, "sessions": 0}

    def column(days, name):
        return [getattr(by_day[d], name) if d in by_day else empty[name] for d in days]

    now_days, before_days = day_range.dates(), previous.dates()
    return {
        "days": now_days,
        "previous_days": before_days,
        **{name: column(now_days, name) for name in empty},
        **{f"{name}_previous": column(before_days, name) for name in empty},
    }


def _funnel(now: dict) -> list[dict]:
    steps = [
        ("sessions", _("Sessions")),
        ("product_view_sessions", _("Viewed a product")),
        ("cart_sessions", _("Added to cart")),
        ("checkout_sessions", _("Started checkout")),
        ("order_sessions", _("Ordered")),
    ]
    first = now["sessions"]
    return [
        {"step": key, "label": label, "sessions": now[key], "rate": _percent(now[key], first)} for key, label in steps
    ]


def _channels(now: dict) -> list[dict]:
    total = sum((value["sales"] for value in now["by_channel"].values()), ZERO)
    return [
        {
            "channel": channel,
            "label": label,
            "orders": now["by_channel"].get(channel, {}).get("orders", 0),
            "sales": now["by_channel"].get(channel, {}).get("sales", ZERO),
            "share": _percent(now["by_channel"].get(channel, {}).get("sales", ZERO), total),
        }
        for channel, label in Channel.choices
    ]


def _liability_and_tiers(shop: Shop, now: dict) -> tuple[dict, list[dict]]:
    point_value = ProgrammeSettings.objects.filter(shop=shop).values_list("point_value", flat=True).first() or ZERO
    rows = (
        LoyaltyAccount.objects.filter(shop=shop)
        .values("tier__name", "tier__rank")
        .annotate(
            members=Count("pk"),
            available=Coalesce(Sum("available_points"), 0),
            pending=Coalesce(Sum("pending_points"), 0),
        )
        .order_by("tier__rank")
    )
    rows = list(rows)
    liability = {
        "available": money_round(point_value * sum(r["available"] for r in rows), shop.currency),
        "pending": money_round(point_value * sum(r["pending"] for r in rows), shop.currency),
    }
    total_sales = sum(now["by_tier"].values(), ZERO)
    tiers = [
        {
            "tier": row["tier__name"],
            "members": row["members"],
            "sales": now["by_tier"].get(row["tier__name"], ZERO),
            "share": _percent(now["by_tier"].get(row["tier__name"], ZERO), total_sales),
        }
        for row in rows
    ]
    tiers.append(
        {
            "tier": "",
            "members": None,
            "sales": now["by_tier"].get("", ZERO),
            "share": _percent(now["by_tier"].get("", ZERO), total_sales),
        }
    )
    return liability, tiers


def _top_products(shop: Shop, day_range: DayRange) -> list[dict]:
    rows = (
        ProductDayRollup.objects.filter(shop=shop, day__gte=day_range.start, day__lte=day_range.end)
        .values("sku")
        .annotate(quantity=Sum("quantity"), sales=Sum("sales"), name=Max("name"))
        .order_by("-sales", "sku")[:TOP_PRODUCTS]
    )
    return list(rows)


def shop_insights(*, shop: Shop, day_range: DayRange, sections: tuple[str, ...] = ALL_SECTIONS) -> Insights:
    """The shop's figures for `day_range` and the period before, restricted to `sections`.

    Reads: one query for the rollups of both periods, one for the top products (sales or customers
    sections), two for loyalty (customers or finance sections). Nothing else, whatever the size."""
    previous = day_range.previous
    rows = list(ShopDayRollup.objects.filter(shop=shop, day__gte=previous.start, day__lte=day_range.end))
    by_day = {row.day: row for row in rows}
    now = _totals([row for row in rows if row.day >= day_range.start])
    before = _totals([row for row in rows if row.day < day_range.start])
    insights = Insights(shop=shop, day_range=day_range, sections=sections)
    insights.series = _series(day_range, by_day)
    currency = shop.currency
    liability, tiers = (None, [])
    if CUSTOMERS in sections or FINANCE in sections:
        liability, tiers = _liability_and_tiers(shop, now)
    if SALES in sections:
        insights.figures[SALES] = _sales_figures(now, before, currency)
        insights.channels = _channels(now)
    if FULFILMENT in sections:
        insights.figures[FULFILMENT] = _fulfilment_figures(now, before)
    if CUSTOMERS in sections:
        insights.figures[CUSTOMERS] = _customer_figures(now, before)
        insights.funnel = _funnel(now)
        insights.tiers = tiers
    if CAMPAIGNS in sections:
        insights.figures[CAMPAIGNS] = _campaign_figures(now, before)
    if FINANCE in sections:
        insights.figures[FINANCE] = _finance_figures(now, before, currency, liability)
    if SALES in sections or CUSTOMERS in sections:
        insights.top_products = _top_products(shop, day_range)
    return insights
