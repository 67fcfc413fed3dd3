"""What a carrier's tracking milestone does to an order: the pipeline steps that take the order from
its status to where the parcel is. Pure: the services run the steps.

Webhooks arrive late, twice, or out of order, and some never arrive: a milestone therefore names
where the parcel IS, and the steps walk there from wherever the order stands (a "delivered" for an
order still ready to ship hands it over first). An order already at or past the milestone gets no
step at all, which is what makes a late "picked up" after "delivered" change nothing.
"""

from orders.models import OrderStatus, ShipmentStatus, TrackingMilestone

S, M = OrderStatus, TrackingMilestone

STEPS: dict[str, dict[str, tuple[str, ...]]] = {
    M.PICKED_UP: {S.READY_TO_SHIP: ("ship",)},
    M.IN_TRANSIT: {S.READY_TO_SHIP: ("ship",), S.DELIVERY_FAILED: ("retry_delivery",)},
    M.FAILED_ATTEMPT: {S.READY_TO_SHIP: ("ship", "fail_delivery"), S.SHIPPED: ("fail_delivery",)},
    M.DELIVERED: {
        S.READY_TO_SHIP: ("ship", "deliver"),
        S.SHIPPED: ("deliver",),
        S.DELIVERY_FAILED: ("retry_delivery", "deliver"),
    },
    M.RETURNING: {S.READY_TO_SHIP: ("ship", "fail_delivery"), S.SHIPPED: ("fail_delivery",)},
    M.RETURNED: {
        S.READY_TO_SHIP: ("ship", "fail_delivery", "return_to_sender"),
        S.SHIPPED: ("fail_delivery", "return_to_sender"),
        S.DELIVERY_FAILED: ("return_to_sender",),
    },
}

SHIPMENT_STATUS = {
    M.PICKED_UP: ShipmentStatus.PICKED_UP,
    M.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    M.FAILED_ATTEMPT: ShipmentStatus.DELIVERY_FAILED,
    M.DELIVERED: ShipmentStatus.DELIVERED,
    M.RETURNING: ShipmentStatus.RETURNING,
    M.RETURNED: ShipmentStatus.RETURNED,
    M.CANCELLED: ShipmentStatus.CANCELLED,
}


def order_steps(milestone: str, order_status: str) -> tuple[str, ...]:
    """The transitions (by name, in order) that bring an order in `order_status` to `milestone`."""
    return STEPS.get(milestone, {}).get(order_status, ())
