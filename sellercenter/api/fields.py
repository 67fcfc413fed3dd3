"""Serializer fields the kernel adds to DRF's: free-form objects with a size limit.

DRF's DictField and JSONField take objects of any size; every input serializer bounds its input
(a test walks them all), so free-form objects go through these."""

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class _SizeLimited:
    default_error_messages = {
        "too_many_items": _("Give at most {max_items} entries."),
        "too_large": _("Give at most {max_bytes} bytes of JSON."),
    }

    def __init__(self, *, max_items: int = 100, max_bytes: int = 8 * 1024, **kwargs):
        self.max_items = max_items
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def _check_size(self, value):
        if isinstance(value, dict | list) and len(value) > self.max_items:
            self.fail("too_many_items", max_items=self.max_items)
        if len(json.dumps(value, ensure_ascii=False, default=str).encode()) > self.max_bytes:
            self.fail("too_large", max_bytes=self.max_bytes)


class BoundedDictField(_SizeLimited, serializers.DictField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        self._check_size(value)
        return value


class BoundedJSONField(_SizeLimited, serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        self._check_size(value)
        return value
