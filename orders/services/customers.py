"""Orders follow what happens to their customer's profile: a merge moves them, an erasure
anonymises the personal data they hold."""

from django.db import transaction

from customers.models import Customer
from orders.models import Order, OrderEvent, OrderEventType, OrderStatus, Payment, ReturnRequest

# Orders still on their way keep what delivery and returns need: the law allows keeping personal
# data to fulfil a contract. Finished ones keep only amounts, dates and the province.
FINISHED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.RETURNED_TO_SENDER)
ERASED = {
    "customer_name": "",
    "customer_email": "",
    "recipient_name": "",
    "recipient_phone": "",
    "street": "",
    "ward": "",
    "district": "",
    "note": "",
}


def orders_customer_merge(*, source: Customer, target: Customer) -> int:
    """Move the orders of a profile folded into another one to the kept profile; returns how many."""
    return Order.objects.filter(customer=source).update(customer=target)


def orders_customer_erase(*, customer: Customer) -> int:
    """Anonymise the finished orders of an erased customer: contact and address details, notes,
    return evidence, gateway payloads and the addresses e-mails went to. Returns how many orders."""
    with transaction.atomic():
        orders = Order.objects.filter(customer=customer, status__in=FINISHED)
        ids = list(orders.values_list("pk", flat=True))
        Order.objects.filter(pk__in=ids).update(**ERASED)
        ReturnRequest.objects.filter(order_id__in=ids).update(evidence_note="")
        Payment.objects.filter(order_id__in=ids).update(payload={})
        sent = OrderEvent.objects.filter(order_id__in=ids, type=OrderEventType.EMAIL_SENT)
        for kind in sent.values_list("data__kind", flat=True).distinct():
            sent.filter(data__kind=kind).update(data={"kind": kind})
    return len(ids)
