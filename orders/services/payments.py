"""Payment gateways (the shop's merchant account and signing secret) and their notifications.

Vietnamese gateways (VNPay, MoMo, ...) call the shop back with a notification signed by an HMAC of
the message under a secret both sides hold. The notification is checked against the shop's gateway
secret before anything is read from it, and its transaction id makes a replay change nothing.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import (
    Order,
    OrderEventType,
    OrderStatus,
    Payment,
    PaymentGateway,
    PaymentMethod,
    PaymentOutcome,
    PaymentProvider,
    RefundSource,
)
from orders.pipeline import GATEWAY, Actor
from orders.services.refunds import refund_due_open
from orders.services.transitions import order_confirm, order_event_write, order_lock
from sellercenter.errors import InvalidInput, NotAllowed, NotFound
from sellercenter.models import Shop
from sellercenter.money import money_round

SIGNATURE_HEADER = "X-Signature"


def payment_signature(*, secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body: what the gateway sends in the X-Signature header."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payment_gateway_for_signature(*, merchant_code: str, body: bytes, signature: str) -> PaymentGateway | None:
    """The active gateway account of `merchant_code` if `signature` signs `body` with its secret; None
    otherwise (unknown code or bad signature look the same to the caller). Constant-time compare."""
    gateway = PaymentGateway.objects.select_related("shop").filter(merchant_code=merchant_code, is_active=True).first()
    if gateway is None or not gateway.shop.is_active:
        return None
    expected = payment_signature(secret=gateway.secret, body=body)
    return gateway if hmac.compare_digest(expected, signature.strip().lower()) else None


def payment_gateway_save(
    *, shop: Shop, provider: str, merchant_code: str, secret: str = "", is_active: bool = True
) -> PaymentGateway:
    """Create or update the shop's account with `provider`, with the merchant code and signing secret
    the gateway issued. A blank secret keeps the stored one. Refuses an unknown provider, a blank
    merchant code or one used by another account, and a new account without a secret."""
    merchant_code, secret = merchant_code.strip(), secret.strip()
    gateway = PaymentGateway.objects.filter(shop=shop, provider=provider).first()
    errors = {}
    if provider not in PaymentProvider.values:
        errors["provider"] = [_("Unknown payment gateway.")]
    if not merchant_code:
        errors["merchant_code"] = [_("This field is required.")]
    elif PaymentGateway.objects.filter(merchant_code=merchant_code).exclude(shop=shop, provider=provider).exists():
        errors["merchant_code"] = [_("Another account already uses this merchant code.")]
    if gateway is None and not secret:
        errors["secret"] = [_("Enter the signing secret the gateway gave you.")]
    if errors:
        raise InvalidInput(fields=errors)
    gateway = gateway or PaymentGateway(shop=shop, provider=provider)
    gateway.merchant_code = merchant_code
    gateway.is_active = is_active
    if secret:
        gateway.secret = secret
    gateway.save()
    return gateway


@dataclass(frozen=True)
class Notification:
    order_number: str
    transaction_id: str
    amount: Decimal
    succeeded: bool
    paid_at: datetime | None
    payload: dict


def _record(gateway: PaymentGateway, order: Order, notification: Notification, outcome: str) -> Payment:
    return Payment.objects.create(
        shop_id=gateway.shop_id,
        order=order,
        method=gateway.provider,
        transaction_id=notification.transaction_id,
        amount=money_round(notification.amount, order.currency),
        outcome=outcome,
        payload=notification.payload,
        received_at=notification.paid_at or timezone.now(),
    )


def _apply(gateway: PaymentGateway, notification: Notification) -> Payment:
    order = Order.objects.filter(shop_id=gateway.shop_id, number=notification.order_number).first()
    if order is None:
        raise NotFound(_("No order has the number %(number)s.") % {"number": notification.order_number})
    order = order_lock(order=order)
    actor = Actor(kind=GATEWAY)
    if not notification.succeeded:
        payment = _record(gateway, order, notification, PaymentOutcome.FAILED)
        note = _("Payment failed at %(gateway)s.") % {"gateway": gateway.get_provider_display()}
        order_event_write(order=order, type=OrderEventType.NOTE, actor=actor, note=note)
        return payment
    if money_round(notification.amount, order.currency) != order.total:
        raise InvalidInput(
            fields={"amount": [_("The order's total is %(total)s.") % {"total": order.total}]},
            code="amount_mismatch",
        )
    if order.status != OrderStatus.PENDING_PAYMENT:
        # Paid too late (e.g. after the payment timeout cancelled it): keep the money on record for a refund.
        payment = _record(gateway, order, notification, PaymentOutcome.NOT_PAYABLE)
        order_event_write(
            order=order,
            type=OrderEventType.PAYMENT_RECEIVED,
            actor=actor,
            note=_("Paid while %(status)s: refund the customer.") % {"status": order.get_status_display()},
            data={"transaction_id": notification.transaction_id, "refund_due": str(payment.amount)},
        )
        refund_due_open(order=order, source=RefundSource.LATE_PAYMENT, amount=payment.amount, payment=payment)
        return payment
    payment = _record(gateway, order, notification, PaymentOutcome.CONFIRMED)
    _confirm_paid(order, payment, actor, note=gateway.get_provider_display())
    return payment


def _confirm_paid(order: Order, payment: Payment, actor: Actor, *, note: str) -> Order:
    """The payment of a pending order arrived: write it on the timeline and confirm the order."""
    order_event_write(
        order=order,
        type=OrderEventType.PAYMENT_RECEIVED,
        actor=actor,
        data={"transaction_id": payment.transaction_id, "amount": str(payment.amount)},
    )
    return order_confirm(order=order, actor=actor, paid_at=payment.received_at, note=note)


def payment_cash_record(*, order: Order, actor: Actor) -> Payment:
    """Staff took the order's total in cash at the shop counter: the payment is recorded (its
    transaction id is the order number) and the order confirmed, paid, as a gateway's payment
    would confirm it. Refuses (NotAllowed) an order not paid in cash or no longer awaiting payment."""
    with transaction.atomic():
        order = order_lock(order=order)
        if order.payment_method != PaymentMethod.CASH or order.status != OrderStatus.PENDING_PAYMENT:
            raise NotAllowed(_("Only an unpaid order paid in cash at the counter can take cash."), code="not_cash")
        payment = Payment.objects.create(
            shop_id=order.shop_id,
            order=order,
            method=PaymentMethod.CASH,
            transaction_id=order.number,
            amount=order.total,
            outcome=PaymentOutcome.CONFIRMED,
            received_at=timezone.now(),
        )
        _confirm_paid(order, payment, actor, note=str(PaymentMethod.CASH.label))
    return payment


def payment_notification_handle(*, gateway: PaymentGateway, notification: Notification) -> tuple[Payment, bool]:
    """Apply a verified gateway notification; returns (payment, replayed).

    A successful payment of the exact total confirms a pending order; a failed one is only recorded
    (the customer may pay again until the timeout); a payment for an order no longer pending is
    recorded as due for refund. The same transaction id again returns the first payment and changes
    nothing (`replayed`). Refuses an unknown order number (NotFound) and an amount that is not the
    order's total (InvalidInput naming `amount`)."""
    existing = Payment.objects.filter(
        shop_id=gateway.shop_id, method=gateway.provider, transaction_id=notification.transaction_id
    ).first()
    if existing is not None:
        return existing, True
    try:
        with transaction.atomic():
            return _apply(gateway, notification), False
    except IntegrityError:
        # The same notification was applied by a concurrent request between our check and our insert.
        existing = Payment.objects.filter(
            shop_id=gateway.shop_id, method=gateway.provider, transaction_id=notification.transaction_id
        ).first()
        if existing is None:
            raise
        return existing, True
