"""The order's timeline: every service that changes an order appends its event here."""

from orders.models import Order, OrderEvent
from orders.pipeline import Actor


def order_event_write(
    *, order: Order, type: str, actor: Actor, note: str = "", data: dict | None = None, **statuses
) -> OrderEvent:
    """Append an event to the order's timeline (`statuses`: from_status, to_status)."""
    return OrderEvent.objects.create(
        shop_id=order.shop_id,
        order=order,
        type=type,
        **actor.record_fields(),
        note=note,
        data=data or {},
        **statuses,
    )
