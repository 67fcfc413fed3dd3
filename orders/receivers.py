"""Reactions to what the customers app signals, and the customers' side of orders' own transitions."""

from django.dispatch import receiver

from customers.services import delivered_lines_record
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


@receiver(order_status_changed, dispatch_uid="orders.delivered_lines")
def record_delivered_lines(sender, order, status, **kwargs) -> None:
    """Delivered: the customer may now rate and review each line (and journeys ask them to)."""
    if status == OrderStatus.DELIVERED:
        delivered_lines_record(
            customer=order.customer,
            order_ref=order.number,
            lines=[(line.sku, line.name) for line in order.lines.all()],
            delivered_at=order.delivered_at,
        )
