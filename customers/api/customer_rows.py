"""The customer list's page built from `values()` rows: the same JSON as CustomerSerializer(many=True)
without a model instance or a serializer per customer. CustomerSerializer stays the list's serializer
class (the OpenAPI document); tests/customers/test_api_customer_rows.py compares the two outputs."""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from customers.models import PROFILE_FIELDS, CustomerTag
from sellercenter.api.rows import moment_text, money_text

# CustomerSerializer's fields in its order, by how they render ("tags" comes from its own query).
FIELDS = (
    ("external_id", "text"),
    *((name, "date" if name == "birth_date" else "text") for name in PROFILE_FIELDS),  # referred_by: its pk
    ("tags", "tags"),
    ("orders_count", "text"),
    ("discounted_orders_count", "text"),
    ("total_spent", "money"),
    ("first_order_at", "moment"),
    ("last_order_at", "moment"),
    ("journey_stage", "text"),
    ("last_seen_at", "moment"),
    ("has_duplicates", "text"),
    ("merged_into", "text"),  # its pk
    ("erased_at", "moment"),
    ("created_at", "moment"),
    ("updated_at", "moment"),
)
COLUMNS = tuple(name for name, kind in FIELDS if kind != "tags")


def customer_rows(queryset: QuerySet) -> QuerySet:
    """The customers of `queryset` (annotated `has_duplicates`, filtered, not yet paged) as the rows
    `customers_output` takes, in one query. "pk": the cursor reads its position from the row."""
    return queryset.prefetch_related(None).values("pk", *COLUMNS)


def customers_output(rows: list[dict]) -> list[dict]:
    """CustomerSerializer(many=True).data of a page of `customer_rows`, their tags in one more query."""
    tags = defaultdict(list)
    if rows:
        found = CustomerTag.objects.filter(customer_id__in=[row["pk"] for row in rows]).order_by("name")
        for customer_id, name in found.values_list("customer_id", "name"):
            tags[customer_id].append(name)
    tz = timezone.get_current_timezone()
    return [_customer(row, tags[row["pk"]], tz) for row in rows]


def _customer(row: dict, tags: list[str], tz) -> dict:
    output = {"id": row["pk"]}
    for name, kind in FIELDS:
        value = tags if kind == "tags" else row[name]
        if value is None or kind in ("text", "tags"):
            output[name] = value
        elif kind == "money":
            output[name] = money_text(value)
        elif kind == "date":
            output[name] = value.isoformat()
        else:
            output[name] = moment_text(value, tz)
    return output
