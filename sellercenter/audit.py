"""The audit log's one write: `audit_record`, called by each service that changes a setting that shapes
money or access (campaigns, loyalty programme and tiers, fee rules, finance settings, API keys, staff
roles, shop settings), inside the service's transaction, so a change and its row commit together.

    before = audit_snapshot(rule, FIELDS)
    ... change and save the rule ...
    audit_record(actor=actor, shop=rule.shop, action=AuditAction.UPDATE, obj=rule,
                 before=before, after=audit_snapshot(rule, FIELDS))
"""

import json
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from sellercenter.actor import Actor
from sellercenter.models import AuditAction, AuditEntry, Shop


def _plain(value):
    """A value as JSON holds it (Decimal and dates as strings), so that old and new compare alike."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _stored(field, value):
    """A decimal as the column keeps it (`5` set in a form is stored as 5.0000), so that a value
    read back and one just set compare alike."""
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal | int):
        return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def audit_snapshot(obj, fields) -> dict:
    """{field: value} of `obj` as the audit log stores it: a foreign key as its id, a many-to-many
    field as the sorted ids (the object must be saved for those)."""
    snapshot = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = sorted(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        elif field.is_relation:
            value = getattr(obj, field.attname)
        else:
            value = _stored(field, getattr(obj, name))
        snapshot[name] = _plain(value)
    return snapshot


def audit_changes(before: dict | None, after: dict | None) -> dict:
    """{field: [old, new]} for every field whose value differs (a missing side counts as null)."""
    before, after = before or {}, after or {}
    names = [*before, *(name for name in after if name not in before)]
    return {name: [before.get(name), after.get(name)] for name in names if before.get(name) != after.get(name)}


def audit_record(
    *, actor: Actor | None, shop: Shop, action: str, obj, before: dict | None = None, after: dict | None = None
) -> AuditEntry | None:
    """Write one audit row: `actor` (None: an unnamed system job) did `action` to `obj` in `shop`,
    changing `before` into `after` (snapshots; either may be missing for a creation or a deletion).

    An update that changed nothing writes no row and returns None."""
    changes = audit_changes(before, after)
    if action == AuditAction.UPDATE and not changes:
        return None
    actor = actor or Actor.system()
    return AuditEntry.objects.create(
        shop=shop,
        **actor.record_fields(),
        actor_label=actor.who[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
    )
