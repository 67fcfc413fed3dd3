"""The rules every API serializer field keeps: bounded input, and `null` documented where it comes back."""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers

from sellercenter.api.fields import BoundedDictField, BoundedJSONField


def unbounded(field) -> str | None:
    """Why an input field takes input of any size, or None when it is bounded."""
    if field.read_only:
        return None
    if isinstance(field, serializers.ChoiceField | serializers.MultipleChoiceField):
        return None
    if isinstance(field, serializers.CharField) and field.max_length is None:
        return "a string field without max_length"
    if isinstance(field, serializers.ListField | serializers.ListSerializer) and field.max_length is None:
        return "a list without max_length"
    if isinstance(field, serializers.DictField | serializers.JSONField | serializers.HStoreField) and not isinstance(
        field, BoundedDictField | BoundedJSONField
    ):
        return "a dict without a size limit (use sellercenter.api.fields.BoundedDictField)"
    return None


def _path_may_be_null(model, source: str) -> bool:
    for part in source.split("."):
        if model is None:
            return False
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False) or (
            model_field.is_relation and model_field.one_to_one and model_field.auto_created
        ):
            return True
        model = model_field.related_model
    return False


def nullable_problems(serializer, name: str, field) -> str | None:
    """Why an output field can come back null while the schema says it cannot, or None."""
    if field.allow_null or field.write_only or "." in name:
        return None
    if isinstance(field, serializers.SerializerMethodField | serializers.BaseSerializer):
        return None
    if field.default is None:
        return "default=None without allow_null=True"
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    # A ModelSerializer's own fields (no dotted source) take null=True from the model already.
    if model is not None and "." in field.source and _path_may_be_null(model, field.source):
        return f"source {field.source} may be null"
    return None
