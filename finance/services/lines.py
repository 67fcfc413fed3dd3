"""Statement lines: the sale line of a delivered order, refund lines, adjustments entered by staff,
and releasing an order's lines for payout when it completes.

The receivers of orders' signals call these inside the order transition's transaction, so a line is
written exactly when the transition commits. Each is safe to call twice: a sale line is unique per
order and a refund line per return request (partial unique constraints), and a second call returns
the line the first one wrote.
"""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import selectors
from finance.line_amounts import (
    OrderAmounts,
    adjustment_amounts,
    channel_fee_amounts,
    refund_amounts,
    sale_amounts,
)
from finance.models import LineKind, PayoutState, Statement, StatementLine
from finance.selectors import DELIVERED_STATUSES
from finance.services.statements import statement_add_lines, statement_open_for
from orders.models import Order, OrderStatus, ReturnRequest, ReturnStatus
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import Shop
from sellercenter.money import money_format, money_round, to_decimal
from sellercenter.periods import local_day

# What a MoneyField holds: 18 digits, 2 of them decimals.
MAX_AMOUNT = Decimal(10) ** 16


def _insert_once(unique: dict, **fields) -> StatementLine:
    """Insert a line unless the line matching `unique` exists; a concurrent insert of the same line
    loses on the unique constraint (in a savepoint, so the caller's transaction goes on)."""
    existing = StatementLine.objects.filter(**unique).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return StatementLine.objects.create(**unique, **fields)
    except IntegrityError:
        return StatementLine.objects.get(**unique)


def _order_fields(order: Order) -> dict:
    tz = order.shop.tzinfo
    return {
        "shop_id": order.shop_id,
        "order_number": order.number or "",
        "payment_method": order.payment_method,
        "currency": order.currency,
        "placed_on": local_day(order.placed_at, tz),
        "delivered_on": local_day(order.delivered_at, tz) if order.delivered_at else None,
    }


def sale_line_record(*, order: Order) -> StatementLine:
    """The sale line of a delivered order, written once: every amount of the order and the fees of the
    rule in force on the day it was placed. Pending until the order completes.

    Refuses (NotAllowed) an order that was never delivered."""
    if order.delivered_at is None:
        raise NotAllowed(_("Only a delivered order has a sale line."), code="order_not_delivered")
    existing = StatementLine.objects.filter(kind=LineKind.SALE, order=order).first()
    if existing is not None:
        return existing
    fields = _order_fields(order)
    rule = selectors.fee_rule_in_force(shop=order.shop, day=fields["placed_on"])
    amounts = sale_amounts(
        OrderAmounts(
            currency=order.currency,
            subtotal=order.subtotal,
            discount_total=order.discount_total,
            shipping_fee=order.shipping_fee,
            shipping_discount=order.shipping_discount,
            points_discount=order.points_discount,
        ),
        selectors.rates_of(rule=rule, payment_method=order.payment_method),
    )
    sale = _insert_once(
        {"kind": LineKind.SALE, "order": order},
        fee_rule=rule,
        booked_on=fields["delivered_on"],
        **fields,
        **amounts.as_dict(),
    )
    channel_fee_line_record(order=order)
    return sale


def channel_fee_line_record(*, order: Order) -> StatementLine | None:
    """The line of what the order's marketplace kept of it (its commission and fees, as its order report
    gave them), written once beside the sale line and released with it: the sale line stays what the
    same cart sold elsewhere would give, and the statement shows what each channel really cost.
    Nothing is written for an order without channel fees."""
    fees = {fee.kind: fee.amount for fee in order.channel_fees.all()}
    if not any(fees.values()):
        return None
    fields = _order_fields(order)
    amounts = channel_fee_amounts(fees=fees, currency=order.currency)
    return _insert_once(
        {"kind": LineKind.CHANNEL_FEE, "order": order},
        booked_on=fields["delivered_on"],
        reason=(_("%(channel)s fees") % {"channel": order.get_channel_display()})[:255],
        **fields,
        **amounts.as_dict(),
    )


def _release(shop: Shop, lines: list[StatementLine], at: datetime) -> None:
    statement = statement_open_for(shop=shop, at=at)
    statement_add_lines(statement=statement, lines=lines, at=at)


def order_lines_release(*, order: Order, at: datetime | None = None) -> int:
    """A completed order's pending lines (its sale and any refunds) join the open statement as payable
    from `at` (default: when the order completed). Writes the sale line first if it is missing.
    Returns how many lines moved: 0 when they already had (a repeated signal)."""
    at = at or order.completed_at or timezone.now()
    with transaction.atomic():
        sale_line_record(order=order)
        pending = StatementLine.objects.select_for_update().filter(order=order, payout_state=PayoutState.PENDING)
        lines = list(pending.order_by("pk"))
        if lines:
            _release(order.shop, lines, at)
    return len(lines)


def refund_line_record(
    *, return_request: ReturnRequest, amount: Decimal, at: datetime | None = None
) -> StatementLine | None:
    """The refund line of a refunded return, written once: the amount given back to the buyer, and
    the commission, service fee and withheld taxes given back on it under the sale's fee rule.
    It waits with the sale line until the order completes, or joins the open statement at once if
    the sale line already did. Nothing is written for a zero amount (an exchange)."""
    amount = to_decimal(amount)
    if amount <= 0:
        return None
    at = at or timezone.now()
    order = return_request.order
    with transaction.atomic():
        sale = StatementLine.objects.select_for_update().get(pk=sale_line_record(order=order).pk)
        rates = selectors.rates_of(rule=sale.fee_rule, payment_method=order.payment_method)
        amounts = refund_amounts(
            amount=amount,
            currency=order.currency,
            rates=rates,
            sale=selectors.line_amounts(sale),
            earlier=selectors.refunds_so_far(order=order),
        )
        line = _insert_once(
            {"kind": LineKind.REFUND, "return_request": return_request},
            order=order,
            fee_rule=sale.fee_rule,
            booked_on=local_day(at, order.shop.tzinfo),
            **_order_fields(order),
            **amounts.as_dict(),
        )
        if line.payout_state == PayoutState.PENDING and sale.payout_state != PayoutState.PENDING:
            _release(order.shop, [line], at)
    return line


def adjustment_validate(
    *, shop: Shop, amount, reason: str, order: Order | None = None, corrects: Statement | None = None
) -> None:
    """Raise InvalidInput naming the fields if `adjustment_create` would refuse these values."""
    errors = {}
    try:
        value = to_decimal(amount)
    except (TypeError, ValueError):
        value = None
    in_range = value is not None and value.is_finite() and 0 < abs(value) < MAX_AMOUNT
    if not in_range or money_round(value, shop.currency) != value:
        errors["amount"] = [_("Give a non-zero amount, rounded to the smallest unit of the shop's currency.")]
    if not reason.strip():
        errors["reason"] = [_("Say why the statement is adjusted.")]
    if order is not None and order.shop_id != shop.pk:
        errors["order"] = [_("This order belongs to another shop.")]
    if corrects is not None and corrects.shop_id != shop.pk:
        errors["corrects"] = [_("This statement belongs to another shop.")]
    elif corrects is not None and corrects.is_open:
        errors["corrects"] = [_("This statement is still open; choose a closed one, or leave it empty.")]
    if errors:
        raise InvalidInput(fields=errors)


def adjustment_create(
    *,
    shop: Shop,
    amount,
    reason: str,
    user=None,
    order: Order | None = None,
    corrects: Statement | None = None,
    at: datetime | None = None,
) -> StatementLine:
    """An adjustment entered by staff: a positive (owed to the shop) or negative amount with its
    reason, payable at once in the open statement. A correction of a closed statement names it in
    `corrects` and still lands in the open one: closed statements never change.

    Refuses (InvalidInput) a zero amount, an amount finer than the currency's unit, an empty reason,
    or an order or statement of another shop."""
    adjustment_validate(shop=shop, amount=amount, reason=reason, order=order, corrects=corrects)
    at = at or timezone.now()
    day = local_day(at, shop.tzinfo)
    with transaction.atomic():
        statement = statement_open_for(shop=shop, at=at)
        line = StatementLine.objects.create(
            shop=shop,
            kind=LineKind.ADJUSTMENT,
            statement=statement,
            payout_state=PayoutState.TO_BE_PAID,
            order=order,
            order_number=order.number if order else "",
            corrects=corrects,
            currency=shop.currency,
            booked_on=day,
            released_on=day,
            reason=reason.strip()[:255],
            created_by=user,
            **adjustment_amounts(amount=to_decimal(amount)).as_dict(),
        )
        statement_add_lines(statement=statement, lines=[line], at=at)
    return line


def _moments(shop: Shop, now: datetime) -> list[tuple[datetime, int, object]]:
    """What the order signals would have told finance, as (moment, step, subject) in time order:
    deliveries (step 0), refunds (1) and completions (2) of the shop's orders."""
    delivered = Order.objects.filter(shop=shop, delivered_at__isnull=False, status__in=DELIVERED_STATUSES)
    # An exchange for a cheaper variant refunds the difference too.
    refunded = ReturnRequest.objects.filter(
        shop=shop, status__in=[ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED], refund_amount__gt=0
    )
    moments = [(order.delivered_at, 0, order) for order in delivered.select_related("shop")]
    moments += [
        (request.closed_at or request.decided_at or request.requested_at, 1, request)
        for request in refunded.select_related("order__shop")
    ]
    moments += [
        (min(order.completed_at, now), 2, order)
        for order in delivered.filter(status=OrderStatus.COMPLETED).select_related("shop")
    ]
    return sorted(moments, key=lambda moment: (moment[0], moment[1]))


def lines_backfill(*, shop: Shop, now: datetime | None = None) -> int:
    """Write the lines the order signals would have written, for orders that reached finance without
    them (orders loaded in bulk, or from before finance was installed): sale lines of delivered
    orders, refund lines of refunded returns, and completed orders' lines released as of their
    completion, in time order so each lands in the statement of its period. Lines that exist are
    kept. Returns how many lines it wrote or released."""
    now = now or timezone.now()
    before = StatementLine.objects.filter(shop=shop).count()
    released = 0
    for moment, step, subject in _moments(shop, now):
        if step == 0:
            sale_line_record(order=subject)
        elif step == 1:
            refund_line_record(return_request=subject, amount=subject.refund_amount, at=moment)
        else:
            released += order_lines_release(order=subject, at=moment)
    return StatementLine.objects.filter(shop=shop).count() - before + released


def carrier_remittance_lines_record(*, remittance) -> list[StatementLine]:
    """Book what a carrier's COD remittance changes for the shop, one adjustment line per parcel of
    an order, payable at once in the open statement:
    - shipping cost: the sale line assumed the carrier bills the shipping fee the buyer paid; the
      difference to the fee the carrier actually charged is booked here;
    - adjustment: COD collected short (negative) or over (positive) the amount booked.
    Matched parcels whose fee equals the buyer's shipping fee need no line. Called once per
    remittance (orders refuses importing the same statement twice), inside the import's transaction."""
    from orders.models import RemittanceCheck

    lines, at, shop = [], remittance.imported_at, remittance.shop
    booked = remittance.lines.select_related("order__shop").exclude(
        outcome__in=[RemittanceCheck.UNKNOWN, RemittanceCheck.MISSING]
    )
    statement = statement_open_for(shop=shop, at=at)
    for parcel in booked.order_by("pk"):
        order = parcel.order
        shipping_cost = order.shipping_fee - parcel.fee
        adjustment = parcel.cod_collected - parcel.cod_expected
        if not shipping_cost and not adjustment:
            continue
        reason = _("%(carrier)s statement %(reference)s: %(tracking)s collected %(cod)s, fee %(fee)s") % {
            "carrier": remittance.account.name,
            "reference": remittance.reference,
            "tracking": parcel.tracking_number,
            "cod": money_format(parcel.cod_collected, order.currency),
            "fee": money_format(parcel.fee, order.currency),
        }
        lines.append(
            StatementLine.objects.create(
                kind=LineKind.ADJUSTMENT,
                statement=statement,
                payout_state=PayoutState.TO_BE_PAID,
                order=order,
                booked_on=local_day(at, shop.tzinfo),
                reason=reason[:255],
                shipping_cost=shipping_cost,
                adjustment=adjustment,
                net=shipping_cost + adjustment,
                **_order_fields(order),
            )
        )
    if lines:
        statement_add_lines(statement=statement, lines=lines, at=at)
    return lines
