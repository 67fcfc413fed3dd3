"""Keeping each customer's journey stage and last activity current."""

from collections.abc import Iterable

from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from customers.journey_stages import journey_stage_expression
from customers.models import Customer, CustomerEvent


def journey_stages_refresh(*, shop_id: int, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute the journey stage of the shop's customers (all of them, or those given) in one
    UPDATE; only rows whose stage changes are written. Returns how many changed."""
    customers = Customer.objects.filter(shop_id=shop_id)
    if customer_ids is not None:
        customers = customers.filter(pk__in=list(customer_ids))
    stage = journey_stage_expression()
    return (
        customers.alias(new_stage=stage)
        .exclude(journey_stage=F("new_stage"))
        .update(journey_stage=stage, journey_stage_changed_at=timezone.now())
    )


def customers_last_seen_refresh(*, shop_id: int, customer_ids: Iterable[int]) -> int:
    """Set `last_seen_at` to each customer's latest event (events may arrive out of order)."""
    latest = (
        CustomerEvent.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    return Customer.objects.filter(shop_id=shop_id, pk__in=list(customer_ids)).update(last_seen_at=Subquery(latest))
