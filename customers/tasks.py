"""Customers' periodic jobs. Tasks take ids or nothing, and call services."""

from celery import shared_task

from customers.services import events_retention_apply, journey_stages_refresh
from sellercenter.models import Shop


@shared_task(acks_late=True)
def journey_stages_recompute() -> int:
    """Nightly: recompute every customer's journey stage, one UPDATE per shop (events and purchases
    keep stages current during the day; this catches anything else, e.g. rule changes).
    Safe to run twice. Returns how many stages changed."""
    return sum(journey_stages_refresh(shop_id=shop_id) for shop_id in Shop.objects.values_list("pk", flat=True))


@shared_task(acks_late=True)
def events_retention_apply_due() -> dict:
    """Nightly: drop the months of behaviour events past the retention, make next months' partitions."""
    return events_retention_apply()
