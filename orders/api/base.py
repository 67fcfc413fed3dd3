"""What the orders endpoints share: money fields and cart lines."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers

MONEY = {"max_digits": 18, "decimal_places": 2}


MAX_LINES = 100


class LineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class LinesMixin:
    """`lines`: 1 to 100 lines. Checked here so that the error is keyed `lines` (a list serializer's
    own length errors would be keyed `lines.non_field_errors`)."""

    def to_internal_value(self, data):
        # Before the lines are validated one by one: a huge list is refused without that work.
        lines = data.get("lines") if isinstance(data, Mapping) else None
        if isinstance(lines, list) and len(lines) > MAX_LINES:
            raise serializers.ValidationError({"lines": [_("Give at most %(max)d lines.") % {"max": MAX_LINES}]})
        return super().to_internal_value(data)

    def validate_lines(self, lines: list) -> list:
        if not lines:
            raise serializers.ValidationError(_("Give at least one line."))
        if len(lines) > MAX_LINES:
            raise serializers.ValidationError(_("Give at most %(max)d lines.") % {"max": MAX_LINES})
        return lines
