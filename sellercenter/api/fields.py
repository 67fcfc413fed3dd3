"""Serializer fields the kernel adds to DRF's: free-form objects with a size limit, and files sent
inside a JSON body.

DRF's DictField and JSONField take objects of any size; every input serializer bounds its input
(a test walks them all), so free-form objects go through these. The API reads JSON only (one parser,
with the kernel's input checks), so a file comes as base64 text in a Base64FileField."""

import base64
import binascii
import json

from django.core.files.base import ContentFile
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


class Base64FileField(serializers.CharField):
    """A file's content as base64 (a `data:…;base64,` URL too): a ContentFile. Bound it with
    `max_length`, in characters of base64 (4 for every 3 bytes)."""

    default_error_messages = {"not_base64": _("Give the file's content in base64.")}

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.fail("not_base64")
        if not content:
            self.fail("not_base64")
        return ContentFile(content)
