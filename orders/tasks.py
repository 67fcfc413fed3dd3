"""Orders tasks: each takes ids or nothing, and calls one service.

The services import this module to enqueue tasks, so the tasks import the services when they run."""

from celery import shared_task


@shared_task(acks_late=True)
def order_email_send(order_id: int, kind: str, refund_due_id: int | None = None) -> bool:
    """E-mail the customer about their order. Run through the outbox, which retries it with backoff;
    the service skips a kind already sent and gives every attempt the same Message-ID."""
    from orders import services
    from orders.models import Order

    order = Order.objects.select_related("shop").get(pk=order_id)
    return services.order_email_send(order=order, kind=kind, refund_due_id=refund_due_id)


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


@shared_task(acks_late=True)
def shipment_book(shipment_id: int) -> str:
    """Book a parcel with its carrier. Run through the outbox, which retries it with backoff when the
    carrier is unavailable (CarrierUnavailable); only a shipment still being booked is sent."""
    from orders.models import Shipment
    from orders.services import shipments

    return shipments.shipment_book(shipment=Shipment(pk=shipment_id)).status


@shared_task(acks_late=True)
def shipment_cancel_at_carrier(shipment_id: int) -> bool:
    """Cancel a parcel at its carrier (through the outbox); cancelling twice is harmless there."""
    from orders.models import Shipment
    from orders.services import shipments

    return shipments.shipment_cancel_at_carrier(shipment=Shipment(pk=shipment_id))


@shared_task(acks_late=True)
def tracking_event_apply(event_id: int) -> str:
    """Apply a stored tracking update to its order (through the outbox); twice changes nothing."""
    from orders.models import TrackingEvent
    from orders.services import shipments

    return shipments.tracking_event_apply(event=TrackingEvent(pk=event_id)).outcome


@shared_task(acks_late=True)
def shipments_poll() -> int:
    """Beat job: ask carriers about parcels whose webhooks went quiet."""
    from orders.services import shipments

    return shipments.shipments_poll()
