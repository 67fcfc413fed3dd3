"""Campaigns: their terms and the rules they keep, create and change, status transitions, duplicates.

Every write records itself in the kernel's audit log (a campaign spends the shop's money)."""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel
from promotions.models import PERCENTAGE_KINDS, Campaign, CodeMode, Kind, Status, Voucher
from promotions.selectors import catalogue_products, normalize_code
from sellercenter.actor import Actor
from sellercenter.audit import audit_record, audit_snapshot
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import AuditAction
from sellercenter.money import ZERO

CODE_PATTERN = re.compile(r"[A-Z0-9_-]{3,32}")


# Every term a campaign has, with its default when a create leaves it out.
OPTIONAL_TERMS = {
    "description": "",
    "skus": [],
    "gift_sku": "",
    "gift_quantity": 1,
    "min_subtotal": ZERO,
    "max_discount": None,
    "usage_limit_total": None,
    "usage_limit_per_customer": None,
    "tiers": [],
    "segment": None,
    "channels": [],
    "first_order_only": False,
    "exclusive": False,
    "priority": 0,
    "code_mode": CodeMode.AUTOMATIC,
    "code": "",
}


REQUIRED_TERMS = ("name", "kind", "value", "starts_at", "ends_at", "budget")


TERMS = (*REQUIRED_TERMS, *OPTIONAL_TERMS)


# Once a campaign has started, what it offers and to whom is fixed (results would stop meaning
# anything); staff may still rename it, move its end, resize its budget and limits, reorder it.
LIVE_TERMS = {"name", "description", "ends_at", "budget", "usage_limit_total", "usage_limit_per_customer", "priority"}


def campaign_terms(campaign: Campaign) -> dict:
    """The campaign's current terms, as campaign_create takes them."""
    terms = {name: getattr(campaign, name) for name in TERMS if name != "tiers"}
    terms["tiers"] = list(campaign.tiers.all()) if campaign.pk else []
    return terms


def _normalized(terms: dict) -> dict:
    """Drop what the kind or code mode does not use, so a stale value cannot linger unseen."""
    terms = {**terms, "name": terms["name"].strip(), "code": normalize_code(terms["code"] or "")}
    terms["skus"] = list(dict.fromkeys(s.strip() for s in terms["skus"] or [] if s.strip()))
    terms["channels"] = list(dict.fromkeys(terms["channels"] or []))
    if terms["kind"] != Kind.SKU_PERCENTAGE:
        terms["skus"] = []
    if terms["kind"] != Kind.FREE_GIFT:
        terms["gift_sku"], terms["gift_quantity"] = "", 1
    if terms["code_mode"] != CodeMode.SHARED:
        terms["code"] = ""
    return terms


def _offer_errors(terms: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not terms["name"]:
        errors["name"] = [_("This field is required.")]
    if terms["kind"] not in Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if terms["value"] is None or terms["value"] <= 0:
        errors["value"] = [_("Must be more than 0.")]
    elif terms["kind"] in PERCENTAGE_KINDS and terms["value"] > 100:
        errors["value"] = [_("A percentage cannot be more than 100.")]
    if terms["kind"] == Kind.SKU_PERCENTAGE and not terms["skus"]:
        errors["skus"] = [_("List the SKUs the discount applies to.")]
    if terms["kind"] == Kind.FREE_GIFT and not terms["gift_sku"].strip():
        errors["gift_sku"] = [_("Name the SKU given away.")]
    if terms["kind"] == Kind.FREE_GIFT and (terms["gift_quantity"] or 0) < 1:
        errors["gift_quantity"] = [_("Must be at least 1.")]
    if terms["min_subtotal"] is None or terms["min_subtotal"] < 0:
        errors["min_subtotal"] = [_("Must not be negative.")]
    if terms["max_discount"] is not None and terms["max_discount"] <= 0:
        errors["max_discount"] = [_("Must be more than 0, or empty for no cap.")]
    return errors


def _limit_errors(terms: dict, campaign: Campaign | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    starts_at, ends_at = terms["starts_at"], terms["ends_at"]
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give a date and time with its time zone.")]
    if ends_at is None or timezone.is_naive(ends_at):
        errors["ends_at"] = [_("Give a date and time with its time zone.")]
    elif "starts_at" not in errors and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    spent = campaign.spent if campaign else ZERO
    if terms["budget"] is None or terms["budget"] <= 0:
        errors["budget"] = [_("Must be more than 0.")]
    elif terms["budget"] < spent:
        errors["budget"] = [_("Cannot be less than what is already spent (%(spent)s).") % {"spent": spent}]
    for name in ("usage_limit_total", "usage_limit_per_customer"):
        if terms[name] is not None and terms[name] < 1:
            errors[name] = [_("Must be at least 1, or empty for no limit.")]
    uses = campaign.uses_count if campaign else 0
    if terms["usage_limit_total"] is not None and terms["usage_limit_total"] < uses:
        errors["usage_limit_total"] = [_("Cannot be less than the uses so far (%(uses)d).") % {"uses": uses}]
    return errors


def _audience_errors(terms: dict, shop) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(terms["channels"]) - set(Channel.values))
    if unknown:
        errors["channels"] = [_("Unknown channel: %(channels)s.") % {"channels": ", ".join(unknown)}]
    if any(tier.shop_id != shop.pk for tier in terms["tiers"]):
        errors["tiers"] = [_("This belongs to another shop.")]
    if terms["segment"] is not None and terms["segment"].shop_id != shop.pk:
        errors["segment"] = [_("This belongs to another shop.")]
    return errors


def _code_errors(terms: dict, shop, campaign: Campaign | None) -> dict[str, list[str]]:
    if terms["code_mode"] not in CodeMode.values:
        return {"code_mode": [_("Unknown code mode.")]}
    leaves_unique = campaign is not None and campaign.code_mode == CodeMode.UNIQUE != terms["code_mode"]
    if leaves_unique and campaign.vouchers.exists():
        return {"code_mode": [_("This campaign has voucher codes; it must keep unique codes.")]}
    code = terms["code"]
    if terms["code_mode"] != CodeMode.SHARED:
        return {}
    if not CODE_PATTERN.fullmatch(code):
        return {"code": [_("Use 3 to 32 letters, digits, - or _.")]}
    if _code_taken(shop, code, campaign):
        return {"code": [_("This code is already used by another campaign of the shop.")]}
    return {}


def _code_taken(shop, code: str, campaign: Campaign | None) -> bool:
    others = Campaign.objects.filter(shop=shop, code=code)
    if campaign is not None:
        others = others.exclude(pk=campaign.pk)
    return others.exists() or Voucher.objects.filter(shop=shop, code=code).exists()


def campaign_validate(*, shop, terms: dict, campaign: Campaign | None = None) -> dict:
    """The full terms of a new or changed campaign, normalized; InvalidInput naming every field at fault.

    The admin form calls this too, so the rules live only here."""
    terms = _normalized(terms)
    errors = {
        **_offer_errors(terms),
        **_limit_errors(terms, campaign),
        **_audience_errors(terms, shop),
        **_code_errors(terms, shop, campaign),
    }
    if errors:
        raise InvalidInput(fields=errors)
    return terms


def _audited(campaign: Campaign) -> dict:
    return audit_snapshot(campaign, TERMS)


def _created(campaign: Campaign, actor: Actor | None) -> Campaign:
    audit_record(actor=actor, shop=campaign.shop, action=AuditAction.CREATE, obj=campaign, after=_audited(campaign))
    return campaign


def _save_terms(campaign: Campaign, terms: dict) -> Campaign:
    tiers = terms.pop("tiers")
    for name, value in terms.items():
        setattr(campaign, name, value)
    campaign.save()
    campaign.tiers.set(tiers)
    return campaign


def campaign_create(*, shop, actor: Actor | None = None, **terms) -> Campaign:
    """Create a draft campaign, recorded in the audit log (`actor` None: a system job). Required terms:
    name, kind, value, starts_at, ends_at, budget; the others (see OPTIONAL_TERMS) default. Refuses
    invalid terms (InvalidInput naming each field)."""
    unknown = set(terms) - set(TERMS)
    if unknown:
        raise TypeError(f"unknown campaign terms: {sorted(unknown)}")
    missing = [name for name in REQUIRED_TERMS if terms.get(name) in (None, "")]
    if missing:
        raise InvalidInput(fields={name: [_("This field is required.")] for name in missing})
    validated = campaign_validate(shop=shop, terms={**OPTIONAL_TERMS, **terms})
    with transaction.atomic():
        return _created(_save_terms(Campaign(shop=shop), validated), actor)


def campaign_update(*, campaign: Campaign, actor: Actor | None = None, **changes) -> Campaign:
    """Change a campaign's terms, recording old -> new in the audit log. Once it has started only its
    name, description, end, budget, limits and priority may change (NotAllowed otherwise); the budget
    never drops below what is spent."""
    unknown = set(changes) - set(TERMS)
    if unknown:
        raise TypeError(f"unknown campaign terms: {sorted(unknown)}")
    with transaction.atomic():
        campaign = _locked(campaign)
        current = campaign_terms(campaign)
        changed = {name for name, value in changes.items() if _differs(current[name], value)}
        if campaign.status not in (Status.DRAFT, Status.SCHEDULED) and changed - LIVE_TERMS:
            raise NotAllowed(
                _("Once started, only the name, description, end, budget, limits and priority can change."),
                fields={name: [_("Cannot change once the campaign has started.")] for name in changed - LIVE_TERMS},
            )
        validated = campaign_validate(shop=campaign.shop, terms={**current, **changes}, campaign=campaign)
        before = _audited(campaign)
        campaign = _save_terms(campaign, validated)
        audit_record(
            actor=actor,
            shop=campaign.shop,
            action=AuditAction.UPDATE,
            obj=campaign,
            before=before,
            after=_audited(campaign),
        )
        return campaign


def _differs(current, new) -> bool:
    if isinstance(current, list) and current and hasattr(current[0], "pk"):
        return {obj.pk for obj in current} != {obj.pk for obj in new}
    return current != new


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update(of=("self",)).select_related("shop").get(pk=campaign.pk)


def _refuse(campaign: Campaign, message) -> None:
    raise NotAllowed(message, status=campaign.status, campaign_id=campaign.pk)


def _mark(campaign: Campaign, *, allowed, refusal, field: str, value, action: str, actor: Actor | None) -> Campaign:
    """Lock the campaign, refuse unless `allowed(campaign)`, then set one of its status marks and
    record `action` in the audit log."""
    with transaction.atomic():
        campaign = _locked(campaign)
        if not allowed(campaign):
            _refuse(campaign, refusal)
        before = audit_snapshot(campaign, [field])
        setattr(campaign, field, value)
        campaign.save(update_fields=[field, "updated_at"])
        audit_record(
            actor=actor,
            shop=campaign.shop,
            action=action,
            obj=campaign,
            before=before,
            after=audit_snapshot(campaign, [field]),
        )
    return campaign


def _unknown_products(campaign: Campaign) -> dict[str, list[str]]:
    """The campaign's SKUs and gift SKU that are no product of its shop, by field."""
    wanted = set(campaign.skus if campaign.kind == Kind.SKU_PERCENTAGE else [])
    if campaign.kind == Kind.FREE_GIFT:
        wanted.add(campaign.gift_sku)
    known = catalogue_products(shop=campaign.shop, skus=wanted)
    errors = {}
    missing = [sku for sku in campaign.skus if sku not in known] if campaign.kind == Kind.SKU_PERCENTAGE else []
    if missing:
        errors["skus"] = [_("No product of the shop has the SKU %(skus)s.") % {"skus": ", ".join(missing)}]
    if campaign.kind == Kind.FREE_GIFT and campaign.gift_sku not in known:
        errors["gift_sku"] = [_("No product of the shop has the SKU %(skus)s.") % {"skus": campaign.gift_sku}]
    return errors


def _publishable(campaign: Campaign) -> bool:
    if campaign.published_at is None and campaign.ends_at <= timezone.now():
        raise InvalidInput(fields={"ends_at": [_("The end has already passed; move it before publishing.")]})
    if campaign.published_at is None:
        errors = _unknown_products(campaign)
        if errors:
            message = " ".join(message for messages in errors.values() for message in messages)
            raise InvalidInput(message, fields=errors, code="unknown_products")
    return campaign.published_at is None


def campaign_publish(*, campaign: Campaign, actor: Actor | None = None) -> Campaign:
    """Publish a draft: from now on it runs by its dates. Refuses a campaign already published
    (NotAllowed), one whose end has passed (InvalidInput on `ends_at`), and one whose SKUs or gift
    SKU are no products of the shop (InvalidInput on `skus` / `gift_sku`, code `unknown_products`)."""
    return _mark(
        campaign,
        allowed=_publishable,
        refusal=_("Only a draft can be published."),
        field="published_at",
        value=timezone.now(),
        action=AuditAction.PUBLISH,
        actor=actor,
    )


def campaign_pause(*, campaign: Campaign, actor: Actor | None = None) -> Campaign:
    """Stop a published campaign from applying until it is resumed. Refuses drafts, ended and paused ones."""
    return _mark(
        campaign,
        allowed=lambda c: c.published_at is not None and c.paused_at is None and c.status != Status.ENDED,
        refusal=_("Only a running or scheduled campaign can be paused."),
        field="paused_at",
        value=timezone.now(),
        action=AuditAction.PAUSE,
        actor=actor,
    )


def campaign_resume(*, campaign: Campaign, actor: Actor | None = None) -> Campaign:
    """Let a paused campaign apply again. Refuses one that is not paused or has ended."""
    return _mark(
        campaign,
        allowed=lambda c: c.paused_at is not None and c.status != Status.ENDED,
        refusal=_("Only a paused campaign can be resumed."),
        field="paused_at",
        value=None,
        action=AuditAction.RESUME,
        actor=actor,
    )


def campaign_end(*, campaign: Campaign, actor: Actor | None = None) -> Campaign:
    """End a published campaign now, before its end date; it never applies again. Refuses drafts
    (delete them instead) and campaigns already ended."""
    return _mark(
        campaign,
        allowed=lambda c: c.published_at is not None and c.status != Status.ENDED,
        refusal=_("Only a published campaign that has not ended can be ended."),
        field="ended_at",
        value=timezone.now(),
        action=AuditAction.END,
        actor=actor,
    )


def campaign_duplicate(*, campaign: Campaign, actor: Actor | None = None) -> Campaign:
    """A draft copy of the campaign's terms, with nothing spent and no code (codes are unique per
    shop): staff set its dates and code, then publish it. The copy's creation is audited."""
    name = (_("%(name)s (copy)") % {"name": campaign.name})[:200]
    terms = {**campaign_terms(campaign), "name": name, "code": ""}
    if terms["code_mode"] == CodeMode.SHARED:
        terms["code_mode"] = CodeMode.AUTOMATIC
    with transaction.atomic():
        copy = _created(_save_terms(Campaign(shop=campaign.shop), _normalized(terms)), actor)
    return copy
