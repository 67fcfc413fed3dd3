"""Every serializer the API documents, per direction, as drf-spectacular sees them from the URL conf.

Walking what the schema generator walks means a new endpoint is checked as soon as it is routed."""

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers


def _as_instance(serializer):
    if isinstance(serializer, type) and issubclass(serializer, serializers.BaseSerializer):
        return serializer()
    return serializer if isinstance(serializer, serializers.BaseSerializer) else None


def _flatten(declared) -> list:
    if isinstance(declared, dict):
        return [item for value in declared.values() for item in _flatten(value)]
    if isinstance(declared, OpenApiResponse):
        return _flatten(declared.response)
    if isinstance(declared, PolymorphicProxySerializer):
        components = declared.serializers
        return [
            item
            for value in (components.values() if isinstance(components, dict) else components)
            for item in _flatten(value)
        ]
    if isinstance(declared, list | tuple):
        return [item for value in declared for item in _flatten(value)]
    instance = _as_instance(declared)
    return [instance] if instance is not None else []


def endpoint_views():
    """(path, method, view) of every operation the schema documents, views set up as it sets them up."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, regex, method, view in generator._get_paths_and_endpoints():
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.path_regex = regex
        yield path, method, view


def endpoint_serializers():
    """(method, path, direction, serializer instance) for each operation's request and responses."""
    for path, method, view in endpoint_views():
        schema = view.schema
        schema.method, schema.path, schema.view = method, path, view
        if method in {"POST", "PUT", "PATCH"}:
            for serializer in _flatten(schema.get_request_serializer()):
                yield method, path, "request", serializer
        for serializer in _flatten(schema.get_response_serializers()):
            yield method, path, "response", serializer


def walk_fields(serializer, prefix: str = ""):
    """(dotted name, field) for every field of `serializer`, into nested serializers and lists."""
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    for name, field in serializer.fields.items():
        dotted = f"{prefix}{name}"
        yield dotted, field
        inner = field.child if isinstance(field, serializers.ListSerializer | serializers.ListField) else field
        if isinstance(field, serializers.DictField):
            inner = field.child
        if isinstance(inner, serializers.BaseSerializer):
            yield from walk_fields(inner, f"{dotted}.")
        elif inner is not field and inner is not None:
            yield f"{dotted}.*", inner
