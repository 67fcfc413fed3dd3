"""Every input serializer of every API view bounds what it takes; every output field that can be null says so."""

import pytest

from tests.sellercenter.api_serializers import endpoint_serializers, walk_fields
from tests.sellercenter.bounds import nullable_problems, unbounded


@pytest.fixture(scope="module")
def documented():
    return list(endpoint_serializers())


def test_the_walk_sees_the_apps_serializers(documented):
    names = {type(serializer).__qualname__ for _m, _p, _d, serializer in documented}

    assert {"CustomerListView.InputSerializer", "EventBatchView.InputSerializer", "CampaignInputSerializer"} <= names


def test_every_string_list_and_object_in_every_input_serializer_is_bounded(documented):
    problems = sorted(
        f"{method} {path} {type(serializer).__qualname__}.{name}: {problem}"
        for method, path, direction, serializer in documented
        if direction == "request"
        for name, field in walk_fields(serializer)
        if (problem := unbounded(field))
    )

    assert problems == []


def test_every_output_field_that_can_be_null_is_documented_nullable(documented):
    problems = sorted(
        f"{method} {path} {type(serializer).__qualname__}.{name}: {problem}"
        for method, path, direction, serializer in documented
        if direction == "response"
        for name, field in walk_fields(serializer)
        if (problem := nullable_problems(serializer, name, field))
    )

    assert problems == []


def test_the_rules_catch_an_unbounded_field():
    from rest_framework import serializers

    assert unbounded(serializers.CharField()) == "a string field without max_length"
    assert unbounded(serializers.ListField(child=serializers.IntegerField())) == "a list without max_length"
    assert unbounded(serializers.DictField()).startswith("a dict without a size limit")
    assert unbounded(serializers.CharField(max_length=10)) is None
