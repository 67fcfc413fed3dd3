"""Saved segments: rules are checked when saved, and every shop starts with the built-in ones."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from customers.models import BuiltinSegment, Segment
from customers.segment_rules import rules_validate
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.models import Shop

AT_RISK_DAYS = 60

NO_ORDER = {"kind": "attribute", "field": "orders_count", "op": "eq", "value": 0}
# key -> (match, rules). Names and descriptions come from BuiltinSegment and BUILTIN_DESCRIPTIONS.
BUILTIN_RULES = {
    BuiltinSegment.BROWSERS: [{"kind": "event", "type": "product_view"}, NO_ORDER],
    BuiltinSegment.RESEARCHERS: [
        {"kind": "event", "type": ["product_view", "search"], "within_days": 30, "min_count": 10},
        NO_ORDER,
    ],
    BuiltinSegment.BUYERS: [{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 1}],
    BuiltinSegment.REPEAT_BUYERS: [{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2}],
    BuiltinSegment.AT_RISK: [
        {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 1},
        {"kind": "attribute", "field": "last_order_at", "op": "older_than_days", "value": AT_RISK_DAYS},
    ],
    BuiltinSegment.BARGAIN_HUNTERS: [
        {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2},
        {"kind": "discount_share", "op": "gte", "value": 50},
    ],
}


def _builtin_descriptions() -> dict[str, str]:
    return {
        BuiltinSegment.BROWSERS: _("Viewed at least one product and never ordered."),
        BuiltinSegment.RESEARCHERS: _("Ten or more product views or searches in the last 30 days, no order yet."),
        BuiltinSegment.BUYERS: _("At least one order."),
        BuiltinSegment.REPEAT_BUYERS: _("Two orders or more."),
        BuiltinSegment.AT_RISK: _("Bought before, but no order for %(days)d days.") % {"days": AT_RISK_DAYS},
        BuiltinSegment.BARGAIN_HUNTERS: _("Two orders or more, at least half of them with a discount."),
    }


def _clean_name(name) -> str:
    name = name.strip() if isinstance(name, str) else ""
    max_length = Segment._meta.get_field("name").max_length
    if not name or len(name) > max_length:
        raise InvalidInput(fields={"name": [_("Give a name of 1 to %(max)d characters.") % {"max": max_length}]})
    return name


def _save(segment: Segment) -> Segment:
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        message = _("The shop already has a segment with this name.")
        raise Conflict(message, code="duplicate_segment_name", fields={"name": [message]}) from None
    return segment


def segment_create(
    *, shop: Shop, name: str, rules: list, match: str = Segment.Match.ALL, description: str = ""
) -> Segment:
    """Save a segment. The rules are checked and stored in their normal form; a bad rule is refused
    with InvalidInput naming it (`rules.<index>.<key>`), a name the shop already uses with Conflict."""
    name = _clean_name(name)
    checked = rules_validate(rules, match=match)
    return _save(Segment(shop=shop, name=name, match=match, rules=checked, description=description or ""))


def segment_update(*, segment: Segment, **fields) -> Segment:
    """Change any of name, description, match and rules, checked as in segment_create."""
    unknown = set(fields) - {"name", "description", "match", "rules"}
    if unknown:
        raise TypeError(f"not segment fields: {', '.join(sorted(unknown))}")
    if "name" in fields:
        segment.name = _clean_name(fields["name"])
    if "description" in fields:
        segment.description = fields["description"] or ""
    match = fields.get("match", segment.match)
    segment.rules = rules_validate(fields.get("rules", segment.rules), match=match)
    segment.match = match
    return _save(segment)


def builtin_segment_rows(keys) -> list[dict]:
    """The fields of the built-in segments `keys`, named in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        descriptions = _builtin_descriptions()
        return [
            {
                "builtin": key,
                "name": str(BuiltinSegment(key).label),
                "description": str(descriptions[key]),
                "match": Segment.Match.ALL,
                "rules": rules_validate(BUILTIN_RULES[key]),
            }
            for key in keys
        ]


def segments_create_builtin(*, shop: Shop) -> list[Segment]:
    """Create the shop's built-in segments that are missing. Returns the ones created."""
    existing = set(Segment.objects.filter(shop=shop).exclude(builtin="").values_list("builtin", flat=True))
    missing = [key for key in BUILTIN_RULES if key not in existing]
    # A staff segment may already carry a built-in's name: that built-in is then left out.
    return Segment.objects.bulk_create(
        [Segment(shop=shop, **fields) for fields in builtin_segment_rows(missing)], ignore_conflicts=True
    )
