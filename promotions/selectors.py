"""Promotions reads: quotes, voucher checks, the offers a customer sees, campaign lists and results."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel, CustomerPurchase
from promotions.models import Campaign, CodeMode, Kind, Redemption, Status, Voucher
from promotions.quotes import Candidate, Quote, QuoteLine, Reason, Rejection, price_cart
from promotions.signals import catalogue_products_wanted
from sellercenter.errors import InvalidInput
from sellercenter.money import ZERO, money_round

__all__ = ["Quote", "QuoteLine", "campaign_results", "campaigns_offered", "quote", "voucher_check"]

MAX_CODES = 10
# The spend of the last days (today included) is "the current pace" of a campaign.
PACE_DAYS = 7


def normalize_code(code: str) -> str:
    """Codes are compared case-insensitively: stored and looked up upper-case, without surrounding spaces."""
    return code.strip().upper()


STATUS_REASONS = {
    Status.DRAFT: Reason.UNKNOWN_CODE,
    Status.SCHEDULED: Reason.NOT_STARTED,
    Status.ENDED: Reason.ENDED,
    Status.PAUSED: Reason.PAUSED,
}


class CustomerFacts:
    """What the eligibility rules ask about a customer, each fetched once per quote and only if asked."""

    def __init__(self, *, customer, campaigns: list[Campaign], order_ref: str = ""):
        self.customer = customer
        # The order being edited: its own use of a campaign and its place in the customer's orders
        # do not count against it.
        self.order_ref = order_ref
        self._campaign_ids = [c.pk for c in campaigns if c.usage_limit_per_customer is not None]
        self._uses: dict[int, int] | None = None
        self._tier_loaded = False
        self._tier = None
        self._segments: dict[int, bool] = {}

    def uses(self, campaign: Campaign) -> int:
        if self._uses is None:
            rows = (
                Redemption.objects.filter(
                    customer=self.customer, campaign__in=self._campaign_ids, released_at__isnull=True
                )
                .exclude(order_ref=self.order_ref)
                .values("campaign")
                .annotate(count=Count("pk"))
            )
            self._uses = {row["campaign"]: row["count"] for row in rows}
        return self._uses.get(campaign.pk, 0)

    @property
    def orders_before(self) -> int:
        """The customer's orders, the one being edited left out."""
        count = self.customer.orders_count
        if self.order_ref and count:
            counted = CustomerPurchase.objects.filter(
                customer=self.customer, reference=self.order_ref, reversed_at__isnull=True
            ).exists()
            count -= counted
        return count

    @property
    def tier(self):
        if not self._tier_loaded:
            from loyalty.selectors import customer_tier

            self._tier = customer_tier(customer=self.customer)
            self._tier_loaded = True
        return self._tier

    def in_segment(self, segment) -> bool:
        if segment.pk not in self._segments:
            from customers.selectors import segment_includes

            self._segments[segment.pk] = segment_includes(segment=segment, customer=self.customer)
        return self._segments[segment.pk]


def campaign_status_rejection(campaign: Campaign, at: datetime) -> str | None:
    """The reason its status at `at` keeps the campaign from applying (draft reads as an unknown code)."""
    status = campaign.status_at(at)
    if status == Status.EXHAUSTED:
        return Reason.BUDGET_EXHAUSTED if campaign.spent >= campaign.budget else Reason.USAGE_LIMIT_REACHED
    return STATUS_REASONS.get(status)


def _customer_rejection(campaign: Campaign, facts: CustomerFacts) -> str | None:
    customer = facts.customer
    if campaign.usage_limit_per_customer is not None:
        if customer is None:
            return Reason.CUSTOMER_REQUIRED
        if facts.uses(campaign) >= campaign.usage_limit_per_customer:
            return Reason.CUSTOMER_LIMIT_REACHED
    if campaign.first_order_only and customer is not None and facts.orders_before > 0:
        return Reason.FIRST_ORDER_ONLY
    tier_ids = {tier.pk for tier in campaign.tiers.all()}
    if tier_ids and (customer is None or facts.tier is None or facts.tier.pk not in tier_ids):
        return Reason.TIER_NOT_ELIGIBLE
    if campaign.segment_id is not None and (customer is None or not facts.in_segment(campaign.segment)):
        return Reason.SEGMENT_NOT_ELIGIBLE
    return None


def campaign_ineligibility(
    campaign: Campaign, *, at: datetime, channel: str | None, facts: CustomerFacts
) -> str | None:
    """Why this customer may not use `campaign` now on `channel`, whatever the cart; None if they may.

    A None channel is not checked (for lists of offers)."""
    reason = campaign_status_rejection(campaign, at)
    if reason:
        return reason
    if channel is not None and campaign.channels and channel not in campaign.channels:
        return Reason.CHANNEL_NOT_ELIGIBLE
    return _customer_rejection(campaign, facts)


def _with_rules(campaigns: list[Campaign]) -> list[Campaign]:
    prefetch_related_objects(campaigns, "tiers")
    return campaigns


def _resolve_codes(shop, codes: list[str]) -> dict[str, tuple[Campaign | None, Voucher | None]]:
    """{code: (campaign, voucher)} for each code, in the order given; (None, None) for an unknown one."""
    if not codes:
        return {}  # most carts: no query to build (an empty `IN` is still compiled, joins and all)
    shared = {
        c.code: c
        for c in Campaign.objects.filter(shop=shop, code__in=codes, code_mode=CodeMode.SHARED).select_related("segment")
    }
    vouchers = {
        v.code: v
        for v in Voucher.objects.filter(shop=shop, code__in=codes, campaign__code_mode=CodeMode.UNIQUE).select_related(
            "campaign__segment"
        )
    }
    resolved = {}
    for code in codes:
        voucher = vouchers.get(code)
        campaign = voucher.campaign if voucher else shared.get(code)
        resolved[code] = (campaign, voucher)
    return resolved


def _as_seen_by_a_guesser(reason: str | None) -> str | None:
    """A code whose campaign has not started answers as an unknown one: otherwise guessing codes
    would confirm the real ones before the campaign is announced."""
    return Reason.UNKNOWN_CODE if reason == Reason.NOT_STARTED else reason


def _code_rejection(campaign: Campaign | None, voucher: Voucher | None, order_ref: str = "") -> str | None:
    if campaign is None or campaign.published_at is None:
        return Reason.UNKNOWN_CODE
    if voucher is not None and voucher.is_used and not (order_ref and voucher.used_order_ref == order_ref):
        return Reason.VOUCHER_USED
    return None


def _unique_codes(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(code for code in map(normalize_code, codes) if code))


def _check_quote_input(*, shop, lines: list[QuoteLine], customer, channel: str, codes: list[str], shipping_fee) -> None:
    fields = {}
    if channel not in Channel.values:
        fields["channel"] = [_("Unknown channel.")]
    if customer is not None and customer.shop_id != shop.pk:
        fields["customer"] = [_("Unknown customer.")]
    if len(codes) > MAX_CODES:
        fields["codes"] = [_("Give at most %(count)d codes.") % {"count": MAX_CODES}]
    if shipping_fee < 0:
        fields["shipping_fee"] = [_("Must not be negative.")]
    for index, line in enumerate(lines):
        if not line.sku.strip():
            fields[f"lines.{index}.sku"] = [_("This field is required.")]
        if line.quantity < 1:
            fields[f"lines.{index}.quantity"] = [_("Must be at least 1.")]
        if line.unit_price < 0:
            fields[f"lines.{index}.unit_price"] = [_("Must not be negative.")]
    if fields:
        raise InvalidInput(fields=fields)


def quote(
    *,
    shop,
    lines: list[QuoteLine],
    customer=None,
    channel: str,
    codes: list[str],
    at: datetime | None = None,
    shipping_fee: Decimal = ZERO,
    order_ref: str = "",
) -> Quote:
    """What the cart gets: the discount per line, per order and on shipping, the free gifts, the
    campaigns applied with what each costs, and why each other code or running campaign does not apply.

    Pass the order's `shipping_fee` for free-shipping campaigns to have something to discount.
    `order_ref` names an order being edited: the quote is the one a fresh checkout of this cart would
    get in its place, so what that order holds (budget, a use, its voucher codes, its count among the
    customer's orders) counts as given back.
    Reads only; refuses (InvalidInput, naming the field) an unknown channel, another shop's customer,
    a line without SKU, a quantity below 1, a negative price or fee, more than 10 codes."""
    at = at or timezone.now()
    _check_quote_input(
        shop=shop, lines=lines, customer=customer, channel=channel, codes=codes, shipping_fee=shipping_fee
    )
    resolved = _resolve_codes(shop, _unique_codes(codes))
    automatic = list(
        Campaign.objects.filter(shop=shop, code_mode=CodeMode.AUTOMATIC).running(at).select_related("segment")
    )
    coded = [campaign for campaign, _voucher in resolved.values() if campaign is not None]
    if order_ref:
        _give_back_held(shop, order_ref, automatic + coded)
    facts = CustomerFacts(customer=customer, campaigns=_with_rules(automatic + coded), order_ref=order_ref)
    candidates: list[Candidate] = []
    rejected: list[Rejection] = []
    taken: set[int] = set()
    for code, (campaign, voucher) in resolved.items():
        reason = _code_rejection(campaign, voucher, order_ref)
        if reason is None and campaign.pk in taken:
            reason = Reason.ALREADY_APPLIED
        reason = _as_seen_by_a_guesser(reason or campaign_ineligibility(campaign, at=at, channel=channel, facts=facts))
        if reason:
            rejected.append(Rejection(reason, campaign.pk if reason != Reason.UNKNOWN_CODE else None, code))
            continue
        taken.add(campaign.pk)
        candidates.append(Candidate(campaign, code, voucher.pk if voucher else None))
    for campaign in automatic:
        reason = campaign_ineligibility(campaign, at=at, channel=channel, facts=facts)
        if reason:
            rejected.append(Rejection(reason, campaign.pk))
        else:
            candidates.append(Candidate(campaign))
    candidates, gift_products, left_out = _givable(shop, candidates, lines)
    return _quote_from(
        candidates,
        rejected + left_out,
        gift_products=gift_products,
        shop=shop,
        lines=lines,
        customer=customer,
        channel=channel,
        at=at,
        shipping_fee=shipping_fee,
    )


def _give_back_held(shop, order_ref: str, campaigns: list[Campaign]) -> None:
    """Count the budget and the use that the order `order_ref` holds of each campaign as given back,
    on these (unsaved) campaign objects only."""
    held = dict(
        Redemption.objects.filter(shop=shop, order_ref=order_ref, released_at__isnull=True).values_list(
            "campaign_id", "amount"
        )
    )
    for campaign in {id(c): c for c in campaigns}.values():
        if campaign.pk in held:
            campaign.spent -= held[campaign.pk]
            campaign.uses_count -= 1


def catalogue_products(*, shop, skus) -> dict:
    """{sku: product} of the shop's catalogue for these SKUs, as the catalogue answers (see
    promotions.signals); an SKU missing from the answer is no product of the shop."""
    found = {}
    if skus:
        for _receiver, answer in catalogue_products_wanted.send(sender=Campaign, shop=shop, skus=set(skus)):
            found.update(answer or {})
    return found


def gift_rejection(product, units: int) -> str | None:
    """Why this product cannot be given away `units` times now; None if it can."""
    if product is None:
        return Reason.GIFT_UNKNOWN
    if not product.is_active:
        return Reason.GIFT_NOT_FOR_SALE
    if product.stock_available < units:
        return Reason.GIFT_OUT_OF_STOCK
    return None


def gifts_unavailable(*, campaigns) -> list[tuple[Campaign, str]]:
    """The running free-gift campaigns among `campaigns` whose gift cannot be given now (no such
    product, not for sale, out of stock), each with the reason: they apply to no cart until it can."""
    now = timezone.now()
    running = [c for c in campaigns if c.kind == Kind.FREE_GIFT and c.status_at(now) == Status.ACTIVE]
    found = []
    for shop_id in {c.shop_id for c in running}:
        in_shop = [c for c in running if c.shop_id == shop_id]
        products = catalogue_products(shop=in_shop[0].shop, skus={c.gift_sku for c in in_shop})
        for campaign in in_shop:
            reason = gift_rejection(products.get(campaign.gift_sku), campaign.gift_quantity)
            if reason:
                found.append((campaign, reason))
    return found


def _givable(shop, candidates: list[Candidate], lines: list[QuoteLine]):
    """The candidates without the gift campaigns whose gift cannot be given (no such product, not for
    sale, too little stock for the cart's own units and the gift), the gift products by SKU, and the
    rejections of the gifts left out: the cart goes through without them, and their budget is not spent."""
    gifts = [c for c in candidates if c.campaign.kind == Kind.FREE_GIFT]
    if not gifts:
        return candidates, {}, []
    products = catalogue_products(shop=shop, skus={c.campaign.gift_sku for c in gifts})
    bought = {line.sku: line.quantity for line in lines}
    kept, left_out = [], []
    for candidate in candidates:
        campaign = candidate.campaign
        reason = None
        if campaign.kind == Kind.FREE_GIFT:
            units = campaign.gift_quantity + bought.get(campaign.gift_sku, 0)
            reason = gift_rejection(products.get(campaign.gift_sku), units)
        if reason:
            left_out.append(Rejection(reason, campaign.pk, candidate.code, sku=campaign.gift_sku))
        else:
            kept.append(candidate)
    return kept, products, left_out


def _quote_from(candidates, rejected, *, gift_products, shop, lines, customer, channel, at, shipping_fee) -> Quote:
    currency = shop.currency
    priced = price_cart(
        candidates,
        lines=lines,
        shipping_fee=money_round(shipping_fee, currency),
        currency=currency,
        gift_products=gift_products,
    )
    cart = priced.cart
    total_discount = cart.line_discount + cart.order_discount + cart.shipping_discount
    return Quote(
        shop_id=shop.pk,
        currency=currency,
        channel=channel,
        customer_id=customer.pk if customer is not None else None,
        at=at,
        lines=cart.line_results(),
        subtotal=cart.subtotal,
        line_discount=cart.line_discount,
        order_discount=cart.order_discount,
        shipping_fee=cart.shipping_fee,
        shipping_discount=cart.shipping_discount,
        total_discount=total_discount,
        total=cart.subtotal + cart.shipping_fee - total_discount,
        free_gifts=cart.gifts,
        applied=priced.applied,
        rejected=rejected + priced.rejected,
    )


@dataclass(frozen=True)
class VoucherCheck:
    code: str
    reason: str | None
    # The campaign behind the code; None for an unknown code.
    campaign: Campaign | None

    @property
    def valid(self) -> bool:
        return self.reason is None

    @property
    def message(self) -> str:
        return str(Reason(self.reason).label) if self.reason else ""


def voucher_check(
    *, shop, code: str, customer=None, channel: str | None = None, at: datetime | None = None
) -> VoucherCheck:
    """Whether `code` can be used by this customer now, before the cart is known (its minimum
    subtotal is checked by the quote). Reads only."""
    at = at or timezone.now()
    code = normalize_code(code)
    if customer is not None and customer.shop_id != shop.pk:
        raise InvalidInput(fields={"customer": [_("Unknown customer.")]})
    if channel is not None and channel not in Channel.values:
        raise InvalidInput(fields={"channel": [_("Unknown channel.")]})
    campaign, voucher = _resolve_codes(shop, [code])[code]
    reason = _code_rejection(campaign, voucher)
    if reason == Reason.UNKNOWN_CODE:
        return VoucherCheck(code, reason, None)
    facts = CustomerFacts(customer=customer, campaigns=_with_rules([campaign]))
    reason = _as_seen_by_a_guesser(reason or campaign_ineligibility(campaign, at=at, channel=channel, facts=facts))
    return VoucherCheck(code, reason, None if reason == Reason.UNKNOWN_CODE else campaign)


def campaigns_offered(*, shop, customer=None, channel: str | None = None, at: datetime | None = None) -> list[Campaign]:
    """The active campaigns this customer may use now (e.g. to show a Gold member their offers),
    whatever the cart, highest priority first. Unique-code campaigns are left out: without a code
    of their own nobody can use them."""
    at = at or timezone.now()
    campaigns = _with_rules(
        list(
            Campaign.objects.filter(shop=shop)
            .exclude(code_mode=CodeMode.UNIQUE)
            .running(at)
            .select_related("segment")
            .order_by("-priority", "pk")
        )
    )
    facts = CustomerFacts(customer=customer, campaigns=campaigns)
    return [c for c in campaigns if campaign_ineligibility(c, at=at, channel=channel, facts=facts) is None]


def campaign_list(*, shop, at: datetime | None = None) -> QuerySet[Campaign]:
    """The shop's campaigns with `current_status`, their tiers and segment: a fixed number of queries."""
    return Campaign.objects.filter(shop=shop).with_status(at).select_related("segment").prefetch_related("tiers")


# --- Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    key: str
    label: str
    redemptions: int
    cost: Decimal
    revenue: Decimal


@dataclass(frozen=True)
class DaySpend:
    day: date
    redemptions: int
    cost: Decimal


@dataclass(frozen=True)
class CampaignResults:
    campaign_id: int
    currency: str
    status: str
    budget: Decimal
    spent: Decimal
    remaining: Decimal
    redemptions: int
    released: int
    cost: Decimal
    revenue: Decimal
    # Revenue per unit of cost (revenue / cost); None before anything was spent.
    return_on_spend: Decimal | None
    daily: list[DaySpend]
    # Average spend per day over the last PACE_DAYS days of the campaign (fewer if it is younger).
    pace_per_day: Decimal
    # The day (shop time) the budget runs out at that pace; None if nothing is spent lately, the
    # budget is already used up, or the campaign is over.
    projected_exhaustion: date | None
    runs_out_before_end: bool
    by_tier: list[ResultRow]
    by_channel: list[ResultRow]


def _totals(queryset) -> dict:
    return queryset.aggregate(redemptions=Count("pk"), cost=Sum("amount"), revenue=Sum("order_total"))


def _rows(queryset, key: tuple[str, ...], label) -> list[ResultRow]:
    grouped = queryset.values(*key).annotate(redemptions=Count("pk"), cost=Sum("amount"), revenue=Sum("order_total"))
    return [
        ResultRow(str(row[key[0]] or ""), label(row), row["redemptions"], row["cost"], row["revenue"])
        for row in grouped.order_by(F(key[0]).asc(nulls_last=True))
    ]


def _daily(campaign: Campaign, counted, today: date) -> list[DaySpend]:
    tz = campaign.shop.tzinfo
    per_day = {
        row["day"]: row
        for row in counted.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(redemptions=Count("pk"), cost=Sum("amount"))
    }
    first = min([timezone.localtime(campaign.starts_at, tz).date(), *per_day])
    last = max([min(today, timezone.localtime(campaign.ends_at, tz).date()), *per_day])
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [
        DaySpend(day, per_day[day]["redemptions"], per_day[day]["cost"]) if day in per_day else DaySpend(day, 0, ZERO)
        for day in days
    ]


def _pace(daily: list[DaySpend], today: date, currency: str) -> Decimal:
    recent = [entry for entry in daily if today - timedelta(days=PACE_DAYS) < entry.day <= today]
    if not recent:
        return ZERO
    return money_round(sum((entry.cost for entry in recent), ZERO) / len(recent), currency)


def campaign_results(*, campaign: Campaign, at: datetime | None = None) -> CampaignResults:
    """How the campaign did: redemptions, cost, revenue, return on spend, spend per day, when the
    budget runs out at the current pace, and the split by member tier and channel. Released
    redemptions (orders cancelled before shipping) do not count."""
    at = at or timezone.now()
    currency = campaign.shop.currency
    all_rows = Redemption.objects.filter(campaign=campaign)
    counted = all_rows.filter(released_at__isnull=True)
    totals = _totals(counted)
    cost, revenue = totals["cost"] or ZERO, totals["revenue"] or ZERO
    today = timezone.localtime(at, campaign.shop.tzinfo).date()
    daily = _daily(campaign, counted, today)
    pace = _pace(daily, today, currency)
    status = campaign.status_at(at)
    projected = None
    if pace > 0 and campaign.remaining_budget > 0 and status in (Status.ACTIVE, Status.PAUSED, Status.SCHEDULED):
        projected = today + timedelta(days=math.ceil(campaign.remaining_budget / pace))
    end_day = timezone.localtime(campaign.ends_at, campaign.shop.tzinfo).date()
    channel_labels = dict(Channel.choices)
    return CampaignResults(
        campaign_id=campaign.pk,
        currency=currency,
        status=status,
        budget=campaign.budget,
        spent=campaign.spent,
        remaining=campaign.remaining_budget,
        redemptions=totals["redemptions"],
        released=all_rows.filter(released_at__isnull=False).count(),
        cost=cost,
        revenue=revenue,
        return_on_spend=(revenue / cost).quantize(Decimal("0.01")) if cost else None,
        daily=daily,
        pace_per_day=pace,
        projected_exhaustion=projected,
        runs_out_before_end=projected is not None and projected < end_day,
        by_tier=_rows(
            counted,
            ("tier__rank", "tier__name"),
            lambda row: row["tier__name"] or _("No tier"),
        ),
        by_channel=_rows(counted, ("channel",), lambda row: str(channel_labels.get(row["channel"], row["channel"]))),
    )
