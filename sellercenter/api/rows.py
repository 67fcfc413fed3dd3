"""Values as the API's serializer fields render them, for the hot list endpoints that build their page
from query rows with plain functions instead of one serializer per row. The view keeps its
serializer as `serializer_class`, so the OpenAPI document still comes from it; a test per endpoint
compares the two outputs. A nested `many=True` serializer over a reverse foreign key is rendered from
one more query for the whole page."""

import decimal
import functools
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import ManyToOneRel, Prefetch, QuerySet
from django.utils import timezone
from django.utils.duration import duration_string
from rest_framework import DJANGO_DURATION_FORMAT, ISO_8601, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

# What DRF's DecimalField(max_digits=18, decimal_places=2) does with its default context: quantize to
# the cent within 18 digits (ROUND_HALF_EVEN, an amount too long raising), then `f"{:f}"`.
CENT = decimal.Decimal("0.01")
MONEY_CONTEXT = decimal.Context(prec=18)


def money_text(value: decimal.Decimal) -> str:
    """A money amount as `DecimalField(max_digits=18, decimal_places=2)` renders it, e.g. "150000.00"."""
    if not isinstance(value, decimal.Decimal):
        value = decimal.Decimal(str(value).strip())
    return f"{value.quantize(CENT, context=MONEY_CONTEXT):f}"


def moment_text(value: datetime | None, tz) -> str | None:
    """A datetime as DRF's DateTimeField renders it in `tz` (the active time zone, taken once per page):
    ISO 8601, "Z" for UTC, None for none."""
    if not value:
        return None
    value = value.astimezone(tz) if timezone.is_aware(value) else timezone.make_aware(value, tz)
    text = value.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


# How a flat serializer's field renders a row's value (None: as the row holds it, else through the
# function, each the same as the field's own `to_representation` for a column of the listed kinds).
def _iso_text(value, tz):
    return value.isoformat()


def _money(value, tz):
    return money_text(value)


def _duration_text(value, tz):
    return duration_string(value)


def _uuid_text(value, tz):
    return str(value)


RENDERINGS = {
    serializers.CharField: (None, (models.CharField, models.TextField)),
    serializers.ChoiceField: (None, (models.CharField,)),
    serializers.IntegerField: (None, (models.IntegerField,)),
    serializers.BigIntegerField: (None, (models.IntegerField,)),
    serializers.BooleanField: (None, (models.BooleanField,)),
    serializers.JSONField: (None, (models.JSONField,)),
    serializers.PrimaryKeyRelatedField: (None, (models.ForeignKey,)),
    serializers.DecimalField: (_money, (models.DecimalField,)),
    serializers.DateTimeField: (moment_text, (models.DateTimeField,)),
    serializers.DateField: (_iso_text, (models.DateField,)),
    serializers.TimeField: (_iso_text, (models.TimeField,)),
    serializers.DurationField: (_duration_text, (models.DurationField,)),
    serializers.UUIDField: (_uuid_text, (models.UUIDField,)),
}


def _rendering_class(field_class):
    """The class of RENDERINGS that `field_class` renders as: itself, or a base whose reading and
    rendering it inherits unchanged (a SlugField is a CharField); None for any other."""
    for base in field_class.__mro__:
        if base in RENDERINGS:
            methods = ("get_attribute", "to_representation")
            same = all(getattr(field_class, name) is getattr(base, name) for name in methods)
            return base if same else None
    return None


def _is_format(output_format, name: str) -> bool:
    """Whether a field's output format is the named one (DRF compares them case-insensitively)."""
    return isinstance(output_format, str) and output_format.lower() == name


class RowShape:
    """What `serializer_class(many=True).data` renders, built from `values()` rows instead: each output
    key with the row column it comes from and how its value renders (None stays None, as DRF leaves it).
    `model`: the rows' model, named for a plain Serializer (a ModelSerializer names its own). A nested
    `many=True` serializer over a reverse foreign key is the parent's key column and its `Children`.
    Refuses, with ImproperlyConfigured, a field it cannot render exactly the same way."""

    def __init__(self, serializer_class, annotated: tuple[str, ...] = (), *, model=None):
        self.name = serializer_class.__name__
        model = self._model(serializer_class, model)
        if serializer_class.to_representation is not serializers.Serializer.to_representation:
            raise ImproperlyConfigured(f"{self.name} cannot be rendered from rows: it has its own to_representation.")
        fields = serializer_class().fields
        self.plan = tuple(
            (key, *self._column(model, field, annotated)) for key, field in fields.items() if not field.write_only
        )
        self.columns = tuple(dict.fromkeys(column for _key, column, _render in self.plan))
        self.children = {render.source: render for _key, _column, render in self.plan if isinstance(render, Children)}

    def rows(self, queryset: QuerySet, keys: tuple[str, ...] = ()) -> QuerySet:
        """`queryset` as the rows `output` takes, in one query; `keys`: more columns the caller reads
        (the cursor's ordering fields)."""
        self._refuse_own_prefetch(queryset)
        return queryset.select_related(None).prefetch_related(None).values(*dict.fromkeys((*keys, *self.columns)))

    def output(self, rows) -> list[dict]:
        """The serializer's `many=True` data of `rows`, times in the active time zone; the children of
        a nested serializer from one query for all of `rows`."""
        tz = timezone.get_current_timezone()
        rows = list(rows) if self.children else rows
        plan = tuple(
            (key, column, render.of_page(rows) if isinstance(render, Children) else render)
            for key, column, render in self.plan
        )
        return [self._item(row, plan, tz) for row in rows]

    @staticmethod
    def _item(row: dict, plan: tuple, tz) -> dict:
        item = {}
        for key, column, render in plan:
            value = row[column]
            item[key] = value if render is None or value is None else render(value, tz)
        return item

    def _model(self, serializer_class, model):
        named = getattr(getattr(serializer_class, "Meta", None), "model", None)
        if model is None and named is None:
            raise ImproperlyConfigured(f"{self.name} cannot be rendered from rows: it names no model, give it one.")
        if None not in (model, named) and model is not named:
            raise ImproperlyConfigured(f"{self.name} renders {named.__name__} rows, not {model.__name__} rows.")
        return model or named

    def _column(self, model, field, annotated: tuple[str, ...]) -> tuple[str, object]:
        column = "__".join(field.source_attrs)
        if isinstance(field, serializers.ListSerializer):
            children = self._children(model, field)
            return children.parent_column, children
        if column in annotated:  # the queryset computes it: the field's own rendering
            return column, lambda value, tz: field.to_representation(value)
        kind = _rendering_class(type(field))
        if kind is None or field.source == "*":
            self._refuse(field, f"a {type(field).__name__} has no row rendering")
        render, model_fields = RENDERINGS[kind]
        column_field = self._model_field(model, field)
        if kind is not serializers.PrimaryKeyRelatedField and self._is_key_column(column_field, field):
            column_field = column_field.target_field  # `<fk>_id`: the key, as the related row holds it
        if not isinstance(column_field, model_fields) or (
            kind is serializers.DateField and isinstance(column_field, models.DateTimeField)
        ):
            self._refuse(field, f"a {kind.__name__} over a {type(column_field).__name__} column")
        if not self._renders_plainly(field):
            self._refuse(field, "its options change how it renders")
        return column, render

    def _children(self, model, field) -> "Children":
        if type(field).to_representation is not serializers.ListSerializer.to_representation:
            self._refuse(field, f"a {type(field).__name__} has no row rendering")
        accessors = {relation.get_accessor_name(): relation for relation in model._meta.related_objects}
        relation = accessors.get(field.source)
        if not (isinstance(relation, ManyToOneRel) and relation.one_to_many):
            self._refuse(field, f"{field.source!r} is not a reverse foreign key of {model.__name__}")
        return Children(field.source, relation, row_shape(type(field.child), model=relation.related_model))

    def _model_field(self, model, field):
        *relations, last = field.source_attrs
        try:
            for name in relations:
                relation = model._meta.get_field(name)
                if not (relation.many_to_one or relation.one_to_one):
                    self._refuse(field, f"{name!r} is not a single related row")
                model = relation.related_model
            column_field = model._meta.get_field(last)
        except FieldDoesNotExist:
            self._refuse(field, f"{field.source!r} is not a column of {model.__name__}")
        if not column_field.concrete:
            self._refuse(field, f"{field.source!r} is not a column of {model.__name__}")
        return column_field

    @staticmethod
    def _is_key_column(column_field, field) -> bool:
        return isinstance(column_field, models.ForeignKey) and field.source_attrs[-1] == column_field.attname

    @staticmethod
    def _renders_plainly(field) -> bool:
        if isinstance(field, serializers.DecimalField):
            return (
                (field.max_digits, field.decimal_places) == (18, 2)
                and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
                and not field.localize
                and not field.normalize_output
                and field.rounding is None
            )
        if isinstance(field, serializers.BigIntegerField):
            return not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        if isinstance(field, serializers.DateTimeField):
            iso = getattr(field, "format", api_settings.DATETIME_FORMAT)
            return not hasattr(field, "timezone") and _is_format(iso, ISO_8601)
        if isinstance(field, serializers.DateField):
            return _is_format(getattr(field, "format", api_settings.DATE_FORMAT), ISO_8601)
        if isinstance(field, serializers.TimeField):
            return _is_format(getattr(field, "format", api_settings.TIME_FORMAT), ISO_8601)
        if isinstance(field, serializers.DurationField):
            return _is_format(getattr(field, "format", api_settings.DURATION_FORMAT), DJANGO_DURATION_FORMAT)
        if isinstance(field, serializers.UUIDField):
            return field.uuid_format == "hex_verbose"
        if isinstance(field, serializers.ChoiceField):
            return all(type(value) is str for value in field.choice_strings_to_values.values())
        if isinstance(field, serializers.JSONField):
            return not field.binary
        if isinstance(field, serializers.PrimaryKeyRelatedField):
            return field.pk_field is None
        return True

    def _refuse_own_prefetch(self, queryset: QuerySet) -> None:
        # The children come in the relation's own order; a Prefetch with a queryset of its own would
        # give the serializer other children, or another order.
        for lookup in queryset._prefetch_related_lookups:
            if isinstance(lookup, Prefetch) and lookup.queryset is not None and lookup.prefetch_to in self.children:
                raise ImproperlyConfigured(
                    f"{self.name}.{lookup.prefetch_to} cannot be rendered from rows: it is prefetched with a queryset."
                )

    def _refuse(self, field, why: str):
        raise ImproperlyConfigured(f"{self.name}.{field.field_name} cannot be rendered from a row: {why}.")


class Children:
    """A nested `many=True` serializer over a reverse foreign key, for a page of parents: their children
    from one `values()` query, in the order `prefetch_related(source)` gives them (the child model's
    default manager and ordering), each rendered through the child serializer's own RowShape."""

    def __init__(self, source: str, relation: ManyToOneRel, shape: RowShape):
        self.source = source
        self.shape = shape
        self.manager = relation.related_model._default_manager
        self.child_column = relation.field.attname
        self.parent_column = relation.field.target_field.attname  # the parent's column the children point at

    def of_page(self, rows: list[dict]):
        """The rendering of a parent's key as its children's data, for the parents in `rows`."""
        grouped = self._by_parent([row[self.parent_column] for row in rows])
        return lambda key, tz: grouped[key]

    def _by_parent(self, keys: list) -> dict:
        grouped = {key: [] for key in keys}
        if not keys:
            return grouped
        queryset = self.manager.filter(**{f"{self.child_column}__in": keys})
        rows = list(self.shape.rows(queryset, keys=(self.child_column,)))
        for row, item in zip(rows, self.shape.output(rows), strict=True):
            grouped[row[self.child_column]].append(item)
        return grouped


def row_shape(serializer_class, annotated: tuple[str, ...] = (), *, model=None) -> RowShape:
    """The serializer's RowShape, worked out once per class. `annotated`: columns the queryset computes;
    `model`: the rows' model, for a plain Serializer."""
    return _row_shape(serializer_class, tuple(annotated), model)


@functools.cache
def _row_shape(serializer_class, annotated: tuple[str, ...], model) -> RowShape:
    return RowShape(serializer_class, annotated, model=model)


class ListFromRowsMixin:
    """A ListAPIView whose page is built from `values()` rows through the RowShape of its serializer
    class (which still describes the OpenAPI document). `row_annotations`: columns computed for the
    page (their field renders them); `row_model`: the rows' model, when the serializer is a plain
    Serializer. The shape is worked out when the view class is defined, so a serializer it cannot
    render refuses the import."""

    row_annotations: dict = {}
    row_model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._row_shape()

    @classmethod
    def _row_shape(cls) -> RowShape:
        return row_shape(cls.serializer_class, tuple(cls.row_annotations), model=cls.row_model)

    def list(self, request, *args, **kwargs):
        shape = self._row_shape()
        queryset = self.filter_queryset(self.get_queryset()).annotate(**self.row_annotations)
        ordering = getattr(self.paginator, "ordering", ())
        ordering = (ordering,) if isinstance(ordering, str) else ordering
        rows = shape.rows(queryset, keys=tuple(name.lstrip("-") for name in ordering))
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(shape.output(rows))
        return self.get_paginated_response(shape.output(page))
