"""The return list's page built from `values()` rows: the same JSON as ReturnOutput(many=True) without a
model instance or a serializer per request and line. ReturnOutput stays the list's serializer class
(the OpenAPI document); tests/orders/test_api_return_rows.py compares the two outputs."""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from orders.models import ReturnLine
from sellercenter.api.rows import moment_text, money_text

TEXT = ("kind", "reason", "evidence_note", "status")
MOMENTS = ("requested_at", "decided_at", "received_at", "closed_at")
REQUEST_COLUMNS = (
    "pk",  # the cursor's position is read from the row by the pagination's ordering ("-pk")
    "order__number",
    *TEXT,
    "refund_amount",
    "rejection_reason",
    "replacement_order__number",
    *MOMENTS,
)
LINE_COLUMNS = ("return_request_id", "order_line__sku", "order_line__name", "quantity", "outcome", "refund_amount")


def return_rows(queryset: QuerySet) -> QuerySet:
    """The requests of `queryset` (filtered, not yet paged) as the rows `returns_output` takes: one
    query with the order's and the replacement's numbers joined."""
    return queryset.select_related(None).prefetch_related(None).values(*REQUEST_COLUMNS)


def returns_output(rows: list[dict]) -> list[dict]:
    """ReturnOutput(many=True).data of a page of `return_rows`, their lines in one more query."""
    lines = defaultdict(list)
    if rows:
        found = ReturnLine.objects.filter(return_request_id__in=[row["pk"] for row in rows]).order_by("pk")
        for request_id, sku, name, quantity, outcome, refund_amount in found.values_list(*LINE_COLUMNS):
            line = {"sku": sku, "name": name, "quantity": quantity, "outcome": outcome}
            lines[request_id].append({**line, "refund_amount": money_text(refund_amount)})
    tz = timezone.get_current_timezone()
    return [_request(row, lines[row["pk"]], tz) for row in rows]


def _request(row: dict, lines: list[dict], tz) -> dict:
    output = {"id": row["pk"], "order_number": row["order__number"]}
    output.update((name, row[name]) for name in TEXT)
    output["refund_amount"] = money_text(row["refund_amount"])
    output["rejection_reason"] = row["rejection_reason"]
    output["replacement_order"] = row["replacement_order__number"]
    output.update((name, moment_text(row[name], tz)) for name in MOMENTS)
    output["lines"] = lines
    return output
