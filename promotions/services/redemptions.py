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

from promotions.models import Campaign, Redemption, Voucher
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


def _take_budget(*, shop, campaign_id: int, name: str, amount: Decimal, now) -> None:
    """One conditional UPDATE: spend `amount` and one use, only if the campaign still runs and both
    fit. It locks the campaign row until the transaction ends."""
    taken = (
        Campaign.objects.filter(shop=shop, pk=campaign_id)
        .running(now)
        .filter(paused_at__isnull=True, spent__lte=F("budget") - amount)
        .filter(Q(usage_limit_total__isnull=True) | Q(uses_count__lt=F("usage_limit_total")))
        .update(spent=F("spent") + amount, uses_count=F("uses_count") + 1)
    )
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
        if not redemptions:
            return ZERO
        Redemption.objects.filter(pk__in=[r.pk for r in redemptions]).update(released_at=timezone.now())
        for redemption in redemptions:
            Campaign.objects.filter(pk=redemption.campaign_id).update(
                spent=F("spent") - redemption.amount, uses_count=F("uses_count") - 1
            )
        voucher_ids = [r.voucher_id for r in redemptions if r.voucher_id is not None]
        Voucher.objects.filter(pk__in=voucher_ids, used_order_ref=order_ref).update(used_at=None, used_order_ref="")
    return sum((r.amount for r in redemptions), ZERO)


def redemptions_record_revenue(*, shop, order_ref: str, revenue: Decimal) -> int:
    """Set the revenue the order brought (e.g. lower after a partial refund) on its redemptions, for
    the campaigns' results. Returns how many redemptions changed; refuses a negative revenue."""
    if revenue < 0:
        raise InvalidInput(fields={"revenue": [_("Must not be negative.")]})
    return Redemption.objects.filter(shop=shop, order_ref=order_ref).update(order_total=revenue)


def redemptions_move_customer(*, source, target) -> int:
    """Give `target` the redemptions of `source` (profiles merged). Returns how many moved."""
    return Redemption.objects.filter(customer=source).update(customer=target)
