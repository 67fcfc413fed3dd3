"""The order export: the columns of an order list declared once (sellercenter.columns), written as
CSV (streamed) or XLSX (write-only workbook), with Vietnamese or English headers and labels.

Both formats follow the spreadsheet rules of finance: text spreadsheet-safe (never a formula), CSV
in UTF-8 with BOM, amounts as plain numbers in the order's currency (whole dong for VND), the order
date as an ISO date in CSV and a real date in XLSX. Rows are read in chunks off the database
(`iterator`), so a long list never sits in memory.
"""

from django.db.models.functions import TruncDate
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from orders.models import OrderStatus, PaymentMethod
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


def _rows(queryset, converter):
    values = (
        queryset.prefetch_related(None)
        .annotate(placed_on=TruncDate("placed_at"))
        .order_by("-placed_at", "-pk")
        .values_list(*query_sources(ORDER_COLUMNS))
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield converter(row)


def orders_export_response(*, queryset, file_format: str, language: str):
    """A download of the orders in `queryset` (already filtered and scoped to the caller's shops),
    newest first, as CSV or XLSX with headers and labels in `language` ("vi" or "en"); order dates
    are days in the active time zone."""
    with translation.override(language):
        header = headers(ORDER_COLUMNS)
        converter = row_converter(ORDER_COLUMNS, native=file_format == XLSX)
        title = str(_("Orders"))
    name = "orders" if language == "en" else "don-hang"
    if file_format == XLSX:
        return xlsx_download(f"{name}.xlsx", title, header, _rows(queryset, converter))
    return csv_streaming_response(f"{name}.csv", header, _rows(queryset, converter))
