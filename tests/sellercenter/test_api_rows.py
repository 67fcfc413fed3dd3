"""sellercenter.api.rows.row_shape: which serializer fields it renders from a row, and which it refuses
(those lists keep their serializer); plain Serializers naming their model, and nested `many=True`
serializers over a reverse foreign key rendered from one more query for the page."""

import json
import uuid
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from customers.models import CustomerEvent, Segment
from finance.models import Statement
from orders.models import Category
from promotions.models import Campaign, Journey, JourneyStep
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


def _plain(class_name="Plain", /, **declared):
    return type(class_name, (serializers.Serializer,), declared)


class StepOutput(serializers.Serializer):
    position = serializers.IntegerField()
    delay = serializers.DurationField(allow_null=True)
    until_local_time = serializers.TimeField(allow_null=True)
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)


def test_a_plain_serializer_names_its_model():
    output = _plain(id=serializers.IntegerField(), label=serializers.CharField(source="name"))

    assert [(key, column) for key, column, _render in row_shape(output, model=Segment).plan] == [
        ("id", "id"),
        ("label", "name"),
    ]
    with pytest.raises(ImproperlyConfigured, match="Plain cannot be rendered from rows: it names no model"):
        row_shape(output)
    with pytest.raises(ImproperlyConfigured, match="renders Segment rows, not Category rows"):
        row_shape(_serializer(Segment, ["id"]), model=Category)


@pytest.mark.parametrize(
    "step",
    [
        JourneyStep(position=0, delay=timedelta(0), until_local_time=time(0, 0), campaign_id=None),
        JourneyStep(position=1, delay=timedelta(hours=23), until_local_time=time(19, 0), campaign_id=7),
        JourneyStep(position=2, delay=timedelta(days=400, seconds=5, microseconds=120), until_local_time=None),
        JourneyStep(position=3, delay=None, until_local_time=time(7, 30, 15, 250)),
        JourneyStep(
            position=4, delay=-timedelta(minutes=90, microseconds=1), until_local_time=time(23, 59, 59, 999999)
        ),
    ],
)
def test_durations_times_and_a_foreign_key_id_render_as_drf_renders_them(step):
    shape = row_shape(StepOutput, model=JourneyStep)
    row = {column: getattr(step, column) for column in shape.columns}

    assert shape.output([row]) == [StepOutput(step).data]


def test_a_uuid_renders_as_drf_renders_it():
    journey = Journey(id=3, family=uuid.uuid4())
    output = _plain(id=serializers.IntegerField(), family=serializers.UUIDField())

    assert row_shape(output, model=Journey).output([{"id": 3, "family": journey.family}]) == [output(journey).data]


@pytest.mark.parametrize(
    "field",
    [
        serializers.DurationField(source="delay", format="iso-8601"),
        serializers.TimeField(source="until_local_time", format="%H:%M"),
        serializers.UUIDField(source="journey.family", format="hex"),
    ],
)
def test_duration_time_and_uuid_options_that_change_the_rendering_are_refused(field):
    with pytest.raises(ImproperlyConfigured, match="its options change how it renders"):
        row_shape(_plain(value=field), model=JourneyStep)


def test_a_foreign_key_id_under_another_kind_of_field_is_refused():
    with pytest.raises(ImproperlyConfigured, match="a CharField over a BigAutoField column"):
        row_shape(_plain(campaign=serializers.CharField(source="campaign_id")), model=JourneyStep)


class ChildOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent"]


def _tree_output(child=ChildOutput, **declared):
    """A category with its children (one level, or two with `grandchildren`), as plain Serializers."""
    return _plain(
        "Tree", id=serializers.IntegerField(), children=child(many=True), name=serializers.CharField(), **declared
    )


def _categories(shop):
    """Roots with children named out of insertion (and pk) order, twins by name, one childless root."""
    roots = [Category.objects.create(shop=shop, name=name, slug=f"goc-{index}") for index, name in enumerate("BAC")]
    for index, (root, name) in enumerate([(0, "Vay"), (0, "Ao"), (1, "Khan"), (0, "Ao"), (1, "Giay")]):
        child = Category.objects.create(shop=shop, parent=roots[root], name=name, slug=f"con-{index}")
        Category.objects.create(shop=shop, parent=child, name=f"{name} {index}", slug=f"chau-{index}")
    return Category.objects.filter(shop=shop, parent=None).order_by("-pk")


def _drf(output, queryset) -> list:
    return json.loads(JSONRenderer().render(output(queryset, many=True).data))


@pytest.mark.django_db
def test_children_render_as_the_prefetch_orders_them_in_one_query_for_the_page(shop):
    output = _tree_output()
    shape = row_shape(output, model=Category)
    roots = _categories(shop)

    with CaptureQueriesContext(connection) as queries:
        answer = shape.output(shape.rows(roots))

    assert answer == _drf(output, roots.prefetch_related("children"))
    assert [list(item) for item in answer] == [["id", "children", "name"]] * 3
    names = [[child["name"] for child in item["children"]] for item in answer]
    assert names == [[], ["Giay", "Khan"], ["Ao", "Ao", "Vay"]]  # the model's order: name, then pk
    assert len(queries) == 2


@pytest.mark.django_db
def test_children_of_children_cost_one_query_a_level(shop):
    grandchild = _tree_output(child=ChildOutput)
    output = _plain("Roots", id=serializers.IntegerField(), children=grandchild(many=True))
    shape = row_shape(output, model=Category)
    roots = _categories(shop)

    with CaptureQueriesContext(connection) as queries:
        answer = shape.output(shape.rows(roots))

    assert answer == _drf(output, roots)
    assert any(item["children"] and item["children"][0]["children"] for item in answer)
    assert len(queries) == 3


@pytest.mark.django_db
def test_no_rows_no_query_for_the_children():
    shape = row_shape(_tree_output(), model=Category)

    with CaptureQueriesContext(connection) as queries:
        assert shape.output(shape.rows(Category.objects.none())) == []
    assert len(queries) == 0


class Shouted(serializers.CharField):
    def to_representation(self, value):
        return value.upper()


class ShoutedList(serializers.ListSerializer):
    def to_representation(self, data):
        return super().to_representation(data)[:1]


class ChildWithMethod(serializers.ModelSerializer):
    shout = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "shout"]

    def get_shout(self, category):
        return category.name.upper()


class ChildListedOwnWay(ChildOutput):
    class Meta(ChildOutput.Meta):
        list_serializer_class = ShoutedList


class TierOutput(serializers.Serializer):
    rank = serializers.IntegerField()


@pytest.mark.parametrize(
    "model, declared, why",
    [
        (Category, {"parent": ChildOutput()}, "Tree.parent cannot be rendered from a row: a ChildOutput has no row"),
        (Category, {"parent": ChildOutput(many=True)}, "'parent' is not a reverse foreign key of Category"),
        (Category, {"more": ChildOutput(many=True, source="children.children")}, "'children.children' is not a rev"),
        (Category, {"whole": ChildOutput(many=True, source="*")}, "'\\*' is not a reverse foreign key"),
        (Campaign, {"tiers": TierOutput(many=True)}, "'tiers' is not a reverse foreign key of Campaign"),
        (Category, {"shouted": ChildListedOwnWay(many=True, source="children")}, "a ShoutedList has no row"),
    ],
)
def test_nested_serializers_other_than_many_over_a_reverse_foreign_key_are_refused(model, declared, why):
    output = _plain("Tree", id=serializers.IntegerField(), **declared)

    with pytest.raises(ImproperlyConfigured, match=why):
        row_shape(output, model=model)


@pytest.mark.parametrize(
    "child, why",
    [
        (ChildWithMethod, "ChildWithMethod.shout cannot be rendered from a row: a SerializerMethodField"),
        (_plain("Loud", name=Shouted()), "Loud.name cannot be rendered from a row: a Shouted"),
        (_serializer(Segment, ["id"]), "Output renders Segment rows, not Category rows"),
    ],
)
def test_a_child_is_refused_for_what_its_own_shape_refuses(child, why):
    with pytest.raises(ImproperlyConfigured, match=why):
        row_shape(_tree_output(child=child), model=Category)


def test_a_serializer_with_its_own_to_representation_is_refused():
    class Trimmed(serializers.Serializer):
        id = serializers.IntegerField()

        def to_representation(self, instance):
            return {}

    with pytest.raises(ImproperlyConfigured, match="Trimmed cannot be rendered from rows: it has its own"):
        row_shape(Trimmed, model=Category)


def test_children_prefetched_through_a_queryset_of_their_own_are_refused():
    shape = row_shape(_tree_output(), model=Category)
    queryset = Category.objects.prefetch_related(Prefetch("children", Category.objects.order_by("-pk")))

    with pytest.raises(ImproperlyConfigured, match=r"Tree\.children cannot be rendered from rows: it is prefetched"):
        shape.rows(queryset)
