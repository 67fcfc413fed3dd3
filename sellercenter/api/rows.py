"""Values as the API's serializer fields render them, for the hot list endpoints that build their page
from query rows with plain functions instead of one serializer per row. The view keeps its
serializer as `serializer_class`, so the OpenAPI document still comes from it; a test per endpoint
compares the two outputs."""

import decimal
from datetime import datetime

from django.utils import timezone

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
