"""Shipments with carriers: accounts, fee quotes, booking and cancelling parcels, labels, and the
tracking updates that move orders along the pipeline.

Calls to a carrier never run inside a database transaction: a service writes what it decided and
records the call in the kernel's outbox, whose task calls the carrier after the commit (retrying with
backoff while it is unavailable) and records the answer in a second transaction.
Tracking updates are stored as received, once (unique per account and carrier event), and applied
by a task: lock the order, then the shipment (always in that order), walk the pipeline to where the
parcel is (orders.shipping.tracking), write each step's order event.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import (
    SHIPMENT_FINAL,
    Carrier,
    CarrierAccount,
    Order,
    OrderEventType,
    OrderStatus,
    Product,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingMilestone,
)
from orders.pipeline import CARRIER, Actor
from orders.pricing import CartLine
from orders.services import transitions
from orders.shipping import tracking
from orders.shipping.carriers import adapter_for
from orders.shipping.carriers.base import (
    CarrierError,
    CarrierRefused,
    Destination,
    Item,
    Label,
    Parcel,
    Quote,
    TrackingUpdate,
)
from orders.shipping.credentials import credentials_open, credentials_seal
from orders.shipping.units import ward_find, ward_resolve
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.models import Shop
from sellercenter.money import ZERO
from sellercenter.outbox import outbox_enqueue

logger = logging.getLogger(__name__)
CREDENTIAL_NAMES = ("token", "webhook_secret")


def _enqueue(task: str, *, shop: Shop, **kwargs) -> None:
    """Record a carrier call (or an update to apply) in the kernel's outbox, in the caller's
    transaction: it runs after the commit, is retried with backoff while the carrier is unavailable,
    and exactly one row exists per shipment and kind (or per tracking event)."""
    key = ":".join([task, *(str(value) for value in kwargs.values())])
    outbox_enqueue(task=f"orders.tasks.{task}", kwargs=kwargs, key=key, shop=shop)


# --- Accounts --------------------------------------------------------------------------------------


def carrier_account_save(
    *, shop: Shop, carrier: str, credentials: dict | None = None, account: CarrierAccount | None = None, **fields
) -> CarrierAccount:
    """Create (or, given `account`, update) a shop's carrier account. Credentials are sealed with
    SHIPPING_CREDENTIALS_KEY; a blank credential keeps the one saved before, so a form never has to
    show a secret again. Making it the default takes the default from the shop's other account.
    Refuses (InvalidInput) an unknown carrier, or a GHN/GHTK account without a pick-up ward."""
    if carrier not in Carrier.values:
        raise InvalidInput(fields={"carrier": [_("Unknown carrier.")]})
    if carrier != Carrier.MANUAL and not fields.get("pickup_ward", getattr(account, "pickup_ward", None)):
        raise InvalidInput(fields={"pickup_ward": [_("Carriers need the ward where they pick parcels up.")]})
    with transaction.atomic():
        account = account or CarrierAccount(shop=shop, webhook_key=secrets.token_urlsafe(24))
        account.carrier = carrier
        for name, value in fields.items():
            setattr(account, name, value)
        kept = credentials_open(account.credentials)
        given = {name: str(value).strip() for name, value in (credentials or {}).items() if str(value or "").strip()}
        account.credentials = credentials_seal({**kept, **given})
        if account.is_default:
            CarrierAccount.objects.filter(shop=shop, is_default=True).exclude(pk=account.pk).update(is_default=False)
        account.save()
    return account


def _default_accounts(shop: Shop) -> QuerySet[CarrierAccount]:
    # At most one row: one default account per shop (a unique constraint), when it is active.
    return CarrierAccount.objects.filter(shop=shop, is_default=True, is_active=True)


def carrier_account_default(*, shop: Shop) -> CarrierAccount | None:
    return _default_accounts(shop).select_related("pickup_ward__province").first()


# --- Parcels and quotes ----------------------------------------------------------------------------


def parcel_build(items: list[tuple[Product, int, Decimal]], *, cod_amount=ZERO, insurance_value=ZERO) -> Parcel:
    """A parcel of `items` (product, quantity, unit price): weights add up, the units stack."""
    return Parcel(
        items=tuple(Item(p.name, quantity, price, p.weight_grams) for p, quantity, price in items),
        weight_grams=max(1, sum(p.weight_grams * quantity for p, quantity, _price in items)),
        length_cm=max((p.length_cm for p, _q, _price in items), default=1),
        width_cm=max((p.width_cm for p, _q, _price in items), default=1),
        height_cm=max(1, sum(p.height_cm * quantity for p, quantity, _price in items)),
        cod_amount=cod_amount,
        insurance_value=insurance_value,
    )


@dataclass(frozen=True)
class ShippingQuote:
    """The real fee of the shop's default carrier for a cart, or why there is none right now."""

    carrier: str
    account: str
    fee: Decimal | None
    insurance_fee: Decimal = ZERO
    service: str = ""
    error: str = ""


def shipment_quote(
    *, shop: Shop, lines: list[CartLine], address: dict, cod_amount=ZERO, insurance_value=ZERO
) -> ShippingQuote | None:
    """What the shop's default carrier charges to take these lines to `address` (None when the shop
    ships by itself). Raises InvalidInput naming `shipping_address.province` / `.ward` for an address
    carriers cannot place; a carrier that refuses or does not answer gives a quote with `error`."""
    account = carrier_account_default(shop=shop)
    if account is None or account.carrier == Carrier.MANUAL:
        return None
    ward = ward_resolve(address)
    products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in={line.sku for line in lines})}
    items = [(products[line.sku], line.quantity, products[line.sku].price) for line in lines if line.sku in products]
    parcel = parcel_build(items, cod_amount=cod_amount, insurance_value=insurance_value)
    try:
        quote: Quote = adapter_for(account).quote(parcel=parcel, destination=ward)
    except CarrierError as error:
        return ShippingQuote(carrier=account.carrier, account=account.name, fee=None, error=error.message)
    return ShippingQuote(
        carrier=account.carrier,
        account=account.name,
        fee=quote.fee,
        insurance_fee=quote.insurance_fee,
        service=quote.service,
    )


def shipping_address_check(*, shop: Shop, address: dict) -> None:
    """At checkout: when the shop ships with a carrier, refuse (InvalidInput naming the field) an
    address it could not place, so that the problem shows now and not at hand-over."""
    if _default_accounts(shop).exclude(carrier=Carrier.MANUAL).exists():  # every checkout: a probe, no row
        ward_resolve(address)


# --- Booking and cancelling ------------------------------------------------------------------------


def shipment_create(
    *, order: Order, actor: Actor, account: CarrierAccount | None = None, tracking_number: str = ""
) -> Shipment:
    """Book a parcel for a packed order with `account` (default: the shop's default account), for the
    cash to collect on delivery (the order's total when it is COD). The carrier is called after the
    commit; once it answers, the order becomes ready to ship under its tracking number. A manual
    account needs `tracking_number` and is ready at once.

    Refuses: an order that is not packed (NotAllowed), one with a parcel already booked (Conflict),
    an account of another shop, no account, a manual one without tracking number, or an address
    carriers cannot place (InvalidInput naming the field)."""
    account = account or carrier_account_default(shop=order.shop)
    if account is None or account.shop_id != order.shop_id or not account.is_active:
        raise InvalidInput(fields={"account": [_("Choose an active carrier account of this shop.")]})
    manual = account.carrier == Carrier.MANUAL
    if manual and not tracking_number.strip():
        raise InvalidInput(fields={"tracking_number": [_("This field is required.")]})
    with transaction.atomic():
        order = transitions.order_lock(order=order)
        if order.status != OrderStatus.PACKED:
            raise NotAllowed(_("Only a packed order can be booked with a carrier."), code="order_not_packed")
        if not manual:
            ward_resolve({"province": order.province, "ward": order.ward})
        items = [(line.product, line.quantity, line.unit_price) for line in order.lines.select_related("product")]
        parcel = parcel_build(
            items,
            cod_amount=order.total if not order.is_prepaid else ZERO,
            insurance_value=order.subtotal,
        )
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(
                    shop_id=order.shop_id,
                    order=order,
                    account=account,
                    carrier=account.carrier,
                    cod_amount=parcel.cod_amount,
                    insurance_value=parcel.insurance_value,
                    weight_grams=parcel.weight_grams,
                    requested_by=actor.user,
                )
        except IntegrityError:
            raise Conflict(_("This order already has a parcel booked."), code="shipment_exists") from None
        if manual:
            return _booked(shipment, order, tracking_number.strip(), ZERO)
        _enqueue("shipment_book", shipment_id=shipment.pk, shop=order.shop)
    return shipment


def _destination(order: Order) -> Destination:
    ward = ward_find(province=order.province, ward=order.ward)
    return Destination(name=order.recipient_name, phone=order.recipient_phone, street=order.street, ward=ward)


def _booked(shipment: Shipment, order: Order, tracking_number: str, fee: Decimal) -> Shipment:
    shipment.tracking_number, shipment.fee_quoted = tracking_number, fee
    shipment.status, shipment.booked_at = ShipmentStatus.BOOKED, timezone.now()
    shipment.save(update_fields=["tracking_number", "fee_quoted", "status", "booked_at"])
    transitions.order_mark_ready_to_ship(
        order=order,
        actor=Actor.staff(shipment.requested_by),
        carrier=shipment.account.name,
        tracking_number=tracking_number,
    )
    return shipment


def shipment_book(*, shipment: Shipment) -> Shipment:
    """Ask the carrier for the parcel booked by `shipment_create` (the task's work). A refusal marks
    the shipment refused with the carrier's words on the order's timeline; CarrierUnavailable
    propagates for the task to retry. A shipment cancelled meanwhile is not booked; an order
    cancelled while the carrier answered gets its fresh parcel cancelled again."""
    shipment = Shipment.objects.select_related("account__pickup_ward__province", "order").get(pk=shipment.pk)
    if shipment.status != ShipmentStatus.REQUESTED:
        return shipment
    order = shipment.order
    items = [(line.product, line.quantity, line.unit_price) for line in order.lines.select_related("product")]
    parcel = parcel_build(items, cod_amount=shipment.cod_amount, insurance_value=shipment.insurance_value)
    try:
        booking = adapter_for(shipment.account).create(
            reference=f"{order.number}-{shipment.pk}", parcel=parcel, destination=_destination(order), note=order.note
        )
    except CarrierRefused as refusal:
        return _refused(shipment, refusal.message)
    with transaction.atomic():
        order = transitions.order_lock(order=order)
        shipment = Shipment.objects.select_for_update(of=("self",)).select_related("account").get(pk=shipment.pk)
        if shipment.status != ShipmentStatus.REQUESTED or order.status != OrderStatus.PACKED:
            shipment.tracking_number = booking.tracking_number
            shipment.status = ShipmentStatus.CANCELLED
            shipment.save(update_fields=["tracking_number", "status"])
            _enqueue("shipment_cancel_at_carrier", shipment_id=shipment.pk, shop=order.shop)
            return shipment
        transitions.order_event_write(
            order=order,
            type=OrderEventType.NOTE,
            actor=Actor(kind=CARRIER),
            note=_("Booked with %(carrier)s: %(tracking)s")
            % {"carrier": shipment.account.name, "tracking": booking.tracking_number},
            data={"shipment": shipment.pk, "fee": str(booking.fee)},
        )
        return _booked(shipment, order, booking.tracking_number, booking.fee)


def _refused(shipment: Shipment, message: str) -> Shipment:
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",)).select_related("order", "account").get(pk=shipment.pk)
        )
        if shipment.status != ShipmentStatus.REQUESTED:
            return shipment
        shipment.status, shipment.error = ShipmentStatus.REFUSED, message[:500]
        shipment.save(update_fields=["status", "error"])
        transitions.order_event_write(
            order=shipment.order,
            type=OrderEventType.NOTE,
            actor=Actor(kind=CARRIER),
            note=_("%(carrier)s refused the parcel: %(message)s")
            % {"carrier": shipment.account.name, "message": message},
            data={"shipment": shipment.pk},
        )
    return shipment


def shipments_cancel_for_order(*, order: Order) -> int:
    """The order was cancelled before pick-up: its open parcels are cancelled, at the carrier after
    the commit. Runs inside the cancellation's transaction (the order row is locked)."""
    open_ = Shipment.objects.select_for_update().filter(
        order=order, status__in=[ShipmentStatus.REQUESTED, ShipmentStatus.BOOKED]
    )
    cancelled = 0
    for shipment in open_.order_by("pk"):
        booked = shipment.status == ShipmentStatus.BOOKED
        shipment.status = ShipmentStatus.CANCELLED
        shipment.save(update_fields=["status"])
        if booked and shipment.carrier != Carrier.MANUAL:
            _enqueue("shipment_cancel_at_carrier", shipment_id=shipment.pk, shop=order.shop)
        cancelled += 1
    return cancelled


def shipment_cancel_at_carrier(*, shipment: Shipment) -> bool:
    """Tell the carrier a cancelled parcel is not coming. A refusal (already picked up) is logged on
    the order's timeline for staff to call the carrier; CarrierUnavailable propagates for a retry."""
    shipment = Shipment.objects.select_related("account", "order").get(pk=shipment.pk)
    if not shipment.tracking_number:
        return False
    try:
        adapter_for(shipment.account).cancel(tracking_number=shipment.tracking_number)
    except CarrierRefused as refusal:
        transitions.order_event_write(
            order=shipment.order,
            type=OrderEventType.NOTE,
            actor=Actor(kind=CARRIER),
            note=_("%(carrier)s did not cancel %(tracking)s: %(message)s")
            % {"carrier": shipment.account.name, "tracking": shipment.tracking_number, "message": refusal.message},
        )
        return False
    return True


def shipment_label(*, shipment: Shipment) -> Label | None:
    """The carrier's own printable label, or None where it has none (our A6 label is used then)."""
    if not shipment.tracking_number or shipment.carrier == Carrier.MANUAL:
        return None
    return adapter_for(shipment.account).label(tracking_number=shipment.tracking_number)


# --- Tracking --------------------------------------------------------------------------------------


def tracking_update_receive(
    *, account: CarrierAccount, update: TrackingUpdate, source: str = "webhook", apply_later: bool = True
):
    """Store a carrier's update as received, once: returns (event, created). A new event is applied by
    a task after the commit (unless the caller applies it itself); a repeated one (same carrier
    identity) changes nothing."""
    shipment = Shipment.objects.filter(account=account, tracking_number=update.tracking_number).first()
    try:
        with transaction.atomic():
            event = TrackingEvent.objects.create(
                shop_id=account.shop_id,
                account=account,
                shipment=shipment,
                tracking_number=update.tracking_number[:100],
                dedup_key=update.dedup_key[:200],
                carrier_status=update.carrier_status[:50],
                milestone=update.milestone,
                note=update.note[:500],
                occurred_at=update.occurred_at,
                source=source,
                payload=update.payload,
            )
    except IntegrityError:
        return TrackingEvent.objects.get(account=account, dedup_key=update.dedup_key[:200]), False
    if shipment is not None and apply_later:
        _enqueue("tracking_event_apply", event_id=event.pk, shop=account.shop)
    return event, True


def _step(order: Order, name: str, actor: Actor, event: TrackingEvent) -> Order:
    at = min(event.occurred_at, timezone.now())
    reason = event.note or _("%(carrier)s: %(status)s") % {
        "carrier": event.account.name,
        "status": event.carrier_status,
    }
    calls = {
        "ship": lambda: transitions.order_ship(order=order, actor=actor, at=at),
        "deliver": lambda: transitions.order_deliver(order=order, actor=actor, at=at),
        "fail_delivery": lambda: transitions.order_fail_delivery(order=order, actor=actor, reason=reason),
        "retry_delivery": lambda: transitions.order_retry_delivery(order=order, actor=actor, note=reason),
        "return_to_sender": lambda: transitions.order_return_to_sender(order=order, actor=actor, note=reason),
    }
    return calls[name]()


def _apply(order: Order, shipment: Shipment, event: TrackingEvent) -> str:
    if shipment.status in SHIPMENT_FINAL:
        return "shipment closed"
    if shipment.last_event_at and event.occurred_at < shipment.last_event_at:
        return "older than the last update"
    steps = tracking.order_steps(event.milestone, order.status)
    actor = Actor(kind=CARRIER)
    for name in steps:
        order = _step(order, name, actor, event)
    shipment.carrier_status, shipment.last_event_at = event.carrier_status, event.occurred_at
    if event.milestone in tracking.SHIPMENT_STATUS:
        shipment.status = tracking.SHIPMENT_STATUS[event.milestone]
    if event.milestone == TrackingMilestone.DELIVERED:
        shipment.delivered_at = event.occurred_at
    shipment.save(update_fields=["carrier_status", "last_event_at", "status", "delivered_at"])
    return ", ".join(steps) or "no step"


def tracking_event_apply(*, event: TrackingEvent) -> TrackingEvent:
    """Move the order to where the event says the parcel is, once. An event older than the last one
    applied, or for a closed shipment, is kept and changes nothing; so does an order already there."""
    with transaction.atomic():
        event = TrackingEvent.objects.select_related("account", "shipment__order").get(pk=event.pk)
        if event.applied_at or event.shipment is None:
            return event
        order = transitions.order_lock(order=event.shipment.order)
        shipment = Shipment.objects.select_for_update().get(pk=event.shipment_id)
        event = TrackingEvent.objects.select_for_update(of=("self",)).select_related("account").get(pk=event.pk)
        if event.applied_at:
            return event
        event.outcome = _apply(order, shipment, event)[:255]
        event.applied_at = timezone.now()
        event.save(update_fields=["outcome", "applied_at"])
    return event


POLLED = [
    ShipmentStatus.BOOKED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.DELIVERY_FAILED,
    ShipmentStatus.RETURNING,
]


def shipments_poll(*, now: datetime | None = None) -> int:
    """Ask carriers for the status of parcels that sent no update for SHIPPING_POLL_AFTER_MINUTES (the
    beat job): what they report goes through the same path as a webhook. Returns how many new events
    came in. A carrier that fails is skipped until the next run."""
    now = now or timezone.now()
    quiet = now - timedelta(minutes=settings.SHIPPING_POLL_AFTER_MINUTES)
    due = (
        Shipment.objects.select_related("account")
        .filter(status__in=POLLED)
        .exclude(carrier=Carrier.MANUAL)
        .annotate(heard=Coalesce("last_event_at", "booked_at"))
        .filter(heard__lt=quiet)
        .filter(Q(polled_at__isnull=True) | Q(polled_at__lt=quiet))
    )
    received = 0
    for shipment in due.order_by("pk")[:500]:
        Shipment.objects.filter(pk=shipment.pk).update(polled_at=now)
        try:
            updates = adapter_for(shipment.account).track(tracking_number=shipment.tracking_number)
        except CarrierError as error:
            logger.warning("polling %s failed: %s", shipment.tracking_number, error)
            continue
        for update in sorted(updates, key=lambda u: u.occurred_at):
            event, created = tracking_update_receive(
                account=shipment.account, update=update, source="poll", apply_later=False
            )
            if created:
                tracking_event_apply(event=event)
                received += 1
    return received
