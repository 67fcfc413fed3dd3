"""The order export: the columns of an order list declared once (sellercenter.columns), written as
CSV (streamed) or XLSX (write-only workbook), with Vietnamese or English headers and labels.

Both formats follow the spreadsheet rules of finance: text spreadsheet-safe (never a formula), CSV
in UTF-8 with BOM, amounts as plain numbers in the order's currency (whole dong for VND), the order
date as an ISO date in CSV and a real date in XLSX. Rows are read in chunks off the database
(`iterator`), so a long list never sits in memory.

The delivery address (recipient, phone, province) is personal data that the customers app shows only
to roles holding `customers.view_address` (the accountant sees customers and their purchases, not
their addresses): a caller without it in a shop of the list gets the file without those columns.
"""

from django.db.models.functions import TruncDate
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from orders.models import OrderStatus, PaymentMethod
from sellercenter.access import has_shop_permission
from sellercenter.columns import CHOICE, DATE, MONEY, Column, headers, query_sources, row_converter
from sellercenter.spreadsheet import csv_streaming_response, xlsx_download

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
LANGUAGES = ("vi", "en")
CHUNK = 2000

ORDER_COLUMNS = (
    Column("number", _("Order number")),
    Column("placed_on", _("Order date"), DATE),
    Column("channel", _("Channel"), CHOICE, choices=Channel),
    Column("external_id", _("Channel order id")),
    Column("status", _("Status"), CHOICE, choices=OrderStatus),
    Column("payment_method", _("Payment method"), CHOICE, choices=PaymentMethod),
    Column("customer_name", _("Customer")),
    Column("recipient_name", _("Recipient")),
    Column("recipient_phone", _("Phone")),
    Column("province", _("Province / city")),
    Column("currency", _("Currency")),
    Column("subtotal", _("Merchandise value"), MONEY),
    Column("discount_total", _("Promotion discount"), MONEY),
    Column("shipping_fee", _("Shipping fee"), MONEY),
    Column("shipping_discount", _("Shipping discount"), MONEY),
    Column("points_discount", _("Points discount"), MONEY),
    Column("total", _("Total"), MONEY),
    Column("refunded_amount", _("Refunded"), MONEY),
    Column("carrier", _("Carrier")),
    Column("tracking_number", _("Tracking number")),
)


ADDRESS_PERMISSION = "customers.view_address"
ADDRESS_COLUMNS = frozenset({"recipient_name", "recipient_phone", "province"})


def orders_export_shows_addresses(*, user, shops) -> bool:
    """Whether a staff member's export carries the delivery address: when their role holds
    ADDRESS_PERMISSION in every one of `shops` (the shops of the orders exported). An API key's
    export always does: both scopes read customers' addresses (`customers/{id}/addresses`)."""
    return all(has_shop_permission(user, ADDRESS_PERMISSION, shop) for shop in shops)


def _rows(queryset, columns, converter):
    values = (
        queryset.prefetch_related(None)
        .annotate(placed_on=TruncDate("placed_at"))
        .order_by("-placed_at", "-pk")
        .values_list(*query_sources(columns))
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield converter(row)


def orders_export_response(*, queryset, file_format: str, language: str, with_addresses: bool):
    """A download of the orders in `queryset` (already filtered and scoped to the caller's shops),
    newest first, as CSV or XLSX with headers and labels in `language` ("vi" or "en"); order dates
    are days in the active time zone. Without `with_addresses`, the delivery address's columns are
    left out (orders_export_shows_addresses)."""
    columns = tuple(column for column in ORDER_COLUMNS if with_addresses or column.name not in ADDRESS_COLUMNS)
    with translation.override(language):
        header = headers(columns)
        converter = row_converter(columns, native=file_format == XLSX)
        title = str(_("Orders"))
    name = "orders" if language == "en" else "don-hang"
    rows = _rows(queryset, columns, converter)
    if file_format == XLSX:
        return xlsx_download(f"{name}.xlsx", title, header, rows)
    return csv_streaming_response(f"{name}.csv", header, rows)
