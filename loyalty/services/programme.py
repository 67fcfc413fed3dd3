"""The shop's programme settings and its tiers: set-up, changes, and the rules a tier set must keep.

Changes to the rules and tiers shape what members earn: each writes a row in the kernel's audit log."""

from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loyalty.defaults import DEFAULT_TIERS
from loyalty.models import ProgrammeSettings, Tier
from sellercenter.actor import Actor
from sellercenter.audit import audit_record, audit_snapshot
from sellercenter.bulk import insert_unless_present
from sellercenter.errors import InvalidInput
from sellercenter.models import AuditAction, Shop

TIER_FIELDS = ("name", "threshold", "earn_multiplier", "benefits")


def programme_set_up(*, shop: Shop) -> ProgrammeSettings:
    """Give `shop` its programme settings and the five default tiers. Keeps whatever already exists,
    so it is safe to run twice (the shop_created receiver and the data migration both use it)."""
    # No savepoint inside a caller's transaction (a new shop's): nothing in here refuses.
    with transaction.atomic(savepoint=False):
        programme = ProgrammeSettings(shop=shop)
        if not insert_unless_present(programme):
            programme = ProgrammeSettings.objects.get(shop=shop)
        # A tier the shop has keeps its settings: its (shop, rank) key is taken.
        Tier.objects.bulk_create([Tier(shop=shop, **spec) for spec in DEFAULT_TIERS], ignore_conflicts=True)
    return programme


def _programme_fields() -> list[str]:
    return [f.name for f in ProgrammeSettings._meta.concrete_fields if f.name not in ("id", "shop", "updated_at")]


def programme_update(*, programme: ProgrammeSettings, actor: Actor | None = None, **fields) -> ProgrammeSettings:
    """Change the programme rules, recording old -> new in the audit log (`actor` None: a system job).
    Refuses values outside the fields' limits (InvalidInput naming them)."""
    editable = _programme_fields()
    unknown = set(fields) - set(editable)
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    with transaction.atomic():
        locked = ProgrammeSettings.objects.select_for_update(of=("self",)).select_related("shop").get(pk=programme.pk)
        before = audit_snapshot(locked, editable)
        for name, value in fields.items():
            setattr(locked, name, value)
        _full_clean(locked, exclude=["shop"])
        locked.save()
        audit_record(
            actor=actor,
            shop=locked.shop,
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after=audit_snapshot(locked, editable),
        )
    return locked


def tiers_check(*, tiers: list[dict]) -> None:
    """Refuse a tier set that breaks the rules: the lowest tier is for everyone (threshold 0) and
    thresholds strictly increase with rank. `tiers` are dicts with `rank` and `threshold`."""
    ordered = sorted(tiers, key=lambda tier: tier["rank"])
    errors: dict[str, list[str]] = {}
    if ordered and ordered[0]["threshold"] != 0:
        errors["tiers.1.threshold"] = [_("The lowest tier is for every member: its threshold must be 0.")]
    for lower, higher in pairwise(ordered):
        if higher["threshold"] <= lower["threshold"]:
            errors[f"tiers.{higher['rank']}.threshold"] = [
                _("Thresholds must strictly increase with rank: %(name)s needs more than %(lower)s.")
                % {"name": higher.get("name", higher["rank"]), "lower": lower["threshold"]}
            ]
    if errors:
        raise InvalidInput(_("The tiers are not in order."), fields=errors)


def tiers_update(*, shop: Shop, changes: dict[int, dict], actor: Actor | None = None) -> list[Tier]:
    """Change the shop's tiers at once: {rank: {"name": ..., "threshold": ..., "earn_multiplier": ...,
    "benefits": ...}}, one audit row per tier changed. The new set is checked as a whole
    (`tiers_check`), so thresholds can be moved past each other in one change. Refuses unknown ranks
    and invalid values; nothing is saved then."""
    with transaction.atomic():
        tiers = {tier.rank: tier for tier in Tier.objects.select_for_update().filter(shop=shop).order_by("pk")}
        before = {rank: audit_snapshot(tier, TIER_FIELDS) for rank, tier in tiers.items()}
        for rank, values in changes.items():
            if rank not in tiers or set(values) - set(TIER_FIELDS):
                raise InvalidInput(fields={f"tiers.{rank}": [_("Unknown tier or field.")]})
            for name, value in values.items():
                setattr(tiers[rank], name, value)
        for tier in tiers.values():
            _full_clean(tier, exclude=["shop"], prefix=f"tiers.{tier.rank}.")
        tiers_check(tiers=[{"rank": t.rank, "threshold": t.threshold, "name": t.name} for t in tiers.values()])
        for rank in changes:
            tiers[rank].save()
            audit_record(
                actor=actor,
                shop=shop,
                action=AuditAction.UPDATE,
                obj=tiers[rank],
                before=before[rank],
                after=audit_snapshot(tiers[rank], TIER_FIELDS),
            )
    return [tiers[rank] for rank in sorted(tiers)]


def _full_clean(instance, *, exclude: list[str], prefix: str = "") -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput(fields={f"{prefix}{name}": msgs for name, msgs in error.message_dict.items()}) from None
