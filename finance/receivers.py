"""Reactions to what orders signals. They run inside the order's transaction: a line is written
exactly when the transition that caused it commits."""

from django.dispatch import receiver

from finance import services
from orders.models import OrderStatus
from orders.signals import cod_remittance_imported, order_status_changed, return_refunded


@receiver(order_status_changed, dispatch_uid="finance.order_status_changed")
def record_order_status(sender, order, previous, status, **kwargs) -> None:
    """Delivered: the order's sale line. Completed: its lines become payable in the open statement.
    Orders cancelled or returned to the sender before delivery leave no line."""
    if status == OrderStatus.DELIVERED:
        services.sale_line_record(order=order)
    elif status == OrderStatus.COMPLETED:
        services.order_lines_release(order=order, at=order.completed_at)


@receiver(return_refunded, dispatch_uid="finance.return_refunded")
def record_refund(sender, return_request, amount, **kwargs) -> None:
    services.refund_line_record(return_request=return_request, amount=amount)


@receiver(cod_remittance_imported, dispatch_uid="finance.cod_remittance_imported")
def record_carrier_remittance(sender, remittance, **kwargs) -> None:
    services.carrier_remittance_lines_record(remittance=remittance)
