"""The segment rule language: checking rules when a segment is saved, and turning them into one query.

A segment's `rules` is a list of objects, combined with `match` = all / any. Every rule has a `kind`;
any rule may carry `"not": true` to invert it. The kinds (documented in the README with examples):

- attribute: `{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2}` over profile
  fields and purchase facts (see FIELDS for each field's operators);
- event: `{"kind": "event", "type": "add_to_cart", "within_days": 1, "min_count": 1,
  "after_last_order": true}` = did it (that often) in the window (and after their last order);
- purchases: `{"kind": "purchases", "metric": "amount", "within_days": 90, "op": "gt", "value": "5000000"}`
  = orders counted or money spent in the window;
- consent: `{"kind": "consent", "channel": "email"}` = may receive marketing on the channel now;
- discount_share: `{"kind": "discount_share", "op": "gte", "value": 50}` = percent of orders with a discount;
- tag: `{"kind": "tag", "any": ["vip"]}`; address: `{"kind": "address", "province": ["Hà Nội"]}`.

Windows (`within_days`, `older_than_days`) are cut at midnight in the shop's time zone: "within 7 days"
starts at 00:00 seven days before today, so it holds today and the seven whole days before it.
"""

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import tzinfo as tzinfo_type
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils.translation import gettext as _

from customers.models import (
    AcquisitionChannel,
    Address,
    ConsentRecord,
    CustomerEvent,
    CustomerPurchase,
    CustomerTag,
    EventType,
    Gender,
    JourneyStage,
    MarketingChannel,
    Segment,
)
from sellercenter.errors import InvalidInput
from sellercenter.money import MoneyField
from sellercenter.periods import local_midnight

MAX_RULES = 20
MAX_WINDOW_DAYS = 3650
# Beyond what a money column holds (18 digits, 2 of them decimals) no amount can compare.
MAX_AMOUNT = Decimal(10) ** 16
MAX_WHOLE_NUMBER = 2**31 - 1  # the counts are integer columns
# Events before this never count as "after the last order" of a customer who has none.
EPOCH = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))

NUMBER_OPS = {"eq": "exact", "ne": None, "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}
TEXT_OPS = ("eq", "ne", "contains", "starts_with", "in", "is_set", "is_not_set")
CHOICE_OPS = ("eq", "ne", "in", "not_in", "is_set", "is_not_set")
DATETIME_OPS = ("within_days", "older_than_days", "before", "after", "is_set", "is_not_set")


class RuleError(Exception):
    """One rule is wrong; `key` is the rule's key at fault (or "" for the rule as a whole)."""

    def __init__(self, key: str, message: str):
        self.key = key
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Field:
    type: str  # text, choice, number, money, datetime
    choices: tuple = ()
    # The expression a field stands for when it is not a plain column (e.g. the birth month).
    expression: Callable | None = None
    # The whole numbers a number field can hold: beyond them a rule could never match, and SQLite
    # cannot even compare them (its integers are 64-bit).
    minimum: int = 0
    maximum: int = MAX_WHOLE_NUMBER

    @property
    def ops(self) -> tuple:
        if self.type == "text":
            return TEXT_OPS
        if self.type == "choice":
            return CHOICE_OPS
        if self.type == "datetime":
            return DATETIME_OPS
        return (*NUMBER_OPS, "in")


FIELDS = {
    "full_name": Field("text"),
    "email": Field("text"),
    "phone": Field("text"),
    "acquisition_source": Field("text"),
    "utm_source": Field("text"),
    "utm_medium": Field("text"),
    "utm_campaign": Field("text"),
    "gender": Field("choice", tuple(Gender.values)),
    "acquisition_channel": Field("choice", tuple(AcquisitionChannel.values)),
    "journey_stage": Field("choice", tuple(JourneyStage.values)),
    "orders_count": Field("number"),
    "discounted_orders_count": Field("number"),
    "total_spent": Field("money"),
    "birth_month": Field("number", expression=lambda: ExtractMonth("birth_date"), minimum=1, maximum=12),
    "first_order_at": Field("datetime"),
    "last_order_at": Field("datetime"),
    "last_seen_at": Field("datetime"),
    "created_at": Field("datetime"),
}


# --- Checking --------------------------------------------------------------------------------------


def _require(rule: dict, key: str):
    if key not in rule or rule[key] in (None, "", []):
        raise RuleError(key, _("This field is required."))
    return rule[key]


def _choice(rule: dict, key: str, allowed) -> str:
    value = _require(rule, key)
    if value not in allowed:
        raise RuleError(key, _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    return value


def _whole_number(rule: dict, key: str, *, minimum: int = 0, maximum: int | None = None, required=True):
    if key not in rule or rule[key] is None:
        if required:
            raise RuleError(key, _("This field is required."))
        return None
    value = rule[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum and value > maximum):
        bounds = f"{minimum}–{maximum}" if maximum else f">= {minimum}"
        raise RuleError(key, _("Give a whole number (%(bounds)s).") % {"bounds": bounds})
    return value


def _decimal(rule: dict, key: str) -> str:
    value = _require(rule, key)
    if isinstance(value, float | bool):
        raise RuleError(key, _('Give the amount as a string or a whole number, e.g. "5000000".'))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RuleError(key, _("Give a number.")) from None
    if not amount.is_finite() or amount < 0:
        raise RuleError(key, _("Give a number that is not negative."))
    if amount >= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN):
        raise RuleError(key, _("Give an amount below 10^16 with at most 2 decimals."))
    return str(amount)


def _is_text(value) -> bool:
    # PostgreSQL refuses the NUL character in a text: such a value could never match anyway.
    return isinstance(value, str) and "\x00" not in value


def _window(rule: dict) -> int | None:
    return _whole_number(rule, "within_days", minimum=0, maximum=MAX_WINDOW_DAYS, required=False)


def _checked_value(rule: dict, field: Field, op: str):
    """The rule's `value`, checked against the field's type and the operator."""
    if op in ("is_set", "is_not_set"):
        return None
    if op in ("within_days", "older_than_days"):
        return _whole_number(rule, "value", maximum=MAX_WINDOW_DAYS)
    if op in ("before", "after"):
        value = _require(rule, "value")
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise RuleError("value", _("Give a date as YYYY-MM-DD.")) from None
    if op in ("in", "not_in"):
        values = _require(rule, "value")
        if not isinstance(values, list):
            raise RuleError("value", _("Give a list."))
        return [_scalar(field, {"value": item}) for item in values]
    return _scalar(field, rule)


def _scalar(field: Field, rule: dict):
    if field.type == "choice":
        return _choice(rule, "value", field.choices)
    if field.type == "number":
        return _whole_number(rule, "value", minimum=field.minimum, maximum=field.maximum)
    if field.type == "money":
        return _decimal(rule, "value")
    value = _require(rule, "value")
    if not _is_text(value):
        raise RuleError("value", _("Give a text."))
    return value


def _check_attribute(rule: dict) -> dict:
    name = _choice(rule, "field", list(FIELDS))
    field = FIELDS[name]
    op = _choice(rule, "op", field.ops)
    return {"field": name, "op": op, "value": _checked_value(rule, field, op)}


def _check_event(rule: dict) -> dict:
    types = _require(rule, "type")
    types = types if isinstance(types, list) else [types]
    unknown = [t for t in types if t not in EventType.values]
    if unknown:
        raise RuleError("type", _("Unknown event type: %(types)s.") % {"types": ", ".join(map(str, unknown))})
    min_count = _whole_number(rule, "min_count", minimum=1, required=False) or 1
    after_last_order = rule.get("after_last_order", False)
    if not isinstance(after_last_order, bool):
        raise RuleError("after_last_order", _("Give true or false."))
    return {
        "type": sorted(set(types)),
        "within_days": _window(rule),
        "min_count": min_count,
        "after_last_order": after_last_order,
    }


def _check_purchases(rule: dict) -> dict:
    metric = _choice(rule, "metric", ["count", "amount"])
    op = _choice(rule, "op", list(NUMBER_OPS))
    value = _whole_number(rule, "value") if metric == "count" else _decimal(rule, "value")
    return {"metric": metric, "within_days": _window(rule), "op": op, "value": value}


def _check_consent(rule: dict) -> dict:
    return {"channel": _choice(rule, "channel", MarketingChannel.values)}


def _check_discount_share(rule: dict) -> dict:
    op = _choice(rule, "op", list(NUMBER_OPS))
    return {"op": op, "value": _whole_number(rule, "value", maximum=100)}


def _text_list(rule: dict, key: str) -> list[str]:
    values = _require(rule, key)
    values = values if isinstance(values, list) else [values]
    if not all(_is_text(value) and value.strip() for value in values):
        raise RuleError(key, _("Give a list of texts."))
    return [value.strip() for value in values]


def _check_tag(rule: dict) -> dict:
    return {"any": sorted({tag.lower() for tag in _text_list(rule, "any")})}


def _check_address(rule: dict) -> dict:
    return {"province": _text_list(rule, "province")}


CHECKS = {
    "attribute": _check_attribute,
    "event": _check_event,
    "purchases": _check_purchases,
    "consent": _check_consent,
    "discount_share": _check_discount_share,
    "tag": _check_tag,
    "address": _check_address,
}


def _check_rule(rule) -> dict:
    if not isinstance(rule, dict):
        raise RuleError("", _('Each rule must be an object with a "kind".'))
    kind = _choice(rule, "kind", list(CHECKS))
    negate = rule.get("not", False)
    if not isinstance(negate, bool):
        raise RuleError("not", _("Give true or false."))
    checked = {"kind": kind, **CHECKS[kind](rule)}
    if negate:
        checked["not"] = True
    return checked


def rules_validate(rules, *, match: str = Segment.Match.ALL) -> list[dict]:
    """The rules in their normal form (values parsed, defaults filled in).

    Raises InvalidInput naming each wrong rule key as `rules.<index>.<key>`, and `match` if unknown."""
    errors: dict[str, list[str]] = {}
    if match not in Segment.Match.values:
        errors["match"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Segment.Match.values)}]
    if not isinstance(rules, list):
        raise InvalidInput(fields={**errors, "rules": [_("Give a list of rules.")]})
    if len(rules) > MAX_RULES:
        errors["rules"] = [_("A segment has at most %(max)d rules.") % {"max": MAX_RULES}]
    checked = []
    for index, rule in enumerate(rules):
        try:
            checked.append(_check_rule(rule))
        except RuleError as error:
            key = f"rules.{index}.{error.key}" if error.key else f"rules.{index}"
            errors[key] = [error.message]
    if errors:
        raise InvalidInput(_("The segment rules are not valid."), fields=errors)
    return checked


# --- Evaluating ------------------------------------------------------------------------------------


def window_start(*, days: int, now: datetime, tzinfo) -> datetime:
    """00:00 in the shop's time zone, `days` days before today."""
    today = now.astimezone(tzinfo).date()
    return local_midnight(today - timedelta(days=days), tzinfo)


def _compare(expression_name: str, op: str, value) -> Q:
    if op == "ne":
        return ~Q(**{expression_name: value})
    return Q(**{f"{expression_name}__{NUMBER_OPS[op]}": value})


def _datetime_q(name: str, op: str, value, context) -> Q:
    if op in ("within_days", "older_than_days"):
        start = window_start(days=value, now=context.now, tzinfo=context.tzinfo)
        return Q(**{f"{name}__gte": start}) if op == "within_days" else Q(**{f"{name}__lt": start})
    day_start = local_midnight(date.fromisoformat(value), context.tzinfo)
    if op == "before":
        return Q(**{f"{name}__lt": day_start})
    return Q(**{f"{name}__gte": day_start + timedelta(days=1)})


def _attribute_q(rule: dict, context) -> Q:
    name, op, value = rule["field"], rule["op"], rule["value"]
    field = FIELDS[name]
    if field.expression is not None:
        context.aliases[name] = field.expression()
    if op in ("is_set", "is_not_set"):
        q = Q(**{f"{name}__isnull": False})
        if field.type in ("text", "choice"):
            q &= ~Q(**{name: ""})
        return q if op == "is_set" else ~q
    if field.type == "datetime":
        return _datetime_q(name, op, value, context)
    if op in ("in", "not_in"):
        q = Q(**{f"{name}__in": value})
        return q if op == "in" else ~q
    if op == "contains":
        return Q(**{f"{name}__icontains": value})
    if op == "starts_with":
        return Q(**{f"{name}__istartswith": value})
    if field.type == "text" and op == "eq":
        return Q(**{f"{name}__iexact": value})
    return _compare(name, op, Decimal(value) if field.type == "money" else value)


def _event_q(rule: dict, context) -> Q:
    events = CustomerEvent.objects.filter(customer=OuterRef("pk"), type__in=rule["type"])
    if rule["within_days"] is not None:
        events = events.filter(occurred_at__gte=context.start(rule["within_days"]))
    if rule["after_last_order"]:
        events = events.filter(occurred_at__gt=Coalesce(OuterRef("last_order_at"), Value(EPOCH)))
    if rule["min_count"] == 1:
        return Q(Exists(events))
    counted = events.order_by().values("customer").annotate(n=Count("pk")).values("n")
    alias = context.alias(Coalesce(Subquery(counted, output_field=IntegerField()), 0))
    return Q(**{f"{alias}__gte": rule["min_count"]})


def _purchases_q(rule: dict, context) -> Q:
    purchases = CustomerPurchase.objects.filter(customer=OuterRef("pk"), reversed_at__isnull=True)
    if rule["within_days"] is not None:
        purchases = purchases.filter(ordered_at__gte=context.start(rule["within_days"]))
    grouped = purchases.order_by().values("customer")
    if rule["metric"] == "count":
        subquery = Subquery(grouped.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
        value = rule["value"]
    else:
        subquery = Subquery(grouped.annotate(total=Sum("amount")).values("total"), output_field=MoneyField())
        value = Decimal(rule["value"])
    alias = context.alias(Coalesce(subquery, Value(0), output_field=subquery.output_field))
    return _compare(alias, rule["op"], value)


def _consent_q(rule: dict, context) -> Q:
    # The latest record at or before now decides: granted earlier and withdrawn later means no.
    latest = (
        ConsentRecord.objects.filter(customer=OuterRef("pk"), channel=rule["channel"], recorded_at__lte=context.now)
        .order_by("-recorded_at", "-pk")
        .values("granted")[:1]
    )
    alias = context.alias(Coalesce(Subquery(latest, output_field=BooleanField()), Value(False)))
    return Q(**{alias: True})


def _discount_share_q(rule: dict, context) -> Q:
    # discounted / orders >= value % without a division: discounted * 100 - value * orders >= 0.
    margin = ExpressionWrapper(
        F("discounted_orders_count") * 100 - F("orders_count") * rule["value"], output_field=IntegerField()
    )
    return Q(orders_count__gt=0) & _compare(context.alias(margin), rule["op"], 0)


def _tag_q(rule: dict, context) -> Q:
    return Q(Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), name__in=rule["any"])))


def _address_q(rule: dict, context) -> Q:
    provinces = Q()
    for province in rule["province"]:
        provinces |= Q(province__iexact=province)
    return Q(Exists(Address.objects.filter(provinces, customer=OuterRef("pk"))))


BUILDERS = {
    "attribute": _attribute_q,
    "event": _event_q,
    "purchases": _purchases_q,
    "consent": _consent_q,
    "discount_share": _discount_share_q,
    "tag": _tag_q,
    "address": _address_q,
}


class _Context:
    """What building a segment's query needs beyond the rules: the time, the shop's time zone (only
    read when a rule has a window, so that rules without one cost no look-up of the shop) and the
    subquery aliases the rules compare against."""

    def __init__(self, *, now: datetime, tzinfo: Callable[[], tzinfo_type]):
        self.now = now
        self._tzinfo = tzinfo
        self.aliases: dict = {}

    @functools.cached_property
    def tzinfo(self) -> tzinfo_type:
        return self._tzinfo()

    def start(self, days: int) -> datetime:
        return window_start(days=days, now=self.now, tzinfo=self.tzinfo)

    def alias(self, expression) -> str:
        name = f"segment_rule_{len(self.aliases)}"
        self.aliases[name] = expression
        return name


def rules_filter(queryset, *, rules: list[dict], match: str, now: datetime, tzinfo: Callable[[], tzinfo_type]):
    """`queryset` (of customers) narrowed to those the checked rules match; still one query.
    `tzinfo` returns the shop's time zone, asked for only when a rule has a window.

    No rules matches nobody: an empty segment should not silently mean "everyone"."""
    if not rules:
        return queryset.none()
    context = _Context(now=now, tzinfo=tzinfo)
    conditions = []
    for rule in rules:
        q = BUILDERS[rule["kind"]](rule, context)
        conditions.append(~q if rule.get("not") else q)
    combined = functools.reduce(operator.and_ if match == Segment.Match.ALL else operator.or_, conditions)
    return queryset.alias(**context.aliases).filter(combined)
