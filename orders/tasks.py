"""Orders tasks: each takes ids or nothing, and calls one service.

The services import this module to enqueue tasks, so the tasks import the services when they run."""

from celery import shared_task


@shared_task(acks_late=True)
def order_email_send(order_id: int, kind: str) -> bool:
    """E-mail the customer about their order. Run through the outbox, which retries it with backoff;
    the service skips a kind already sent and gives every attempt the same Message-ID."""
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
