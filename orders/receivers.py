"""Reactions to what the customers app signals."""

from django.dispatch import receiver

from customers.signals import customer_erased, customer_merged
from orders import services


@receiver(customer_merged, dispatch_uid="orders.customer_merge")
def move_orders(sender, source, target, **kwargs) -> None:
    """A duplicate profile folded into another one: its orders belong to the kept profile."""
    services.orders_customer_merge(source=source, target=target)


@receiver(customer_erased, dispatch_uid="orders.customer_erase")
def anonymise_orders(sender, customer, **kwargs) -> None:
    services.orders_customer_erase(customer=customer)
