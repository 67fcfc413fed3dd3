"""Checking segment rules when they are saved."""

import pytest

from customers.segment_rules import rules_validate
from sellercenter.errors import InvalidInput


@pytest.mark.parametrize(
    ("rule", "normal"),
    [
        (
            {"kind": "attribute", "field": "total_spent", "op": "gt", "value": 5000000},
            {"kind": "attribute", "field": "total_spent", "op": "gt", "value": "5000000"},
        ),
        (
            {"kind": "event", "type": "add_to_cart", "within_days": 1, "after_last_order": True},
            {"kind": "event", "type": ["add_to_cart"], "within_days": 1, "min_count": 1, "after_last_order": True},
        ),
        (
            {"kind": "tag", "any": ["VIP ", "vip"], "not": True},
            {"kind": "tag", "any": ["vip"], "not": True},
        ),
        (
            {"kind": "attribute", "field": "last_order_at", "op": "before", "value": "2026-01-31"},
            {"kind": "attribute", "field": "last_order_at", "op": "before", "value": "2026-01-31"},
        ),
    ],
)
def test_rules_are_stored_in_their_normal_form(rule, normal):
    assert rules_validate([rule]) == [normal]


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ("orders_count >= 2", "rules.0"),
        ({"field": "orders_count"}, "rules.0.kind"),
        ({"kind": "magic"}, "rules.0.kind"),
        ({"kind": "attribute", "field": "password", "op": "eq", "value": "x"}, "rules.0.field"),
        ({"kind": "attribute", "field": "orders_count", "op": "contains", "value": 1}, "rules.0.op"),
        ({"kind": "attribute", "field": "orders_count", "op": "gte", "value": "two"}, "rules.0.value"),
        ({"kind": "attribute", "field": "orders_count", "op": "gte", "value": True}, "rules.0.value"),
        ({"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2**31}, "rules.0.value"),
        ({"kind": "attribute", "field": "birth_month", "op": "eq", "value": 13}, "rules.0.value"),
        ({"kind": "attribute", "field": "birth_month", "op": "in", "value": [1, 10**20]}, "rules.0.value"),
        ({"kind": "attribute", "field": "birth_month", "op": "eq", "value": 0}, "rules.0.value"),
        ({"kind": "attribute", "field": "total_spent", "op": "gt", "value": 1.5}, "rules.0.value"),
        ({"kind": "attribute", "field": "total_spent", "op": "gt", "value": "-5"}, "rules.0.value"),
        ({"kind": "attribute", "field": "journey_stage", "op": "eq", "value": "sleeping"}, "rules.0.value"),
        ({"kind": "attribute", "field": "journey_stage", "op": "in", "value": "purchase"}, "rules.0.value"),
        ({"kind": "attribute", "field": "last_order_at", "op": "older_than_days", "value": -1}, "rules.0.value"),
        ({"kind": "attribute", "field": "last_order_at", "op": "before", "value": "31/01/2026"}, "rules.0.value"),
        ({"kind": "event", "type": "teleported"}, "rules.0.type"),
        ({"kind": "event", "type": "add_to_cart", "within_days": 99999}, "rules.0.within_days"),
        ({"kind": "event", "type": "add_to_cart", "min_count": 0}, "rules.0.min_count"),
        ({"kind": "event", "type": "add_to_cart", "after_last_order": "yes"}, "rules.0.after_last_order"),
        ({"kind": "purchases", "metric": "profit", "op": "gt", "value": 1}, "rules.0.metric"),
        ({"kind": "consent", "channel": "fax"}, "rules.0.channel"),
        ({"kind": "discount_share", "op": "gte", "value": 150}, "rules.0.value"),
        ({"kind": "tag", "any": []}, "rules.0.any"),
        ({"kind": "address", "province": [""]}, "rules.0.province"),
        ({"kind": "consent", "channel": "email", "not": "yes"}, "rules.0.not"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_rule_and_key(rule, key):
    good = {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 1}

    with pytest.raises(InvalidInput) as error:
        rules_validate([rule, good] if key.startswith("rules.0") else [good, rule])

    assert list(error.value.fields) == [key]


def test_rules_must_be_a_list_and_match_all_or_any():
    with pytest.raises(InvalidInput) as error:
        rules_validate({"kind": "consent"}, match="most")

    assert set(error.value.fields) == {"rules", "match"}


def test_a_segment_has_at_most_twenty_rules():
    rule = {"kind": "consent", "channel": "email"}

    with pytest.raises(InvalidInput) as error:
        rules_validate([rule] * 21)

    assert "rules" in error.value.fields
