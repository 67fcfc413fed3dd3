"""The order list's page built from `values()` rows: the same JSON as OrderOutput(many=True), without
a model instance or a serializer per order and line (nested serializers cost 5x the page's SQL).
OrderOutput stays the list's serializer class, so the OpenAPI document is built from it as before;
tests/orders/test_api_order_rows.py compares the two outputs."""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from orders import selectors, services
from orders.models import ORDER_DATE_FIELDS, Order, OrderLine
from sellercenter.api.rows import moment_text, money_text

# OrderOutput's fields that are the order's own columns, by how they render; in OrderOutput's order.
TEXT_BEFORE = ("number", "status", "channel", "payment_method", "currency")
MONEY = ("subtotal", "discount_total", "shipping_fee", "shipping_discount")
MONEY_AFTER_POINTS = ("points_discount", "total", "refunded_amount")
TEXT_AFTER = ("note", "carrier", "tracking_number")
LINE_COLUMNS = ("order_id", "sku", "name", "unit_price", "quantity", "discount", "points_discount", "total", "is_gift")
ORDER_COLUMNS = (
    "id",
    *TEXT_BEFORE,
    *MONEY,
    "points_redeemed",
    *MONEY_AFTER_POINTS,
    "voucher_codes",
    "customer__external_id",
    *services.ADDRESS_COLUMNS.values(),
    *TEXT_AFTER,
    *ORDER_DATE_FIELDS,
    "cancelled_by",
    "replacement_for__number",
)


def order_rows(queryset: QuerySet) -> QuerySet:
    """The orders of `queryset` (filtered, not yet paged) as the rows `orders_output` takes: one
    query with the customer's and the replaced order's numbers joined."""
    return queryset.select_related(None).prefetch_related(None).values(*ORDER_COLUMNS)


def order_row_of(order: Order) -> dict:
    """The `order_rows` row of an order in hand (the one the checkout has just written, say)."""
    row = {name: getattr(order, name) for name in ORDER_COLUMNS if "__" not in name}
    row["customer__external_id"] = order.customer.external_id if order.customer_id else None
    row["replacement_for__number"] = order.replacement_for.number if order.replacement_for_id else None
    return row


def order_output(order: Order) -> dict:
    """OrderOutput(order).data of an order in hand, its lines in one query (the checkout's answer)."""
    return orders_output([order_row_of(order)])[0]


def order_detail_output(row: dict) -> dict:
    """The order detail's JSON (OrderOutput's, then its status history) of one `order_rows` row, its
    lines and history in one query each."""
    output = orders_output([row])[0]
    tz = timezone.get_current_timezone()
    history = selectors.order_status_history(order=row["id"]).values_list("to_status", "created_at")
    output["history"] = [{"status": status, "at": moment_text(at, tz)} for status, at in history]
    return output


def orders_output(rows: list[dict]) -> list[dict]:
    """OrderOutput(many=True).data of a page of `order_rows`, their lines in one more query."""
    lines = defaultdict(list)
    if rows:
        found = OrderLine.objects.filter(order_id__in=[row["id"] for row in rows]).order_by("pk")
        for line in found.values_list(*LINE_COLUMNS):
            lines[line[0]].append(_line(line))
    tz = timezone.get_current_timezone()
    return [_order(row, lines[row["id"]], tz) for row in rows]


def _line(line: tuple) -> dict:
    _order_id, sku, name, unit_price, quantity, discount, points_discount, total, is_gift = line
    return {
        "sku": sku,
        "name": name,
        "unit_price": money_text(unit_price),
        "quantity": quantity,
        "discount": money_text(discount),
        "points_discount": money_text(points_discount),
        "total": money_text(total),
        "is_gift": is_gift,
    }


def _order(row: dict, lines: list[dict], tz) -> dict:
    output = {name: row[name] for name in TEXT_BEFORE}
    output.update((name, money_text(row[name])) for name in MONEY)
    output["points_redeemed"] = row["points_redeemed"]
    output.update((name, money_text(row[name])) for name in MONEY_AFTER_POINTS)
    output["voucher_codes"] = row["voucher_codes"]
    output["customer_external_id"] = row["customer__external_id"]
    output["shipping_address"] = services.address_of(row)
    output.update((name, row[name]) for name in TEXT_AFTER)
    output.update((name, moment_text(row[name], tz)) for name in ORDER_DATE_FIELDS)
    output["cancelled_by"] = row["cancelled_by"]
    output["replacement_for"] = row["replacement_for__number"]
    output["lines"] = lines
    return output
