"""One service per pipeline transition, and the beat jobs that expire unpaid orders and complete
delivered ones.

Each transition locks the order row, asks the pipeline table (orders.pipeline) whether this actor may
make this move from the order's current status (NotAllowed otherwise, nothing changed), makes its
changes, writes one OrderEvent, sends `order_status_changed` inside the transaction, and records
its side effects (e-mails) in the kernel's outbox, in the same transaction. Each returns the order as it now is.
"""

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.services import customer_record_purchase, customer_reverse_purchase
from loyalty.services import (
    points_award_for_order,
    points_release_for_order,
    points_reverse_redemption,
    tier_record_qualifying_spend,
)
from orders.deadlines import deliver_by_deadline, return_window_end, ship_by_deadline
from orders.models import (
    OPEN_RETURN_STATUSES,
    ActorKind,
    CancelledBy,
    Order,
    OrderEventType,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentOutcome,
    RefundSource,
    StockMovementKind,
)
from orders.pipeline import SYSTEM, TRANSITIONS, Actor, transition_check
from orders.services.events import order_event_write
from orders.services.messages import order_email_enqueue
from orders.services.refunds import refund_due_open
from orders.services.stock import StockChange, order_stock_changes, stock_apply
from orders.signals import order_status_changed
from promotions.services import order_revenue_record, redemptions_release_for_order
from sellercenter.errors import InvalidInput, NotAllowed, NotFound
from sellercenter.money import ZERO

logger = logging.getLogger(__name__)
S = OrderStatus
CANCELLED_BY = {ActorKind.CUSTOMER: CancelledBy.CUSTOMER, ActorKind.SYSTEM: CancelledBy.SYSTEM}


def order_lock(*, order: Order) -> Order:
    """The order re-read under a row lock, with its shop and customer. Only the order's row is locked
    (`of=self`): locking the joined shop row would make every transition of a shop wait in line. The
    lock is FOR NO KEY UPDATE, which any change of the order's columns but its id needs: it still
    queues every other change of the order, but not the rows that name it (an event, a payment, a
    statement line, whose insert holds FOR KEY SHARE on the order until it commits), which FOR UPDATE
    would wait for."""
    try:
        locked = Order.objects.select_for_update(of=("self",), no_key=True)
        return locked.select_related("shop", "customer__shop").get(pk=order.pk)
    except Order.DoesNotExist:
        raise NotFound(_("This order does not exist.")) from None


def _begin(order: Order, transition: str, actor: Actor, *, held: bool = False) -> Order:
    """The order locked and checked for `transition`; `held`: the caller's transaction holds the row
    already (it wrote it), so it is not read again."""
    locked = order if held else order_lock(order=order)
    transition_check(transition=transition, current=locked.status, actor=actor)
    return locked


def _finish(
    order: Order,
    transition: str,
    *,
    actor: Actor,
    note: str = "",
    event_type: str = OrderEventType.STATUS_CHANGED,
    data: dict | None = None,
    **fields,
) -> Order:
    previous, to = order.status, TRANSITIONS[transition].target
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", "updated_at", *fields])
    event = order_event_write(
        order=order,
        type=event_type,
        actor=actor,
        note=note,
        data={"transition": transition, **(data or {})},
        from_status=previous,
        to_status=to,
    )
    order_status_changed.send(sender=Order, order=order, previous=previous, status=to, event=event)
    return order


def _moment(at: datetime | None, field: str) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at) or at > now:
        raise InvalidInput(fields={field: [_("Give a past moment with its time zone.")]})
    return at


def order_purchase_reverse(*, order: Order, amount: Decimal) -> None:
    """Take `amount` of the order's purchase back from the customer's purchase facts. An order whose
    purchase was never counted (imported from another system, or demo data) has nothing to take back."""
    try:
        customer_reverse_purchase(
            customer=order.customer,
            amount=amount,
            discounted=order.seller_funded_discount > 0,
            reference=order.number,
        )
    except NotAllowed as refusal:
        if refusal.code != "nothing_to_reverse":
            raise


def _undo_checkout(order: Order, *, stock: list[StockChange], actor: Actor, reason: str) -> None:
    """Give back what the checkout took: the purchase on the customer's facts, the stock, the
    promotion budget, the points. Called once per order, by the transition that ends it without a
    delivery. Rows are locked in the checkout's order (customer, products, campaigns, loyalty
    account), so an undo and a checkout of the same customer cannot deadlock."""
    if order.confirmed_at and order.total > 0:
        order_purchase_reverse(order=order, amount=order.total)
    stock_apply(changes=stock, actor=actor, reason=reason, order=order)
    if order.promotions:
        redemptions_release_for_order(shop=order.shop, order_ref=order.number)
    # An order undone brings nothing to the campaign or journey results that counted it.
    order_revenue_record(shop=order.shop, order_ref=order.number, revenue=ZERO)
    if order.points_redeemed:
        points_reverse_redemption(customer=order.customer, order_ref=order.number, actor=actor)


def order_confirm(
    *, order: Order, actor: Actor, note: str = "", paid_at: datetime | None = None, held: bool = False
) -> Order:
    """pending_payment -> confirmed: COD at checkout (system), a prepaid order once paid (gateway, or
    staff for a bank transfer seen on the statement). Sets the ship-by deadline from the shop's
    handling days, counts the purchase on the customer and e-mails the confirmation. `held`: the
    caller's transaction wrote the order (the checkout), so its row is held and not read again, and a
    refusal is that caller's to roll back (no savepoint of its own)."""
    with transaction.atomic(savepoint=not held):
        order = _begin(order, "confirm", actor, held=held)
        now = timezone.now()
        order = _finish(
            order,
            "confirm",
            actor=actor,
            note=note,
            confirmed_at=now,
            paid_at=paid_at if order.is_prepaid else None,
            ship_by_at=ship_by_deadline(shop=order.shop, confirmed_at=now),
            deliver_by_at=deliver_by_deadline(shop=order.shop, confirmed_at=now),
        )
        if order.total > 0:
            customer_record_purchase(
                customer=order.customer,
                amount=order.total,
                ordered_at=order.placed_at,
                discounted=order.seller_funded_discount > 0,
                reference=order.number,
                locked=held,  # the checkout's buyer, read locked by its upsert
            )
        order_email_enqueue(order=order, kind="confirmation")
    return order


def order_confirm_payment(*, order: Order, actor: Actor, note: str = "") -> Order:
    """Staff confirm a prepaid order whose payment they saw arrive (e.g. a bank transfer)."""
    return order_confirm(order=order, actor=actor, note=note or _("Payment confirmed by staff"), paid_at=timezone.now())


def _simple(order: Order, transition: str, *, actor: Actor, note: str = "") -> Order:
    with transaction.atomic():
        return _finish(_begin(order, transition, actor), transition, actor=actor, note=note)


def order_allocate(*, order: Order, actor: Actor, note: str = "") -> Order:
    """confirmed -> allocated: the stock reserved at checkout is assigned to this order's shipment."""
    return _simple(order, "allocate", actor=actor, note=note)


def order_start_picking(*, order: Order, actor: Actor, note: str = "") -> Order:
    """allocated -> picking: the allocated units go on a pick list for the warehouse."""
    return _simple(order, "start_picking", actor=actor, note=note)


def order_send_to_quality_check(*, order: Order, actor: Actor, note: str = "") -> Order:
    """picking -> quality_check: everything is picked."""
    return _simple(order, "send_to_quality_check", actor=actor, note=note)


def order_pack(*, order: Order, actor: Actor, note: str = "") -> Order:
    """quality_check -> packed: every unit passed the check and the parcel is packed."""
    return _simple(order, "pack", actor=actor, note=note)


def order_fail_quality_check(*, order: Order, actor: Actor, sku: str, quantity: int, reason: str) -> Order:
    """quality_check -> picking: `quantity` units of `sku` failed the check. The defect is recorded
    (it counts in the defect rate), the faulty units are written off the stock on hand, and the line
    goes back to picking for sound units. Refuses an unknown SKU, a quantity outside the line's, no
    reason (InvalidInput), or no spare unit in stock to replace them (Conflict naming the SKU)."""
    with transaction.atomic():
        order = _begin(order, "fail_quality_check", actor)
        line = order.lines.select_related("product").filter(sku=sku).first()
        errors = {}
        if line is None:
            errors["sku"] = [_("This order has no line with SKU %(sku)s.") % {"sku": sku}]
        elif not 1 <= quantity <= line.quantity:
            errors["quantity"] = [_("Give 1 to %(max)d units.") % {"max": line.quantity}]
        if not reason.strip():
            errors["reason"] = [_("Say what is wrong.")]
        if errors:
            raise InvalidInput(fields=errors)
        stock_apply(
            changes=[StockChange(product=line.product, kind=StockMovementKind.ADJUSTED, on_hand=-quantity)],
            actor=actor,
            reason=_("Failed quality check: %(reason)s") % {"reason": reason},
            order=order,
        )
        return _finish(
            order,
            "fail_quality_check",
            actor=actor,
            note=reason,
            event_type=OrderEventType.QUALITY_CHECK_FAILED,
            data={"sku": sku, "quantity": quantity},
        )


def order_mark_ready_to_ship(*, order: Order, actor: Actor, carrier: str, tracking_number: str) -> Order:
    """packed -> ready_to_ship: the parcel is labelled for `carrier` under `tracking_number` and waits
    for pick-up. Refuses an empty carrier or tracking number."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    errors = {}
    if not carrier:
        errors["carrier"] = [_("This field is required.")]
    if not tracking_number:
        errors["tracking_number"] = [_("This field is required.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        order = _begin(order, "mark_ready_to_ship", actor)
        return _finish(
            order,
            "mark_ready_to_ship",
            actor=actor,
            data={"carrier": carrier, "tracking_number": tracking_number},
            carrier=carrier,
            tracking_number=tracking_number,
        )


def order_ship(*, order: Order, actor: Actor, at: datetime | None = None) -> Order:
    """ready_to_ship -> shipped: the carrier took the parcel (at `at`, default now). The units leave
    the stock (on hand and reserved both go down) and the customer gets the tracking e-mail."""
    at = _moment(at, "at")
    with transaction.atomic():
        order = _begin(order, "ship", actor)
        stock_apply(
            changes=order_stock_changes(order=order, kind=StockMovementKind.SHIPPED, on_hand=-1, reserved=-1),
            actor=actor,
            reason=_("Handed to %(carrier)s") % {"carrier": order.carrier},
            order=order,
        )
        order = _finish(order, "ship", actor=actor, shipped_at=at)
        order_email_enqueue(order=order, kind="shipped")
    return order


def order_deliver(*, order: Order, actor: Actor, at: datetime | None = None) -> Order:
    """shipped -> delivered (at `at`, default now). Cash on delivery is recorded as paid; loyalty
    points are awarded (pending until completion); the return window opens and the customer is told.
    The spend counts towards the tier only when the order completes (see order_complete)."""
    at = _moment(at, "at")
    with transaction.atomic():
        order = _begin(order, "deliver", actor)
        fields = {"delivered_at": at, "return_window_ends_at": return_window_end(shop=order.shop, delivered_at=at)}
        if order.payment_method == PaymentMethod.COD:
            fields["paid_at"] = at
            Payment.objects.create(
                shop_id=order.shop_id,
                order=order,
                method=PaymentMethod.COD,
                transaction_id=order.number,
                amount=order.total,
                outcome=PaymentOutcome.COLLECTED,
                received_at=at,
            )
        order = _finish(order, "deliver", actor=actor, **fields)
        order_email_enqueue(order=order, kind="delivered")
        amount = order.merchandise_paid
        if amount > 0:
            points_award_for_order(customer=order.customer, order_ref=order.number, amount=amount, at=at, actor=actor)
    return order


def order_fail_delivery(*, order: Order, actor: Actor, reason: str) -> Order:
    """shipped -> delivery_failed: the carrier could not deliver (nobody home, refused, wrong address)."""
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Say why the delivery failed.")]})
    with transaction.atomic():
        return _finish(_begin(order, "fail_delivery", actor), "fail_delivery", actor=actor, note=reason)


def order_retry_delivery(*, order: Order, actor: Actor, note: str = "") -> Order:
    """delivery_failed -> shipped: the carrier tries again. The stock already left; nothing moves."""
    return _simple(order, "retry_delivery", actor=actor, note=note)


def order_return_to_sender(*, order: Order, actor: Actor, note: str = "") -> Order:
    """delivery_failed -> returned_to_sender: the parcel came back. Its units return to the stock on
    hand, and what the checkout spent (promotion budget, points, purchase facts) is given back."""
    with transaction.atomic():
        order = _begin(order, "return_to_sender", actor)
        _undo_checkout(
            order,
            stock=order_stock_changes(order=order, kind=StockMovementKind.RETURNED, on_hand=1, reserved=0),
            actor=actor,
            reason=_("Returned by the carrier"),
        )
        return _finish(order, "return_to_sender", actor=actor, note=note)


def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """-> cancelled. Customers may cancel until the order is packed, staff until it is handed to the
    carrier, the system only unpaid orders (the pipeline table decides). Releases the reserved
    stock, the promotion budget and the points, and takes the purchase back from the customer's
    facts — exactly once: the status check under the row lock refuses a second cancellation. A paid
    order's total becomes a refund due (orders.services.refunds), unless the marketplace it was paid
    through refunds its buyer itself."""
    with transaction.atomic():
        order = _begin(order, "cancel", actor)
        _undo_checkout(
            order,
            stock=order_stock_changes(order=order, kind=StockMovementKind.RELEASED, on_hand=0, reserved=-1),
            actor=actor,
            reason=_("Order %(number)s cancelled") % {"number": order.number},
        )
        owes_refund = order.paid_at is not None and order.payment_method != PaymentMethod.MARKETPLACE
        order = _finish(
            order,
            "cancel",
            actor=actor,
            note=reason,
            data={"refund_due": str(order.total)} if owes_refund else None,
            cancelled_at=timezone.now(),
            cancelled_by=CANCELLED_BY.get(actor.kind, CancelledBy.SELLER),
            cancel_reason=reason.strip()[:255],
        )
        if owes_refund:
            refund_due_open(order=order, source=RefundSource.CANCELLED, amount=order.total, at=order.cancelled_at)
        if order.confirmed_at:
            # An unpaid order that was never confirmed was never announced to the customer either.
            order_email_enqueue(order=order, kind="cancelled")
    return order


def order_complete(*, order: Order, actor: Actor) -> Order:
    """delivered -> completed, once the return window has closed and no return is open: the order's
    pending points become spendable, and what the customer kept of it (paid for the goods, less
    refunds) counts towards their tier. Refuses (NotAllowed) an open window or an open return."""
    with transaction.atomic():
        order = _begin(order, "complete", actor)
        now = timezone.now()
        if order.return_window_ends_at and now <= order.return_window_ends_at:
            raise NotAllowed(_("The return window of this order is still open."), code="return_window_open")
        if order.returns.filter(status__in=OPEN_RETURN_STATUSES).exists():
            raise NotAllowed(_("This order has a return in progress."), code="return_open")
        order = _finish(order, "complete", actor=actor, completed_at=now)
        points_release_for_order(customer=order.customer, order_ref=order.number, at=now, actor=actor)
        # Only what was kept counts towards the tier: buying and returning never lifts one.
        kept = order.merchandise_paid - order.refunded_amount
        if kept > 0:
            tier_record_qualifying_spend(
                customer=order.customer, order_ref=order.number, amount=kept, at=now, actor=actor
            )
    return order


def _run_each(queryset, service, **kwargs) -> int:
    """Run a transition on each order, each in its own transaction: one refusal (e.g. the order was
    paid meanwhile) skips that order without stopping the others. Returns how many moved."""
    done = 0
    for order in queryset.only("pk").iterator():
        try:
            service(order=order, actor=Actor(kind=SYSTEM), **kwargs)
        except NotAllowed as refusal:
            logger.info("order %s skipped: %s", order.pk, refusal)
        else:
            done += 1
    return done


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Cancel prepaid orders still unpaid after their shop's payment timeout (the beat job). Safe to run
    twice and alongside payment notifications: each order is re-checked under its lock."""
    due = Order.objects.filter(status=S.PENDING_PAYMENT, payment_due_at__lte=now or timezone.now())
    return _run_each(due, order_cancel, reason=_("Not paid in time"))


def orders_complete_due(*, now: datetime | None = None) -> int:
    """Complete delivered orders whose return window has closed and that have no open return (the
    beat job). Safe to run twice."""
    due = Order.objects.filter(status=S.DELIVERED, return_window_ends_at__lt=now or timezone.now()).exclude(
        returns__status__in=OPEN_RETURN_STATUSES
    )
    return _run_each(due, order_complete)
