"""sellercenter.api.rows.row_shape: which serializer fields it renders from a row, and which it refuses
(those lists keep their serializer)."""

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from customers.models import CustomerEvent, Segment
from finance.models import Statement
from orders.models import Category
from sellercenter.api.rows import row_shape


def _serializer(model, fields, **declared):
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type("Output", (serializers.ModelSerializer,), {"Meta": meta, **declared})


def test_a_flat_serializer_maps_each_key_to_its_column_in_order():
    output = _serializer(
        Statement,
        ["id", "reference", "total_net", "period_from", "closed_at", "paid_on"],
        paid_on=serializers.DateField(source="payout.paid_on", default=None, allow_null=True),
    )

    plan = row_shape(output).plan

    assert [(key, column) for key, column, _render in plan] == [
        ("id", "id"),
        ("reference", "reference"),
        ("total_net", "total_net"),
        ("period_from", "period_from"),
        ("closed_at", "closed_at"),
        ("paid_on", "payout__paid_on"),
    ]


def test_a_foreign_key_is_its_id_column():
    assert [column for _key, column, _render in row_shape(_serializer(Category, ["parent"])).plan] == ["parent"]


@pytest.mark.parametrize(
    "declared, why",
    [
        ({"name": serializers.SerializerMethodField()}, "SerializerMethodField has no row rendering"),
        ({"name": _serializer(Segment, ["id"])()}, "Output has no row rendering"),
        ({"name": serializers.CharField(source="*")}, "has no row rendering"),
        ({"name": serializers.DecimalField(max_digits=6, decimal_places=4)}, "over a CharField column"),
        ({"name": serializers.DateTimeField(format="%d/%m/%Y")}, "over a CharField column"),
        ({"name": serializers.CharField(source="rules")}, "a CharField over a JSONField column"),
        ({"name": serializers.CharField(source="shop.name.upper")}, "'name' is not a single related row"),
        ({"name": serializers.IntegerField(source="member_count")}, "'member_count' is not a column of Segment"),
    ],
)
def test_what_a_row_cannot_render_the_same_way_is_refused(declared, why):
    with pytest.raises(ImproperlyConfigured, match=why):
        row_shape(_serializer(Segment, ["id", "name"], **declared))


def test_a_field_with_its_own_rendering_is_refused():
    class Shouted(serializers.CharField):
        def to_representation(self, value):
            return value.upper()

    with pytest.raises(ImproperlyConfigured, match=r"Output\.name cannot be rendered from a row: a Shouted"):
        row_shape(_serializer(Segment, ["id", "name"], name=Shouted()))


@pytest.mark.parametrize(
    "field",
    [
        serializers.DecimalField(max_digits=18, decimal_places=4, source="total_net"),
        serializers.DecimalField(max_digits=18, decimal_places=2, source="total_net", coerce_to_string=False),
        serializers.DateTimeField(source="closed_at", format="%d/%m/%Y %H:%M"),
        serializers.DateTimeField(source="closed_at", default_timezone=ZoneInfo("UTC")),
        serializers.DateField(source="period_from", format="%d/%m/%Y"),
    ],
)
def test_options_that_change_the_rendering_are_refused(field):
    with pytest.raises(ImproperlyConfigured, match="its options change how it renders"):
        row_shape(_serializer(Statement, ["id", "value"], value=field))


def test_a_many_relation_is_refused():
    with pytest.raises(ImproperlyConfigured, match="'children' is not a single related row"):
        row_shape(_serializer(Category, ["id", "child"], child=serializers.CharField(source="children.name")))


def test_write_only_fields_are_left_out():
    output = _serializer(CustomerEvent, ["event_id", "secret"], secret=serializers.CharField(write_only=True))

    assert [key for key, _column, _render in row_shape(output).plan] == ["event_id"]
