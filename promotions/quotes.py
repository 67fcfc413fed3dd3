"""The quote engine: what each campaign gives a cart, and how campaigns stack. No database here.

`promotions.selectors.quote` loads the campaigns, decides which ones the customer may use at all
(dates, limits, tiers, ...) and hands those to `price_cart`, which applies the cart rules:

- a campaign whose minimum subtotal the cart does not reach, or that gives nothing to this cart, or
  whose remaining budget cannot cover what it would give, is rejected;
- at most one exclusive campaign applies: the highest priority, then the biggest saving, then the
  oldest; the other exclusive ones are rejected as not combinable. Non-exclusive campaigns combine
  with each other and with the chosen exclusive one;
- campaigns apply in phases: SKU discounts on their lines, then order discounts on what the lines
  still cost, then shipping, then gifts; inside a phase by priority (higher first), then age. Each
  campaign is capped by what is left, so the discounts never exceed the subtotal (and the shipping
  discount never exceeds the shipping fee);
- every amount is rounded half-up to the currency's minor unit where it is computed.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from promotions.models import Kind
from sellercenter.money import ZERO, allocate, money_round

HUNDRED = Decimal("100")


class Reason(models.TextChoices):
    """Why a code or a campaign does not apply: machine-readable value, human label."""

    UNKNOWN_CODE = "unknown_code", _("This code does not exist.")
    VOUCHER_USED = "voucher_used", _("This voucher code has already been used.")
    ALREADY_APPLIED = "already_applied", _("Another code of this campaign is already applied.")
    NOT_STARTED = "not_started", _("The promotion has not started yet.")
    ENDED = "ended", _("The promotion has ended.")
    PAUSED = "paused", _("The promotion is paused.")
    BUDGET_EXHAUSTED = "budget_exhausted", _("The promotion's budget is used up.")
    USAGE_LIMIT_REACHED = "usage_limit_reached", _("The promotion has been used as often as allowed.")
    CUSTOMER_LIMIT_REACHED = "customer_limit_reached", _("The customer has used this promotion as often as allowed.")
    CUSTOMER_REQUIRED = "customer_required", _("The promotion is only for signed-in customers.")
    CHANNEL_NOT_ELIGIBLE = "channel_not_eligible", _("The promotion is not available on this channel.")
    FIRST_ORDER_ONLY = "first_order_only", _("The promotion is only for a first order.")
    TIER_NOT_ELIGIBLE = "tier_not_eligible", _("The promotion is not for the customer's member tier.")
    SEGMENT_NOT_ELIGIBLE = "segment_not_eligible", _("The promotion is not for this customer.")
    MINIMUM_NOT_MET = "minimum_not_met", _("The order subtotal is below the promotion's minimum.")
    NO_MATCHING_ITEMS = "no_matching_items", _("Nothing in this order qualifies for the promotion.")
    NOT_COMBINABLE = "not_combinable", _("The promotion cannot be combined with the promotions applied.")
    GIFT_UNKNOWN = "gift_unknown", _("The free gift is not a product of the shop; it is left out.")
    GIFT_NOT_FOR_SALE = "gift_not_for_sale", _("The free gift is not for sale at the moment; it is left out.")
    GIFT_OUT_OF_STOCK = "gift_out_of_stock", _("The free gift is out of stock; it is left out.")


# The reasons a gift campaign is left out of a cart while the order goes through without it.
GIFT_REASONS = (Reason.GIFT_UNKNOWN, Reason.GIFT_NOT_FOR_SALE, Reason.GIFT_OUT_OF_STOCK)


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class LineResult:
    sku: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    # SKU discounts on this line.
    discount: Decimal
    # This line's share of the order discount, in proportion to what the line costs after its own
    # discount (for refunds of part of an order).
    order_discount_share: Decimal
    total: Decimal


@dataclass(frozen=True)
class FreeGift:
    campaign_id: int
    sku: str
    quantity: int
    value: Decimal
    # The catalogue's product given away (see promotions.signals.catalogue_products_wanted).
    product: object = None


@dataclass(frozen=True)
class AppliedCampaign:
    campaign_id: int
    name: str
    kind: str
    # The code that brought it in ("" for an automatic campaign) and its voucher row, if unique.
    code: str
    voucher_id: int | None
    # What it costs the campaign's budget: the discount it gives, or the value of its gifts.
    amount: Decimal


@dataclass(frozen=True)
class Rejection:
    reason: str
    campaign_id: int | None = None
    code: str = ""
    # The gift's SKU, for a gift left out.
    sku: str = ""

    @property
    def message(self) -> str:
        return str(Reason(self.reason).label)

    @property
    def gift_dropped(self) -> bool:
        """A gift the cart would get but cannot be given: the order goes through without it."""
        return self.reason in GIFT_REASONS


@dataclass(frozen=True)
class Quote:
    shop_id: int
    currency: str
    channel: str
    customer_id: int | None
    at: datetime
    lines: list[LineResult]
    subtotal: Decimal
    line_discount: Decimal
    order_discount: Decimal
    shipping_fee: Decimal
    shipping_discount: Decimal
    # line_discount + order_discount + shipping_discount: what the customer does not pay.
    total_discount: Decimal
    # subtotal + shipping_fee - total_discount.
    total: Decimal
    free_gifts: list[FreeGift]
    applied: list[AppliedCampaign]
    rejected: list[Rejection]


@dataclass(frozen=True)
class Candidate:
    """A campaign the customer may use, and the code (if any) that brought it in."""

    campaign: object
    code: str = ""
    voucher_id: int | None = None


PHASES = {
    Kind.SKU_PERCENTAGE: 0,
    Kind.ORDER_PERCENTAGE: 1,
    Kind.ORDER_AMOUNT: 1,
    Kind.FREE_SHIPPING: 2,
    Kind.FREE_GIFT: 3,
}


class _Cart:
    """The cart while campaigns are applied to it, one after the other."""

    def __init__(self, lines: list[QuoteLine], shipping_fee: Decimal, currency: str, gift_products=None):
        self.lines = lines
        self.gift_products = gift_products or {}
        self.currency = currency
        self.line_subtotals = [money_round(line.unit_price * line.quantity, currency) for line in lines]
        self.line_discounts = [ZERO for _line in lines]
        self.order_discount = ZERO
        self.shipping_fee = shipping_fee
        self.shipping_discount = ZERO
        self.gifts: list[FreeGift] = []

    @property
    def subtotal(self) -> Decimal:
        return sum(self.line_subtotals, ZERO)

    @property
    def line_discount(self) -> Decimal:
        return sum(self.line_discounts, ZERO)

    def _capped(self, amount: Decimal, campaign, room: Decimal) -> Decimal:
        if campaign.max_discount is not None:
            amount = min(amount, campaign.max_discount)
        return money_round(max(min(amount, room), ZERO), self.currency)

    def _percent(self, amount: Decimal, percent: Decimal) -> Decimal:
        return money_round(amount * percent / HUNDRED, self.currency)

    def apply(self, campaign) -> Decimal:
        """Apply `campaign` to the cart and return what it costs the budget."""
        return getattr(self, f"_apply_{campaign.kind}")(campaign)

    def _apply_sku_percentage(self, campaign) -> Decimal:
        listed = set(campaign.skus)
        wanted = [
            min(self._percent(subtotal, campaign.value), subtotal - discount) if line.sku in listed else ZERO
            for line, subtotal, discount in zip(self.lines, self.line_subtotals, self.line_discounts, strict=True)
        ]
        total = sum(wanted, ZERO)
        given = self._capped(total, campaign, total)
        parts = wanted if given == total else allocate(given, wanted, self.currency)
        self.line_discounts = [discount + part for discount, part in zip(self.line_discounts, parts, strict=True)]
        return given

    def _order_room(self) -> Decimal:
        return self.subtotal - self.line_discount - self.order_discount

    def _apply_order_percentage(self, campaign) -> Decimal:
        given = self._capped(
            self._percent(self.subtotal - self.line_discount, campaign.value), campaign, self._order_room()
        )
        self.order_discount += given
        return given

    def _apply_order_amount(self, campaign) -> Decimal:
        given = self._capped(money_round(campaign.value, self.currency), campaign, self._order_room())
        self.order_discount += given
        return given

    def _apply_free_shipping(self, campaign) -> Decimal:
        room = self.shipping_fee - self.shipping_discount
        given = self._capped(money_round(campaign.value, self.currency), campaign, room)
        self.shipping_discount += given
        return given

    def _apply_free_gift(self, campaign) -> Decimal:
        value = money_round(campaign.value * campaign.gift_quantity, self.currency)
        product = self.gift_products.get(campaign.gift_sku)
        self.gifts.append(FreeGift(campaign.pk, campaign.gift_sku, campaign.gift_quantity, value, product))
        return value

    def line_results(self) -> list[LineResult]:
        after_own = [
            subtotal - discount for subtotal, discount in zip(self.line_subtotals, self.line_discounts, strict=True)
        ]
        shares = allocate(self.order_discount, after_own, self.currency)
        return [
            LineResult(line.sku, line.quantity, line.unit_price, subtotal, discount, share, subtotal - discount - share)
            for line, subtotal, discount, share in zip(
                self.lines, self.line_subtotals, self.line_discounts, shares, strict=True
            )
        ]


def _cart_rejection(candidate: Candidate, saving: Decimal, subtotal: Decimal) -> str | None:
    campaign = candidate.campaign
    if subtotal < campaign.min_subtotal:
        return Reason.MINIMUM_NOT_MET
    if saving <= 0:
        return Reason.NO_MATCHING_ITEMS
    if saving > campaign.remaining_budget:
        return Reason.BUDGET_EXHAUSTED
    return None


def _application_order(candidate: Candidate):
    return (PHASES[candidate.campaign.kind], -candidate.campaign.priority, candidate.campaign.pk)


@dataclass
class PricedCart:
    cart: _Cart
    applied: list[AppliedCampaign] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def price_cart(
    candidates: list[Candidate],
    *,
    lines: list[QuoteLine],
    shipping_fee: Decimal,
    currency: str,
    gift_products: dict | None = None,
) -> PricedCart:
    """Apply the candidates to the cart by the stacking rules above; the free gifts carry their
    product from `gift_products` (SKU -> product)."""
    priced = PricedCart(_Cart(lines, shipping_fee, currency, gift_products))
    subtotal = priced.cart.subtotal
    savings, fitting = {}, []
    for candidate in candidates:
        saving = savings[candidate.campaign.pk] = _Cart(lines, shipping_fee, currency).apply(candidate.campaign)
        reason = _cart_rejection(candidate, saving, subtotal)
        if reason:
            priced.rejected.append(Rejection(reason, candidate.campaign.pk, candidate.code))
        else:
            fitting.append(candidate)
    exclusive = sorted(
        (c for c in fitting if c.campaign.exclusive),
        key=lambda c: (-c.campaign.priority, -savings[c.campaign.pk], c.campaign.pk),
    )
    priced.rejected += [Rejection(Reason.NOT_COMBINABLE, c.campaign.pk, c.code) for c in exclusive[1:]]
    chosen = exclusive[:1] + [c for c in fitting if not c.campaign.exclusive]
    for candidate in sorted(chosen, key=_application_order):
        campaign = candidate.campaign
        amount = priced.cart.apply(campaign)
        if amount <= 0:
            # Earlier campaigns left nothing for this one to discount.
            priced.rejected.append(Rejection(Reason.NOT_COMBINABLE, campaign.pk, candidate.code))
            continue
        priced.applied.append(
            AppliedCampaign(campaign.pk, campaign.name, campaign.kind, candidate.code, candidate.voucher_id, amount)
        )
    return priced
