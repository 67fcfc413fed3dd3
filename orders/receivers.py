"""Reactions to what the customers and promotions apps signal, the customers' side of orders' own
transitions, and the parcel of a cancelled order."""

from django.dispatch import receiver

from customers.services import delivered_lines_record
from customers.signals import customer_erased, customer_merged
from orders import selectors, services
from orders.models import OrderStatus
from orders.signals import order_status_changed
from promotions.signals import catalogue_products_wanted


@receiver(customer_merged, dispatch_uid="orders.customer_merge")
def move_orders(sender, source, target, **kwargs) -> None:
    """A duplicate profile folded into another one: its orders belong to the kept profile."""
    services.orders_customer_merge(source=source, target=target)


@receiver(customer_erased, dispatch_uid="orders.customer_erase")
def anonymise_orders(sender, customer, **kwargs) -> None:
    services.orders_customer_erase(customer=customer)


@receiver(catalogue_products_wanted, dispatch_uid="orders.catalogue_products")
def answer_catalogue(sender, shop, skus, **kwargs) -> dict:
    """Promotions asks which of these SKUs are the shop's products (gifts, campaign SKUs)."""
    return selectors.products_by_sku(shop=shop, skus=skus)


@receiver(order_status_changed, dispatch_uid="orders.cancel_shipments")
def cancel_shipments(sender, order, status, **kwargs) -> None:
    """An order cancelled before pick-up takes its booked parcel back from the carrier."""
    if status == OrderStatus.CANCELLED:
        services.shipments_cancel_for_order(order=order)


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
