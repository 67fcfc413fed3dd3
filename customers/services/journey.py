"""Keeping each customer's journey stage and last activity current.

On PostgreSQL the events are a table partitioned by month: a subquery on it is planned again for
every partition (28 with the default retention), which costs more than running it. The paths taken
on every purchase and event batch therefore keep such subqueries to one per statement, or none."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db.models import Case, F, Max, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from customers.journey_stages import STAGE_EVENTS, journey_stage_expression
from customers.models import Customer, CustomerEvent


def journey_stages_refresh(*, shop_id: int, customer_ids: Iterable[int] | None = None, buyers: bool = False) -> int:
    """Recompute the journey stage of the shop's customers (all of them, or those given); only rows
    whose stage changes are written. Returns how many changed. `buyers`: each of them has an order
    (see journey_stage_expression).

    The whole shop is one UPDATE. Given customers are read with their stage computed once in a
    SELECT, and those that changed are written in one UPDATE without a subquery: in a single UPDATE
    the stage expression stands twice (the filter on a change, and the new value), and PostgreSQL
    plans its event subqueries for every partition each time."""
    customers = Customer.objects.filter(shop_id=shop_id)
    stage = journey_stage_expression(buyers=buyers)
    if customer_ids is None:
        return (
            customers.alias(new_stage=stage)
            .exclude(journey_stage=F("new_stage"))
            .update(journey_stage=stage, journey_stage_changed_at=timezone.now())
        )
    rows = customers.filter(pk__in=list(customer_ids)).annotate(new_stage=stage)
    changed: dict[str, list[int]] = defaultdict(list)
    for pk, current, new in rows.values_list("pk", "journey_stage", "new_stage"):
        if current != new:
            changed[new].append(pk)
    if not changed:
        return 0
    new_stage = Case(*(When(pk__in=pks, then=Value(new)) for new, pks in changed.items()), default=F("journey_stage"))
    return Customer.objects.filter(pk__in=[pk for pks in changed.values() for pk in pks]).update(
        journey_stage=new_stage, journey_stage_changed_at=timezone.now()
    )


def journey_stages_refresh_for_events(*, shop_id: int, events: Iterable[tuple[int, str]]) -> int:
    """The journey stages after new events, given as (customer id, event type): only the customers
    with an event of a type the stage looks at can have moved."""
    moved = {customer_id for customer_id, type_ in events if type_ in STAGE_EVENTS}
    return journey_stages_refresh(shop_id=shop_id, customer_ids=moved) if moved else 0


def customers_last_seen_refresh(*, shop_id: int, customer_ids: Iterable[int]) -> int:
    """Set `last_seen_at` to each customer's latest event (events may arrive out of order, or be gone)."""
    latest = (
        CustomerEvent.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    return Customer.objects.filter(shop_id=shop_id, pk__in=list(customer_ids)).update(last_seen_at=Subquery(latest))


def customers_last_seen_advance(*, shop_id: int, latest: Mapping[int, datetime]) -> int:
    """New events only move `last_seen_at` forward: each customer's becomes the later of what it was
    and their latest new event (`latest`: customer id -> that event's time), in one UPDATE that does
    not read the events again."""
    if not latest:
        return 0
    if len(latest) == 1:
        seen = Value(*latest.values())  # one customer (a checkout): no CASE to build, 2.1 -> 1.3 ms
    else:
        seen = Case(*(When(pk=pk, then=Value(at)) for pk, at in latest.items()))
    return Customer.objects.filter(shop_id=shop_id, pk__in=list(latest)).update(
        last_seen_at=Greatest(Coalesce("last_seen_at", seen), seen)
    )
