"""The redemptions that spend (and give back) a campaign's budget when orders are placed and cancelled.

The budget is a hard promise: a redemption adds to `spent` with one conditional UPDATE that matches
only while `spent + discount <= budget`, the usage limits hold and the campaign still runs; the
row lock that UPDATE takes serialises the redemptions of a campaign, and the per-customer limit is
counted under it. `CheckConstraint(spent <= budget)` is the backstop."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.models import Attribution, Campaign, Redemption, Voucher
from promotions.quotes import Quote, Reason
from promotions.selectors import campaign_status_rejection
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.money import ZERO


def _unavailable(campaign_id: int, name: str, reason: str) -> Conflict:
    return Conflict(
        _('The promotion "%(name)s" can no longer be applied: %(reason)s Quote the cart again.')
        % {"name": name, "reason": Reason(reason).label},
        code="promotion_unavailable",
        campaign_id=campaign_id,
        reason=reason,
    )


def _take_budget(*, shop, campaign_id: int, name: str, amount: Decimal, now, uses: int = 1) -> None:
    """One conditional UPDATE: spend `amount` and `uses` uses (one, or none for more of a use the
    order already has), only if the campaign still runs and both fit. It locks the campaign row until
    the transaction ends."""
    campaigns = (
        Campaign.objects.filter(shop=shop, pk=campaign_id)
        .running(now)
        .filter(paused_at__isnull=True, spent__lte=F("budget") - amount)
    )
    if uses:
        campaigns = campaigns.filter(Q(usage_limit_total__isnull=True) | Q(uses_count__lt=F("usage_limit_total")))
    taken = campaigns.update(spent=F("spent") + amount, uses_count=F("uses_count") + uses)
    if taken:
        return
    campaign = Campaign.objects.filter(shop=shop, pk=campaign_id).first()
    if campaign is None:
        raise _unavailable(campaign_id, name, Reason.UNKNOWN_CODE)
    reason = campaign_status_rejection(campaign, now)
    if reason is None:
        over_budget = campaign.spent + amount > campaign.budget
        reason = Reason.BUDGET_EXHAUSTED if over_budget else Reason.USAGE_LIMIT_REACHED
    raise _unavailable(campaign_id, name, reason)


def _check_customer_limit(*, campaign: Campaign, customer) -> None:
    """Counted after `_take_budget` locked the campaign row, so concurrent orders of one customer
    are counted one after the other."""
    limit = campaign.usage_limit_per_customer
    if limit is None:
        return
    if customer is None:
        raise _unavailable(campaign.pk, campaign.name, Reason.CUSTOMER_REQUIRED)
    uses = Redemption.objects.filter(campaign=campaign, customer=customer, released_at__isnull=True).count()
    if uses >= limit:
        raise _unavailable(campaign.pk, campaign.name, Reason.CUSTOMER_LIMIT_REACHED)


def _use_voucher(*, voucher_id: int, campaign: Campaign, order_ref: str, now) -> None:
    used = Voucher.objects.filter(pk=voucher_id, campaign=campaign, used_at__isnull=True).update(
        used_at=now, used_order_ref=order_ref
    )
    if not used:
        raise _unavailable(campaign.pk, campaign.name, Reason.VOUCHER_USED)


def _customer_tier(customer):
    if customer is None:
        return None
    from loyalty.selectors import customer_tier

    return customer_tier(customer=customer)


def _check_record_input(*, shop, order_ref: str, quote: Quote, customer, order_total: Decimal) -> None:
    fields = {}
    if not order_ref.strip() or len(order_ref) > 64:
        fields["order_ref"] = [_("Give 1 to 64 characters.")]
    if quote.shop_id != shop.pk:
        fields["quote"] = [_("This quote is another shop's.")]
    if customer is not None and customer.shop_id != shop.pk:
        fields["customer"] = [_("Unknown customer.")]
    if order_total < 0:
        fields["order_total"] = [_("Must not be negative.")]
    if fields:
        raise InvalidInput(fields=fields)


def redemptions_record_for_order(
    *, shop, order_ref: str, quote: Quote, customer=None, order_total: Decimal
) -> list[Redemption]:
    """Spend the budget of every campaign the quote applied, for the order `order_ref`, in one
    transaction: one Redemption per campaign, single-use voucher codes consumed.

    If any campaign can no longer cover its amount (budget, usage limit, per-customer limit, paused,
    ended, voucher used meanwhile), nothing is recorded and `Conflict` (code `promotion_unavailable`,
    details `campaign_id` and `reason`) names it: quote again. Calling it again for an order already
    recorded returns the first rows and spends nothing; for an order already released it is a Conflict."""
    _check_record_input(shop=shop, order_ref=order_ref, quote=quote, customer=customer, order_total=order_total)
    with transaction.atomic():
        existing = list(Redemption.objects.filter(shop=shop, order_ref=order_ref).order_by("pk"))
        if any(redemption.released_at for redemption in existing):
            raise Conflict(_("The promotions of this order were released; it cannot use them again."))
        if existing:
            return existing
        now = timezone.now()
        tier = _customer_tier(customer) if quote.applied else None
        campaigns = Campaign.objects.in_bulk([applied.campaign_id for applied in quote.applied])
        redemptions = []
        # Campaign rows are locked in pk order, so two orders sharing campaigns cannot deadlock.
        for applied in sorted(quote.applied, key=lambda a: a.campaign_id):
            _take_budget(shop=shop, campaign_id=applied.campaign_id, name=applied.name, amount=applied.amount, now=now)
            campaign = campaigns[applied.campaign_id]
            _check_customer_limit(campaign=campaign, customer=customer)
            if applied.voucher_id is not None:
                _use_voucher(voucher_id=applied.voucher_id, campaign=campaign, order_ref=order_ref, now=now)
            redemptions.append(
                Redemption(
                    shop=shop,
                    campaign=campaign,
                    order_ref=order_ref,
                    customer=customer,
                    voucher_id=applied.voucher_id,
                    code=applied.code,
                    amount=applied.amount,
                    order_total=order_total,
                    channel=quote.channel,
                    tier=tier,
                    created_at=now,
                )
            )
        try:
            with transaction.atomic():
                return Redemption.objects.bulk_create(redemptions)
        except IntegrityError:
            # The same order recorded at the same moment by another request: this one spends nothing.
            raise Conflict(_("The promotions of this order are being recorded by another request.")) from None


def _give_back(redemption: Redemption, *, now) -> None:
    """Return what `redemption` spent (amount, one use, its single-use code) and mark it released."""
    Campaign.objects.filter(pk=redemption.campaign_id).update(
        spent=F("spent") - redemption.amount, uses_count=F("uses_count") - 1
    )
    if redemption.voucher_id is not None:
        Voucher.objects.filter(pk=redemption.voucher_id, used_order_ref=redemption.order_ref).update(
            used_at=None, used_order_ref=""
        )
    redemption.released_at = now
    redemption.save(update_fields=["released_at"])


def _take_anew(*, shop, applied, row: Redemption | None, customer, order_ref: str, order_total, channel, tier, now):
    """Spend what a campaign new to an edited order costs: budget, a use, its code. A row released by
    an earlier edit of the same order is taken up again (one row per campaign and order)."""
    _take_budget(shop=shop, campaign_id=applied.campaign_id, name=applied.name, amount=applied.amount, now=now)
    campaign = Campaign.objects.get(pk=applied.campaign_id)
    _check_customer_limit(campaign=campaign, customer=customer)
    if applied.voucher_id is not None:
        _use_voucher(voucher_id=applied.voucher_id, campaign=campaign, order_ref=order_ref, now=now)
    row = row or Redemption(shop=shop, campaign=campaign, order_ref=order_ref, channel=channel)
    row.customer, row.voucher_id, row.code, row.amount = customer, applied.voucher_id, applied.code, applied.amount
    row.order_total, row.tier, row.created_at, row.released_at = order_total, tier, now, None
    row.save()


def redemptions_revise_for_order(*, shop, order_ref: str, quote: Quote, customer=None, order_total: Decimal) -> Decimal:
    """The order `order_ref` was edited and `quote` (quoted with `order_ref`, see
    promotions.selectors.quote) is what a fresh checkout of its new cart gets: make its redemptions
    agree. A campaign it keeps spends or gives back the difference, one it no longer gets is
    released (budget, use and code back), one it newly gets is spent as at checkout. Campaign rows
    are changed in pk order, each by one conditional UPDATE: a campaign that cannot cover more
    raises Conflict (code `promotion_unavailable`, details `campaign_id`, `reason`) and, the
    caller's transaction rolling back, nothing changes. Returns the change of the order's discount
    cost (positive: more was spent)."""
    _check_record_input(shop=shop, order_ref=order_ref, quote=quote, customer=customer, order_total=order_total)
    with transaction.atomic():
        rows = {
            r.campaign_id: r
            for r in Redemption.objects.select_for_update().filter(shop=shop, order_ref=order_ref).order_by("pk")
        }
        held = {pk: r for pk, r in rows.items() if r.released_at is None}
        wanted = {applied.campaign_id: applied for applied in quote.applied}
        now = timezone.now()
        tier = _customer_tier(customer) if set(wanted) - set(held) else None
        change = ZERO
        for campaign_id in sorted(set(held) | set(wanted)):
            old, new = held.get(campaign_id), wanted.get(campaign_id)
            if new is None:
                _give_back(old, now=now)
                change -= old.amount
            elif old is None:
                _take_anew(
                    shop=shop,
                    applied=new,
                    row=rows.get(campaign_id),
                    customer=customer,
                    order_ref=order_ref,
                    order_total=order_total,
                    channel=quote.channel,
                    tier=tier,
                    now=now,
                )
                change += new.amount
            else:
                _shift(shop=shop, redemption=old, applied=new, order_total=order_total, now=now)
                change += new.amount - old.amount
    return change


def _shift(*, shop, redemption: Redemption, applied, order_total: Decimal, now) -> None:
    """A campaign the edited order keeps: spend (or give back) the difference, no new use."""
    delta = applied.amount - redemption.amount
    if delta > 0:
        _take_budget(shop=shop, campaign_id=applied.campaign_id, name=applied.name, amount=delta, now=now, uses=0)
    elif delta < 0:
        Campaign.objects.filter(pk=applied.campaign_id).update(spent=F("spent") + delta)
    redemption.amount, redemption.order_total = applied.amount, order_total
    redemption.save(update_fields=["amount", "order_total"])


def redemptions_release_for_order(*, shop, order_ref: str) -> Decimal:
    """Give back to their budgets what the order's redemptions spent (order cancelled before
    shipping), with their uses and single-use codes. Exactly once: a second call, or a concurrent
    one, finds nothing left to release and returns 0. Returns the amount given back."""
    with transaction.atomic():
        redemptions = list(
            Redemption.objects.select_for_update()
            .filter(shop=shop, order_ref=order_ref, released_at__isnull=True)
            .order_by("campaign_id", "pk")
        )
        now = timezone.now()
        for redemption in redemptions:
            _give_back(redemption, now=now)
    return sum((r.amount for r in redemptions), ZERO)


def redemptions_record_revenue(*, shop, order_ref: str, revenue: Decimal) -> int:
    """Set the revenue the order brought (e.g. lower after a partial refund) on its redemptions, for
    the campaigns' results. Returns how many redemptions changed; refuses a negative revenue."""
    if revenue < 0:
        raise InvalidInput(fields={"revenue": [_("Must not be negative.")]})
    return Redemption.objects.filter(shop=shop, order_ref=order_ref).update(order_total=revenue)


def order_revenue_record(*, shop, order_ref: str, revenue: Decimal) -> None:
    """What an order brings now (lower after a refund, changed by an edit, nothing once cancelled), for
    the results of the campaigns it redeemed and of the journey message it is credited to: the one
    call the orders app makes whenever an order's kept revenue changes."""
    redemptions_record_revenue(shop=shop, order_ref=order_ref, revenue=revenue)
    Attribution.objects.filter(shop=shop, order_ref=order_ref).update(revenue=revenue)


def redemptions_move_customer(*, source, target) -> int:
    """Give `target` the redemptions of `source` (profiles merged). Returns how many moved."""
    return Redemption.objects.filter(customer=source).update(customer=target)
