"""Merging duplicate profiles, and the customer's personal-data rights: export and erasure."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import (
    Address,
    AnonymousIdentity,
    ConsentRecord,
    Customer,
    CustomerEvent,
    CustomerMerge,
    CustomerPurchase,
    CustomerTag,
    PersonalDataRequest,
)
from customers.selectors import customer_personal_data, customer_profile_data, merge_survivor
from customers.services.journey import customers_last_seen_refresh, journey_stages_refresh
from customers.services.profiles import PROFILE_FIELDS, customer_check_current
from customers.signals import customer_erased, customer_merged
from sellercenter.actor import Actor
from sellercenter.errors import InvalidInput

# A merge nobody asked for by hand (a job, a data fix) is the system's.
MERGE_JOB = Actor.system("customer merge")


def _json_ready(data):
    """Dates, Decimals and the like as strings, as they go into a JSONField or an HTTP answer."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# --- Merge -----------------------------------------------------------------------------------------


def _move_addresses(source: Customer, target: Customer) -> int:
    if Address.objects.filter(customer=target, is_default=True).exists():
        Address.objects.filter(customer=source).update(is_default=False)
    return Address.objects.filter(customer=source).update(customer=target)


def _move_tags(source: Customer, target: Customer) -> int:
    names = list(CustomerTag.objects.filter(customer=source).values_list("name", flat=True))
    CustomerTag.objects.bulk_create(
        [CustomerTag(shop_id=target.shop_id, customer=target, name=name) for name in names], ignore_conflicts=True
    )
    CustomerTag.objects.filter(customer=source).delete()
    return len(names)


def _move_rows(source: Customer, target: Customer) -> dict[str, int]:
    return {
        "events": CustomerEvent.objects.filter(customer=source).update(customer=target),
        "addresses": _move_addresses(source, target),
        "consent_records": ConsentRecord.objects.filter(customer=source).update(customer=target),
        "purchases": CustomerPurchase.objects.filter(customer=source).update(customer=target),
        "anonymous_ids": AnonymousIdentity.objects.filter(customer=source).update(customer=target),
        "tags": _move_tags(source, target),
        "referrals": Customer.objects.filter(referred_by=source).exclude(pk=target.pk).update(referred_by=target),
        "earlier_merges": Customer.objects.filter(merged_into=source).update(merged_into=target),
    }


def _earliest(*moments):
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def _latest(*moments):
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def _fold_facts_and_blanks(source: Customer, target: Customer) -> None:
    """Add the source's purchase facts to the target's and fill the target's empty profile fields."""
    filled = {
        name: getattr(source, name)
        for name in PROFILE_FIELDS
        if name != "referred_by" and getattr(target, name) in ("", None) and getattr(source, name) not in ("", None)
    }
    # Neither profile may end up referred by itself.
    referrer_id = target.referred_by_id or source.referred_by_id
    filled["referred_by_id"] = None if referrer_id in (source.pk, target.pk) else referrer_id
    Customer.objects.filter(pk=target.pk).update(
        orders_count=F("orders_count") + source.orders_count,
        discounted_orders_count=F("discounted_orders_count") + source.discounted_orders_count,
        total_spent=F("total_spent") + source.total_spent,
        first_order_at=_earliest(target.first_order_at, source.first_order_at),
        last_order_at=_latest(target.last_order_at, source.last_order_at),
        updated_at=timezone.now(),
        **filled,
    )
    Customer.objects.filter(pk=source.pk).update(
        merged_into=target,
        orders_count=0,
        discounted_orders_count=0,
        total_spent=0,
        first_order_at=None,
        last_order_at=None,
        updated_at=timezone.now(),
    )


def customer_merge(*, source: Customer, target: Customer, actor: Actor | None = None) -> CustomerMerge:
    """Fold the duplicate `source` into `target`: its events, addresses (the target's default stays the
    default), consent history, purchases, anonymous ids, tags and referrals move over, its purchase
    facts are added, and the target's empty profile fields are filled from it. The source stays as a
    marker pointing at the target (its storefront id keeps working) and the merge is recorded.
    Sends `customer_merged` (with `actor`, who merged: None is a system job) so that the apps above
    move their rows too; the merge records the staff member behind `actor`.

    Refuses merging a profile into itself or across shops (InvalidInput), and erased or already
    merged profiles (NotAllowed)."""
    if source.pk == target.pk:
        raise InvalidInput(
            _("A profile cannot be merged into itself."), fields={"target": [_("Choose another profile.")]}
        )
    if source.shop_id != target.shop_id:
        raise InvalidInput(
            _("Only profiles of the same shop can be merged."),
            fields={"target": [_("Choose a profile of the same shop.")]},
        )
    with transaction.atomic():
        locked = {
            c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        customer_check_current(source)
        customer_check_current(target)
        snapshot = _json_ready(customer_profile_data(source))
        moved = _move_rows(source, target)
        _fold_facts_and_blanks(source, target)
        customers_last_seen_refresh(shop_id=target.shop_id, customer_ids=[target.pk])
        journey_stages_refresh(shop_id=target.shop_id, customer_ids=[target.pk])
        merge = CustomerMerge.objects.create(
            shop_id=target.shop_id,
            target=target,
            source=source,
            source_snapshot=snapshot,
            moved=moved,
            merged_by=actor.user if actor is not None else None,
        )
        source.refresh_from_db()
        target.refresh_from_db()
        customer_merged.send(sender=Customer, source=source, target=target, actor=actor or MERGE_JOB)
    return merge


# --- Personal-data rights --------------------------------------------------------------------------


def customer_merge_duplicates(*, customers, actor: Actor | None = None) -> tuple[Customer, list[CustomerMerge]]:
    """Merge duplicate profiles into the one that survives (`merge_survivor`: most orders, then the
    oldest), all or none: one refusal (see `customer_merge`) merges nothing. Returns the survivor
    and the merges recorded."""
    profiles = list(customers)
    target = merge_survivor(customers=profiles)
    with transaction.atomic():
        merges = [
            customer_merge(source=source, target=target, actor=actor)
            for source in sorted(profiles, key=lambda customer: customer.pk)
            if source.pk != target.pk
        ]
    return target, merges


def personal_data_request_open(
    *, customer: Customer, kind: str, requested_by=None, api_key=None, reason: str = ""
) -> PersonalDataRequest:
    """Record a customer's request to export or erase their personal data, received but not carried
    out yet: it stays open (a to-do on the home) until `customer_export` or `customer_erase` completes it.
    Refuses an unknown kind (InvalidInput) and a profile already erased or merged (NotAllowed)."""
    if kind not in PersonalDataRequest.Kind.values:
        raise InvalidInput(fields={"kind": [_("Choose export or erasure.")]})
    customer_check_current(Customer.objects.get(pk=customer.pk))
    return PersonalDataRequest.objects.create(
        shop_id=customer.shop_id,
        customer=customer,
        kind=kind,
        requested_by=requested_by,
        api_key=api_key,
        reason=reason.strip()[:255],
    )


def _record_carried_out(*, customer: Customer, kind: str, requested_by, api_key, reason: str = ""):
    """Complete the customer's open requests of this kind, or record a completed one if none was open.
    Returns the request that stands for this time (the latest one completed)."""
    with transaction.atomic():
        now = timezone.now()
        pending = list(
            PersonalDataRequest.objects.select_for_update()
            .filter(customer=customer, kind=kind, completed_at__isnull=True)
            .order_by("pk")
        )
        if not pending:
            return PersonalDataRequest.objects.create(
                shop_id=customer.shop_id,
                customer=customer,
                kind=kind,
                requested_by=requested_by,
                api_key=api_key,
                reason=reason[:255],
                completed_at=now,
            )
        PersonalDataRequest.objects.filter(pk__in=[request.pk for request in pending]).update(completed_at=now)
        latest = pending[-1]
        latest.completed_at = now
        return latest


def customer_export(*, customer: Customer, requested_by=None, api_key=None) -> dict:
    """Everything the shop holds about the customer, JSON-ready, for a data-access request.
    Every export is recorded (who, when) and completes the customer's open export requests."""
    customer = Customer.objects.get(pk=customer.pk)  # the facts change by UPDATEs: read them fresh
    data = _json_ready(customer_personal_data(customer=customer))
    _record_carried_out(
        customer=customer, kind=PersonalDataRequest.Kind.EXPORT, requested_by=requested_by, api_key=api_key
    )
    return data


ERASED_VALUES = {
    "external_id": None,
    "full_name": "",
    "email": "",
    "phone": "",
    "gender": "",
    "birth_date": None,
    "acquisition_source": "",
    "utm_source": "",
    "utm_medium": "",
    "utm_campaign": "",
    "note": "",
    "referred_by": None,
}


def customer_erase(*, customer: Customer, requested_by=None, api_key=None, reason: str = "") -> PersonalDataRequest:
    """Erase the customer's personal data at their request: profile fields are blanked (also on
    profiles merged into this one), addresses, tags and anonymous ids deleted, events detached from
    them. Purchase facts and purchases stay (financial records), and so do consent records (the
    proof of what was agreed). The storefront id is released: a later sign-up starts a new profile.
    Records the erasure (completing the customer's open erasure requests) and sends `customer_erased`.

    Refuses a profile already erased or merged into another one (NotAllowed: erase the kept one)."""
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        customer_check_current(locked)
        profile_ids = [locked.pk, *Customer.objects.filter(merged_into=locked).values_list("pk", flat=True)]
        Customer.objects.filter(pk__in=profile_ids).update(
            **ERASED_VALUES, erased_at=timezone.now(), updated_at=timezone.now()
        )
        Address.objects.filter(customer_id__in=profile_ids).delete()
        CustomerTag.objects.filter(customer_id__in=profile_ids).delete()
        AnonymousIdentity.objects.filter(customer_id__in=profile_ids).delete()
        CustomerEvent.objects.filter(customer_id__in=profile_ids).update(
            customer=None, customer_external_id="", anonymous_id=""
        )
        CustomerMerge.objects.filter(target=locked).update(source_snapshot={})
        journey_stages_refresh(shop_id=locked.shop_id, customer_ids=profile_ids)
        audit = _record_carried_out(
            customer=locked,
            kind=PersonalDataRequest.Kind.ERASE,
            requested_by=requested_by,
            api_key=api_key,
            reason=reason,
        )
        locked.refresh_from_db()
        customer_erased.send(sender=Customer, customer=locked)
    return audit
