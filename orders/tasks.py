"""Orders tasks: each takes ids or nothing, and calls one service.

The services import this module to enqueue tasks, so the tasks import the services when they run."""

import smtplib

from celery import shared_task


@shared_task(autoretry_for=(smtplib.SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def order_email_send(order_id: int, kind: str) -> bool:
    """E-mail the customer about their order. Not acks_late: a mail must not go out twice; the
    service also skips a kind already sent."""
    from orders import services
    from orders.models import Order

    order = Order.objects.select_related("shop").get(pk=order_id)
    return services.order_email_send(order=order, kind=kind)


@shared_task(acks_late=True)
def orders_expire_unpaid() -> int:
    """Beat job: cancel prepaid orders not paid within their shop's payment timeout."""
    from orders import services

    return services.orders_expire_unpaid()


@shared_task(acks_late=True)
def orders_complete_due() -> int:
    """Beat job: complete delivered orders whose return window has closed."""
    from orders import services

    return services.orders_complete_due()


def _carrier_retry(task, error):
    """Retry a carrier call that could not get through, after the carrier's Retry-After if it gave one."""
    countdown = getattr(error, "retry_after", None) or min(600, 30 * 2**task.request.retries)
    raise task.retry(exc=error, countdown=countdown, max_retries=8)


@shared_task(bind=True, acks_late=True)
def shipment_book(self, shipment_id: int) -> str:
    """Book a parcel with its carrier. Safe to run twice: only a shipment still being booked is sent."""
    from orders.models import Shipment
    from orders.services import shipments
    from orders.shipping.carriers.base import CarrierUnavailable

    try:
        return shipments.shipment_book(shipment=Shipment(pk=shipment_id)).status
    except CarrierUnavailable as error:
        _carrier_retry(self, error)


@shared_task(bind=True, acks_late=True)
def shipment_cancel_at_carrier(self, shipment_id: int) -> bool:
    """Cancel a parcel at its carrier; cancelling twice is harmless there."""
    from orders.models import Shipment
    from orders.services import shipments
    from orders.shipping.carriers.base import CarrierUnavailable

    try:
        return shipments.shipment_cancel_at_carrier(shipment=Shipment(pk=shipment_id))
    except CarrierUnavailable as error:
        _carrier_retry(self, error)


@shared_task(acks_late=True)
def tracking_event_apply(event_id: int) -> str:
    """Apply a stored tracking update to its order; applying it twice changes nothing."""
    from orders.models import TrackingEvent
    from orders.services import shipments

    return shipments.tracking_event_apply(event=TrackingEvent(pk=event_id)).outcome


@shared_task(acks_late=True)
def shipments_poll() -> int:
    """Beat job: ask carriers about parcels whose webhooks went quiet."""
    from orders.services import shipments

    return shipments.shipments_poll()
