"""Returns and exchanges of delivered orders: requested -> approved | rejected -> received ->
refunded (a refund) or exchanged (a replacement order).

Each step locks the order, then the request, so that two returns of one order are computed one after
the other; each writes an event on the order's timeline.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.services import points_clawback_for_refund, points_restore_for_refund, tier_reverse_qualifying_spend
from orders.models import (
    Order,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    RefundSource,
    ReturnKind,
    ReturnLine,
    ReturnOutcome,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    StockMovementKind,
)
from orders.pipeline import Actor, return_transition_check
from orders.pricing import PricedLine
from orders.services.checkout import Amounts, address_of, order_insert
from orders.services.payments import payment_cash_record
from orders.services.refunds import refund_due_fix_amount, refund_due_mark_done, refund_due_open
from orders.services.stock import StockChange, stock_apply
from orders.services.transitions import order_confirm, order_event_write, order_lock, order_purchase_reverse
from orders.signals import return_refunded
from promotions.services import order_revenue_record
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.money import ZERO, allocate, money_round

R = ReturnStatus
COUNTED = (R.REQUESTED, R.APPROVED, R.RECEIVED, R.REFUNDED, R.EXCHANGED)


@dataclass(frozen=True)
class ReturnItem:
    sku: str
    quantity: int


def returned_quantities(*, order: Order, statuses=COUNTED, kind: str | None = None, exclude=None) -> dict[int, int]:
    """{order line id: units in the order's return requests with these statuses (and kind)}."""
    lines = ReturnLine.objects.filter(return_request__order=order, return_request__status__in=statuses)
    if kind:
        lines = lines.filter(return_request__kind=kind)
    if exclude is not None:
        lines = lines.exclude(return_request=exclude)
    rows = lines.values("order_line").annotate(units=Sum("quantity")).values_list("order_line", "units")
    return dict(rows)


def _check_request(order: Order, items: list[ReturnItem], reason: str, kind: str) -> list[tuple[OrderLine, int]]:
    errors = {}
    if reason not in ReturnReason.values:
        errors["reason"] = [_("Choose a reason.")]
    if kind not in ReturnKind.values:
        errors["kind"] = [_("Choose refund or exchange.")]
    if not items:
        errors["lines"] = [_("Return at least one item.")]
    by_sku = {line.sku: line for line in order.lines.filter(is_gift=False)}
    taken = returned_quantities(order=order)
    chosen, seen = [], set()
    for index, item in enumerate(items):
        line = by_sku.get(item.sku)
        if line is None or item.sku in seen:
            errors[f"lines.{index}.sku"] = [_("This order has no (other) line with SKU %(sku)s.") % {"sku": item.sku}]
            continue
        seen.add(item.sku)
        left = line.quantity - taken.get(line.pk, 0)
        if not 1 <= item.quantity <= left:
            errors[f"lines.{index}.quantity"] = [_("Give 1 to %(left)d units.") % {"left": left}]
        chosen.append((line, item.quantity))
    if errors:
        raise InvalidInput(fields=errors)
    return chosen


def return_request_open(
    *, order: Order, items: list[ReturnItem], reason: str, actor: Actor, kind: str = ReturnKind.REFUND, evidence_note=""
) -> ReturnRequest:
    """Open a return of some units of a delivered order, within its return window. Refuses an order
    that is not delivered or whose window closed (NotAllowed), an unknown reason or kind, a SKU the
    order does not have, more units than were bought and not yet returned (InvalidInput naming the field)."""
    with transaction.atomic():
        order = order_lock(order=order)
        if order.status != OrderStatus.DELIVERED:
            raise NotAllowed(_("Only a delivered order can be returned."), code="not_delivered")
        if order.return_window_ends_at is None or timezone.now() > order.return_window_ends_at:
            raise NotAllowed(_("The return window of this order has closed."), code="return_window_closed")
        chosen = _check_request(order, items, reason, kind)
        request = ReturnRequest.objects.create(
            shop_id=order.shop_id, order=order, kind=kind, reason=reason, evidence_note=evidence_note.strip()
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(shop_id=order.shop_id, return_request=request, order_line=line, quantity=quantity)
            for line, quantity in chosen
        )
        _event(order, request, actor, previous="", note=request.get_reason_display())
    return request


def _event(order: Order, request: ReturnRequest, actor: Actor, *, previous: str, note: str = "") -> None:
    order_event_write(
        order=order,
        type=OrderEventType.RETURN_UPDATED,
        actor=actor,
        note=note,
        data={"return_id": request.pk, "kind": request.kind, "from": previous, "to": request.status},
    )


def _begin(request: ReturnRequest, to: str) -> tuple[Order, ReturnRequest]:
    order = order_lock(order=request.order)
    locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
    return_transition_check(current=locked.status, target=to, kind=locked.kind)
    return order, locked


def _finish(order: Order, request: ReturnRequest, to: str, actor: Actor, note: str = "", **fields) -> ReturnRequest:
    previous = request.status
    request.status = to
    for name, value in fields.items():
        setattr(request, name, value)
    request.save(update_fields=["status", *fields])
    _event(order, request, actor, previous=previous, note=note)
    return request


def return_approve(*, return_request: ReturnRequest, actor: Actor, note: str = "") -> ReturnRequest:
    """requested -> approved: the customer may send the items back. A refund return becomes a refund
    due of what its units would refund now (fixed, with its deadline, when the items are back)."""
    with transaction.atomic():
        order, request = _begin(return_request, R.APPROVED)
        request = _finish(order, request, R.APPROVED, actor, note, decided_at=timezone.now())
        if request.kind == ReturnKind.REFUND:
            expected = sum(_line_refunds(order, request).values(), ZERO)
            refund_due_open(
                order=order, source=RefundSource.RETURN, amount=expected, at=request.decided_at, return_request=request
            )
    return request


def return_reject(*, return_request: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    """requested -> rejected, with the reason the customer will read. Refuses an empty reason."""
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Say why the return is rejected.")]})
    with transaction.atomic():
        order, request = _begin(return_request, R.REJECTED)
        return _finish(
            order,
            request,
            R.REJECTED,
            actor,
            reason,
            decided_at=timezone.now(),
            closed_at=timezone.now(),
            rejection_reason=reason.strip()[:255],
        )


def refund_share(*, line: OrderLine, quantity: int, already: int, currency: str) -> Decimal:
    """What `quantity` more units of `line` refund, when `already` units were refunded before: the
    line's paid total (after its promotion and points discounts) pro rata, computed on the running
    count so that refunding every unit, in any number of returns, gives back the paid total exactly."""

    def paid_for(units: int) -> Decimal:
        return money_round(line.total * units / line.quantity, currency)

    return paid_for(already + quantity) - paid_for(already)


def _line_refunds(order: Order, request: ReturnRequest) -> dict[int, Decimal]:
    """{return line id: what its units refund}, after the units of the order's other refund returns
    already received (see refund_share)."""
    refunded_before = returned_quantities(
        order=order, statuses=(R.RECEIVED, R.REFUNDED), kind=ReturnKind.REFUND, exclude=request
    )
    return {
        line.pk: refund_share(
            line=line.order_line,
            quantity=line.quantity,
            already=refunded_before.get(line.order_line_id, 0),
            currency=order.currency,
        )
        for line in request.lines.select_related("order_line")
    }


def _check_outcomes(request: ReturnRequest, outcomes: dict[str, str]) -> dict[int, str]:
    lines = list(request.lines.select_related("order_line"))
    skus = {line.order_line.sku for line in lines}
    errors = {
        f"outcomes.{sku}": [_("Choose restock or write off.")]
        for sku, outcome in outcomes.items()
        if sku not in skus or outcome not in ReturnOutcome.values
    }
    if errors:
        raise InvalidInput(fields=errors)
    return {line.pk: outcomes.get(line.order_line.sku, ReturnOutcome.RESTOCK) for line in lines}


def return_receive(
    *, return_request: ReturnRequest, actor: Actor, outcomes: dict[str, str] | None = None
) -> ReturnRequest:
    """approved -> received: the items are back and checked. `outcomes` maps a SKU to "restock" (back
    into the stock on hand, the default) or "write_off" (kept out of stock; the movement is still
    written). For a refund, each line's refund is computed here (see refund_share)."""
    with transaction.atomic():
        order, request = _begin(return_request, R.RECEIVED)
        chosen = _check_outcomes(request, outcomes or {})
        refunds = _line_refunds(order, request) if request.kind == ReturnKind.REFUND else {}
        changes, total = [], ZERO
        for line in request.lines.select_related("order_line__product"):
            line.outcome = chosen[line.pk]
            if request.kind == ReturnKind.REFUND:
                line.refund_amount = refunds[line.pk]
                total += line.refund_amount
            line.save(update_fields=["outcome", "refund_amount"])
            restock = line.outcome == ReturnOutcome.RESTOCK
            changes.append(
                StockChange(
                    product=line.order_line.product,
                    kind=StockMovementKind.RETURNED,
                    on_hand=line.quantity if restock else 0,
                )
            )
        stock_apply(
            changes=changes,
            actor=actor,
            reason=_("Return #%(id)s of %(number)s") % {"id": request.pk, "number": order.number},
            order=order,
        )
        request = _finish(order, request, R.RECEIVED, actor, received_at=timezone.now(), refund_amount=total)
        if request.kind == ReturnKind.REFUND:
            refund_due_fix_amount(return_request=request, amount=total, at=request.received_at)
    return request


def return_refund(*, return_request: ReturnRequest, actor: Actor, note: str = "", reference: str = "") -> ReturnRequest:
    """received -> refunded: the refund computed at receipt is paid back (`reference`: the bank or
    gateway reference of the transfer). The order's refunded amount grows (never beyond its total),
    loyalty points earned on the refunded part are clawed back and points redeemed on it given back,
    pro rata; the spend leaves the customer's purchase facts, the return's refund due is done, and
    `return_refunded` is sent."""
    with transaction.atomic():
        order, request = _begin(return_request, R.REFUNDED)
        amount = request.refund_amount
        if amount > 0:
            _refund_order(order, amount, request, actor)
        request = _finish(order, request, R.REFUNDED, actor, note, closed_at=timezone.now())
        refund_due_mark_done(return_request=request, actor=actor, reference=reference or note)
        return_refunded.send(sender=ReturnRequest, return_request=request, amount=amount)
    return request


def _refund_order(order: Order, amount: Decimal, request: ReturnRequest, actor: Actor) -> None:
    # The customer's row first, then the loyalty account: the order the checkout locks them in.
    order_purchase_reverse(order=order, amount=amount)
    updated = Order.objects.filter(pk=order.pk, refunded_amount__lte=F("total") - amount).update(
        refunded_amount=F("refunded_amount") + amount
    )
    if not updated:
        raise Conflict(_("The refunds would exceed the order's total."), code="refund_exceeds_total")
    order.refresh_from_db(fields=["refunded_amount"])
    if order.merchandise_paid > 0:
        points_clawback_for_refund(
            customer=order.customer,
            order_ref=order.number,
            refund_amount=min(amount, order.merchandise_paid),
            order_amount=order.merchandise_paid,
            actor=actor,
        )
        # Spend counts towards the tier at completion, net of refunds; this takes back spend that an
        # order delivered before that rule counted at delivery (nothing when none was counted).
        tier_reverse_qualifying_spend(customer=order.customer, order_ref=order.number, amount=amount, at=timezone.now())
        if order.points_redeemed:
            points_restore_for_refund(
                customer=order.customer,
                order_ref=order.number,
                refund_ref=f"return:{request.pk}",
                refunded=min(order.refunded_amount, order.merchandise_paid),
                order_amount=order.merchandise_paid,
                actor=actor,
            )
    order_revenue_record(shop=order.shop, order_ref=order.number, revenue=order.total - order.refunded_amount)


@dataclass(frozen=True)
class _Swap:
    """One returned line of an exchange: its units, what they were paid (the credit, 0 for the same
    variant) and the product sent instead."""

    return_line: ReturnLine
    product: Product
    credit: Decimal

    @property
    def changes_variant(self) -> bool:
        return self.product.pk != self.return_line.order_line.product_id


def _swaps(order: Order, request: ReturnRequest, variants: dict[str, str]) -> list[_Swap]:
    """What each returned line is exchanged for: the variant `variants` names by the returned SKU
    (another size or colour of the shop, for sale), else the same product. Refuses an unknown or
    not-for-sale SKU (InvalidInput naming `variants.<returned SKU>`)."""
    lines = list(request.lines.select_related("order_line__product").order_by("pk"))
    wanted = {sku.strip() for sku in variants.values() if sku and sku.strip()}
    products = {p.sku: p for p in Product.objects.filter(shop_id=order.shop_id, sku__in=wanted, is_active=True)}
    credited = returned_quantities(order=order, statuses=(R.RECEIVED, R.REFUNDED, R.EXCHANGED), exclude=request)
    swaps, errors = [], {}
    for line in lines:
        sku = (variants.get(line.order_line.sku) or "").strip() or line.order_line.sku
        product = line.order_line.product if sku == line.order_line.sku else products.get(sku)
        if product is None:
            errors[f"variants.{line.order_line.sku}"] = [_("No product for sale has the SKU %(sku)s.") % {"sku": sku}]
            continue
        credit = (
            refund_share(
                line=line.order_line,
                quantity=line.quantity,
                already=credited.get(line.order_line_id, 0),
                currency=order.currency,
            )
            if product.pk != line.order_line.product_id
            else ZERO
        )
        swaps.append(_Swap(line, product, credit))
    if errors:
        raise InvalidInput(fields=errors)
    return swaps


def _replacement_lines(swaps: list[_Swap], currency: str) -> tuple[list[PricedLine], Amounts, Decimal]:
    """The replacement's lines and amounts, and what is left to refund. The same variant is sent at
    no charge; another one at its price, less the credit of what came back (spread over the new
    lines): the customer pays the difference, or is refunded the part of the credit left over."""
    changed = [swap for swap in swaps if swap.changes_variant]
    gross = [swap.product.price * swap.return_line.quantity for swap in changed]
    credit = sum((swap.credit for swap in changed), ZERO)
    applied = min(credit, sum(gross, ZERO))
    shares = dict(zip((swap.return_line.pk for swap in changed), allocate(applied, gross, currency), strict=True))
    lines = [
        PricedLine(swap.product, swap.product.price, swap.return_line.quantity, shares[swap.return_line.pk], ZERO)
        if swap.changes_variant
        else PricedLine(swap.product, ZERO, swap.return_line.quantity, ZERO, ZERO)
        for swap in swaps
    ]
    return lines, Amounts(subtotal=sum(gross, ZERO), discount_total=applied), credit - applied


def _settle_replacement(replacement: Order, actor: Actor, note: str) -> Order:
    """Nothing to pay, or cash on delivery: confirmed at once; cash at the counter: paid and
    confirmed; another prepaid method: it waits for the payment of the difference (confirmed like
    any prepaid order, by the gateway or by staff), without a payment deadline."""
    if replacement.total == 0 or replacement.payment_method == PaymentMethod.COD:
        return order_confirm(order=replacement, actor=actor, note=note)
    if replacement.payment_method == PaymentMethod.CASH:
        payment_cash_record(order=replacement, actor=actor)
        replacement.refresh_from_db()
    return replacement


def _refund_leftover(order: Order, request: ReturnRequest, amount: Decimal, actor: Actor) -> None:
    """The variant sent costs less than what came back was paid: the difference is owed back now,
    as a refund of the order (its refunded amount, points, purchase facts and statement follow)."""
    _refund_order(order, amount, request, actor)
    now = timezone.now()
    refund_due_open(order=order, source=RefundSource.RETURN, amount=amount, at=now, return_request=request)
    refund_due_fix_amount(return_request=request, amount=amount, at=now)
    return_refunded.send(sender=ReturnRequest, return_request=request, amount=amount)


def return_exchange(
    *,
    return_request: ReturnRequest,
    actor: Actor,
    note: str = "",
    variants: dict[str, str] | None = None,
    payment_method: str = "",
) -> ReturnRequest:
    """received -> exchanged: a replacement order is placed for the original customer and address,
    linked to the original order, with the units that came back: the same variant at no charge, or
    the variant `variants` names by the returned SKU (a size or colour swap). For another variant the
    price difference is settled: the replacement costs the new price less what the returned units
    were paid (paid by `payment_method`, default the original's; see _settle_replacement), or, if
    the new variant costs less, the rest is refunded on the original order (a refund due, and the
    statement's refund line). The returned units went back to stock at receipt; the replacement's
    are reserved here.

    Refuses an unknown SKU or payment method (InvalidInput naming `variants.<SKU>` or
    `payment_method`), and (Conflict naming the SKU) stock that cannot cover the replacement."""
    payment_method = payment_method or return_request.order.payment_method
    if payment_method not in PaymentMethod.values or payment_method == PaymentMethod.MARKETPLACE:
        raise InvalidInput(fields={"payment_method": [_("Unknown payment method.")]})
    with transaction.atomic():
        order, request = _begin(return_request, R.EXCHANGED)
        lines, amounts, leftover = _replacement_lines(_swaps(order, request, variants or {}), order.currency)
        label = _("Exchange for %(number)s") % {"number": order.number}
        replacement = order_insert(
            shop=order.shop,
            customer=order.customer,
            channel=order.channel,
            payment_method=payment_method if amounts.total > 0 else order.payment_method,
            amounts=amounts,
            lines=lines,
            address=address_of(order),
            actor=actor,
            replacement_for=order,
            note=label,
        )
        replacement = _settle_replacement(replacement, actor, label)
        request = _finish(
            order,
            request,
            R.EXCHANGED,
            actor,
            note,
            closed_at=timezone.now(),
            replacement_order=replacement,
            refund_amount=leftover,
        )
        if leftover > 0:
            _refund_leftover(order, request, leftover, actor)
    return request
