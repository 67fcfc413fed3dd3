"""Reactions to what the customers app signals, and to the order's own cancellation (its parcel)."""

from django.dispatch import receiver

from customers.signals import customer_erased, customer_merged
from orders import services
from orders.models import OrderStatus
from orders.signals import order_status_changed


@receiver(customer_merged, dispatch_uid="orders.customer_merge")
def move_orders(sender, source, target, **kwargs) -> None:
    """A duplicate profile folded into another one: its orders belong to the kept profile."""
    services.orders_customer_merge(source=source, target=target)


@receiver(customer_erased, dispatch_uid="orders.customer_erase")
def anonymise_orders(sender, customer, **kwargs) -> None:
    services.orders_customer_erase(customer=customer)


@receiver(order_status_changed, dispatch_uid="orders.cancel_shipments")
def cancel_shipments(sender, order, status, **kwargs) -> None:
    """An order cancelled before pick-up takes its booked parcel back from the carrier."""
    if status == OrderStatus.CANCELLED:
        services.shipments_cancel_for_order(order=order)
