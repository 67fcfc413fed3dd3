"""Behaviour events from the storefronts, and identify: who an anonymous visitor turned out to be."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers import partitions
from customers.models import AnonymousIdentity, Customer, CustomerEvent, CustomerEventKey, PushSubscription
from customers.services.journey import (
    customers_last_seen_advance,
    customers_last_seen_refresh,
    journey_stages_refresh,
    journey_stages_refresh_for_events,
)
from customers.signals import events_recorded
from sellercenter.bulk import copy_values
from sellercenter.models import Shop

MAX_BATCH = 500


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


def _customers_by_external_id(shop: Shop, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    rows = Customer.objects.filter(shop=shop, external_id__in=external_ids).values_list(
        "external_id", "pk", "merged_into_id"
    )
    # A merged profile's events belong to the profile it was merged into.
    return {external_id: merged_into_id or pk for external_id, pk, merged_into_id in rows}


def _customers_by_anonymous_id(shop: Shop, anonymous_ids: set[str]) -> dict[str, int]:
    if not anonymous_ids:
        return {}
    return dict(
        AnonymousIdentity.objects.filter(shop=shop, anonymous_id__in=anonymous_ids).values_list(
            "anonymous_id", "customer_id"
        )
    )


def _keys_insert(shop: Shop, events: Sequence[dict]) -> set[str]:
    """Insert the batch's event ids as keys in one statement; returns those that were new. A key
    another batch holds (or took a moment ago, concurrently) comes back as not new: a duplicate."""
    first_seen: dict[str, object] = {}
    for event in events:
        first_seen.setdefault(event["event_id"], event["occurred_at"])
    if not first_seen:
        return set()
    table = CustomerEventKey._meta.db_table
    if connection.vendor == "postgresql":
        # The ids and times as two arrays: a statement of the same short text for any batch, which
        # the driver converts and PostgreSQL parses in no time (and prepares), where 500 rows of
        # placeholders took some 5 ms to convert alone.
        rows = "SELECT %s, * FROM unnest(%s::varchar[], %s::timestamptz[])"
        params = [shop.pk, list(first_seen), list(first_seen.values())]
    else:
        rows = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(first_seen))
        params = [value for event_id, at in first_seen.items() for value in (shop.pk, event_id, at)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (shop_id, event_id, occurred_at) {rows} "
            "ON CONFLICT (shop_id, event_id) DO NOTHING RETURNING event_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def events_ingest(*, shop: Shop, events: Sequence[dict], customers: Mapping[str, int] | None = None) -> list[Outcome]:
    """Store a batch of checked events (at most MAX_BATCH); returns each one's outcome, in order.

    Each event is a dict with `event_id`, `type`, `occurred_at` and optionally `customer_id` (the
    storefront's customer id), `anonymous_id`, `session_id`, `channel`, `properties`. An `event_id`
    the shop already has, or one repeated in the batch, is a duplicate: skipped, not an error. An
    event is attached to the customer with that storefront id, else to the customer its anonymous id
    was identified as; an unknown customer id is kept and claimed when that customer is created.
    A batch costs a fixed number of queries, whatever its size. `customers` (storefront id -> our id
    of the current profile) names customers the caller has in hand, which are not looked up again."""
    if len(events) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} events per batch")
    # No savepoint inside a caller's transaction: nothing in here refuses, so a failure is the
    # caller's to roll back with everything else.
    with transaction.atomic(savepoint=False):
        new_ids = _keys_insert(shop, events)
        known = dict(customers or {})
        wanted = {e["customer_id"] for e in events if e.get("customer_id")} - known.keys()
        by_external_id = known | _customers_by_external_id(shop, wanted)
        by_anonymous_id = _customers_by_anonymous_id(shop, {e["anonymous_id"] for e in events if e.get("anonymous_id")})
        outcomes, rows = [], []
        received_at = timezone.now()
        for event in events:
            if event["event_id"] not in new_ids:
                outcomes.append(Outcome.DUPLICATE)
                continue
            new_ids.discard(event["event_id"])  # a second copy in the same batch is a duplicate
            outcomes.append(Outcome.ACCEPTED)
            external_id = event.get("customer_id") or ""
            anonymous_id = event.get("anonymous_id") or ""
            rows.append(
                {
                    "shop_id": shop.pk,
                    "customer_id": by_external_id.get(external_id) or by_anonymous_id.get(anonymous_id),
                    "customer_external_id": external_id,
                    "anonymous_id": anonymous_id,
                    "session_id": event.get("session_id") or "",
                    "event_id": event["event_id"],
                    "type": event["type"],
                    "channel": event.get("channel") or "",
                    "properties": event.get("properties") or {},
                    "occurred_at": event["occurred_at"],
                    "received_at": received_at,
                }
            )
        copy_values(CustomerEvent, rows)  # one COPY: a third of bulk_create's time for 500 events
        # Model rows only for the events of customers, which the journeys receive.
        owned = [CustomerEvent(**row) for row in rows if row["customer_id"]]
        for row in owned:
            row.shop = shop  # the instance in hand, not one more query for a receiver that reads it
        if owned:
            latest: dict[int, datetime] = {}
            for row in owned:
                latest[row.customer_id] = max(row.occurred_at, latest.get(row.customer_id, row.occurred_at))
            customers_last_seen_advance(shop_id=shop.pk, latest=latest)
            journey_stages_refresh_for_events(shop_id=shop.pk, events=[(row.customer_id, row.type) for row in owned])
            transaction.on_commit(lambda: events_recorded.send(sender=CustomerEvent, shop=shop, events=owned))
    return outcomes


def customer_identify(*, customer: Customer, anonymous_id: str) -> int:
    """Link an anonymous storefront id to the customer: later events with it are the customer's,
    and earlier ones that belong to nobody are attached now. Returns how many events were attached.

    Push subscriptions registered under the anonymous id and belonging to nobody become the customer's.
    An id identified before as someone else (a shared device) now points to this customer; events
    already attached to the other customer stay theirs."""
    with transaction.atomic():
        AnonymousIdentity.objects.update_or_create(
            shop_id=customer.shop_id,
            anonymous_id=anonymous_id,
            defaults={"customer": customer, "identified_at": timezone.now()},
        )
        attached = CustomerEvent.objects.filter(
            shop_id=customer.shop_id, anonymous_id=anonymous_id, customer__isnull=True
        ).update(customer=customer)
        # A browser that subscribed to push before logging in is now the customer's.
        PushSubscription.objects.filter(
            shop_id=customer.shop_id, anonymous_id=anonymous_id, customer__isnull=True
        ).update(customer=customer)
        if attached:
            customers_last_seen_refresh(shop_id=customer.shop_id, customer_ids=[customer.pk])
            journey_stages_refresh(shop_id=customer.shop_id, customer_ids=[customer.pk])
    return attached


def events_kept_since(*, now=None) -> datetime:
    """The first instant of the oldest month of events kept (months cut in UTC, as the partitions are)."""
    this_month = partitions.month_start((now or timezone.now()).astimezone(UTC).date())
    cutoff = partitions.add_months(this_month, -settings.EVENTS_RETENTION_MONTHS)
    return datetime(cutoff.year, cutoff.month, 1, tzinfo=UTC)


def events_retention_apply(*, now=None) -> dict[str, int]:
    """Forget behaviour events older than EVENTS_RETENTION_MONTHS (whole months) and make the
    partitions of the months ahead. On PostgreSQL old months are dropped as partitions; elsewhere
    their rows are deleted. Returns what was dropped, deleted and created. Safe to run twice."""
    cutoff_at = events_kept_since(now=now)
    cutoff = cutoff_at.date()
    this_month = partitions.add_months(cutoff, settings.EVENTS_RETENTION_MONTHS)
    done = {"partitions_dropped": 0, "partitions_created": 0, "events_deleted": 0}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if partitions.is_partitioned(cursor):
                    # Deferred foreign-key checks of rows written in this transaction must run before
                    # their partition can go.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    done["partitions_dropped"] = partitions.drop_partitions_before(cursor, cutoff)
                    last = partitions.add_months(this_month, partitions.MONTHS_AHEAD)
                    done["partitions_created"] = partitions.create_partitions(cursor, this_month, last)
        done["events_deleted"], _ = CustomerEvent.objects.filter(occurred_at__lt=cutoff_at).delete()
        CustomerEventKey.objects.filter(occurred_at__lt=cutoff_at).delete()
    return done
