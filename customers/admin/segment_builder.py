"""The segment builder: the rules field as rows of field, operator and value (customers/static/customers/
segment_builder.js), over the JSON of the rule language (`customers.segment_rules`), which stays the
submitted value and the advanced view. Without JavaScript the JSON textarea is all there is.

Everything the script shows is translated here and handed over as a JSON block (no inline script)."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from unfold.widgets import UnfoldAdminTextareaWidget

from customers.models import (
    AcquisitionChannel,
    Customer,
    EventType,
    Gender,
    JourneyStage,
    MarketingChannel,
)
from customers.segment_rules import FIELDS, NUMBER_OPS
from sellercenter.errors import InvalidInput

CHOICES = {"gender": Gender, "acquisition_channel": AcquisitionChannel, "journey_stage": JourneyStage}


def _options(choices) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in choices]


def _kinds() -> list[dict]:
    return _options(
        [
            ("attribute", _("Profile or purchase fact")),
            ("event", _("Did something (event)")),
            ("purchases", _("Purchases in a window")),
            ("consent", _("May receive marketing on")),
            ("discount_share", _("Share of orders with a discount (%)")),
            ("tag", _("Has a tag")),
            ("address", _("Lives in a province")),
        ]
    )


def _field_label(name: str) -> str:
    if name == "birth_month":
        return _("birth month (1-12)")
    return str(Customer._meta.get_field(name).verbose_name)


def _fields() -> list[dict]:
    return [
        {
            "value": name,
            "label": _field_label(name),
            "type": field.type,
            "ops": list(field.ops),
            "choices": _options(CHOICES[name].choices) if name in CHOICES else [],
            # The bounds the rules keep (segment_rules.Field), for the number input.
            **({"min": field.minimum, "max": field.maximum} if field.type == "number" else {}),
        }
        for name, field in FIELDS.items()
    ]


def _operators() -> dict[str, str]:
    return {
        "eq": _("is"),
        "ne": _("is not"),
        "gt": _("more than"),
        "gte": _("at least"),
        "lt": _("less than"),
        "lte": _("at most"),
        "in": _("is one of"),
        "not_in": _("is none of"),
        "contains": _("contains"),
        "starts_with": _("starts with"),
        "is_set": _("is filled in"),
        "is_not_set": _("is empty"),
        "within_days": _("within the last ... days"),
        "older_than_days": _("more than ... days ago"),
        "before": _("before the date"),
        "after": _("after the date"),
    }


def _texts() -> dict[str, str]:
    return {
        "add": _("Add a condition"),
        "remove": _("Remove"),
        "not": _("not"),
        "notHelp": _("Match customers for whom this condition is false"),
        "row": _("Condition %(row)s"),
        "value": _("value"),
        "list": _("separated by commas"),
        "withinDays": _("in the last ... days (empty: ever)"),
        "minCount": _("at least ... times"),
        "afterLastOrder": _("after their last order"),
        "metric": _("what"),
        "count": _("Matching customers now: %(count)s"),
        "counting": _("Counting…"),
        "countFailed": _("The count failed; try again."),
        "noRules": _("No condition yet: a segment without conditions matches nobody."),
        "showJson": _("Show the JSON (advanced)"),
        "hideJson": _("Hide the JSON"),
        "badJson": _("The JSON is not a list of rules; the rows show the last valid rules."),
        "matchAll": _("Customers must meet all conditions."),
        "matchAny": _("Customers must meet at least one condition."),
    }


def builder_schema() -> dict:
    """What the builder offers, in the language of the page: kinds, fields with their operators and
    choices, event types, channels, and its own texts."""
    return {
        "kinds": _kinds(),
        "fields": _fields(),
        "ops": _operators(),
        "numberOps": list(NUMBER_OPS),
        "eventTypes": _options(EventType.choices),
        "channels": _options(MarketingChannel.choices),
        "metrics": _options([("count", pgettext("segment rule", "orders")), ("amount", _("amount spent"))]),
        "texts": _texts(),
    }


def rule_errors(error: InvalidInput) -> list[dict]:
    """The rule language's refusal, one entry per message, naming the rule row (1-based) it is about."""
    entries = []
    for name, messages in (error.fields or {}).items():
        parts = name.split(".")
        row = int(parts[1]) + 1 if len(parts) > 1 and parts[0] == "rules" and parts[1].isdigit() else None
        key = ".".join(parts[2:]) if row else ""
        for message in messages:
            entries.append({"field": name, "row": row, "key": key, "message": str(message)})
    return entries


def rule_error_text(entry: dict) -> str:
    if entry["row"] is None:
        return entry["message"]
    where = _("Condition %(row)s") % {"row": entry["row"]}
    return f"{where} ({entry['key']}): {entry['message']}" if entry["key"] else f"{where}: {entry['message']}"


class SegmentRulesWidget(UnfoldAdminTextareaWidget):
    """The rules' JSON textarea, enhanced into the builder by its script. `count_url` and `shop_id`
    (the segment's shop, None on a new segment: the script reads the form's shop) feed the live count."""

    template_name = "customers/widgets/segment_rules.html"

    class Media:
        js = ["customers/segment_builder.js"]
        css = {"all": ["customers/segment_builder.css"]}

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 8, **(attrs or {})})
        self.count_url = ""
        self.shop_id = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["builder"] = {"schema": builder_schema(), "count_url": self.count_url, "shop_id": self.shop_id or ""}
        return context
