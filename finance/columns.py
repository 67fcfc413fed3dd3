"""The columns of the statement CSV and spreadsheet exports, declared once for every export path.

Each column (sellercenter.columns) knows its label (English, and Vietnamese through the catalogue),
where its value lives, and its kind. From that one list come:
- the Python rendering of a row (the streaming CSV off PostgreSQL, the background export job);
- the SQL expression of each cell for PostgreSQL's `COPY ... TO STDOUT`, with text neutralised by an
  expression generated from the same rule as `sellercenter.spreadsheet.spreadsheet_safe`;
- the django-import-export fields of the admin exports (see finance.resources).

In CSV, amounts are plain numbers in the row's currency: whole numbers for currencies without a
minor unit (VND `-15000`, which every locale reads as a number, also one with a decimal comma), two
decimals otherwise (USD `12.50`); dates ISO (`2025-03-03`), text UTF-8 and spreadsheet-safe. The
native rendering (XLSX) gives the same rows as real numbers and dates.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finance.models import LineKind, PayoutState, StatementStatus
from orders.models import PaymentMethod
from sellercenter.columns import (
    CHOICE,
    CURRENCY_SOURCE,
    DATE,
    MONEY,
    NUMBER,
    PLAIN_NUMBER_SQL,
    TEXT,
    WHOLE_CURRENCIES,
    Column,
    headers,
    neutralised,
    query_sources,
    row_converter,
    sources,
)

__all__ = [
    "CHOICE",
    "CURRENCY_SOURCE",
    "DATE",
    "LINE_AMOUNT_COLUMNS",
    "LINE_COLUMNS",
    "MONEY",
    "NUMBER",
    "PLAIN_NUMBER_SQL",
    "STATEMENT_COLUMNS",
    "TEXT",
    "WHOLE_CURRENCIES",
    "Column",
    "headers",
    "neutralised",
    "query_sources",
    "row_converter",
    "sources",
]


def _money(name: str, label: Promise) -> Column:
    return Column(name, label, MONEY)


LINE_AMOUNT_COLUMNS = (
    _money("gross", _("Gross merchandise value")),
    _money("seller_discount", _("Seller-funded discounts")),
    _money("shipping_charged", _("Shipping charged to buyer")),
    _money("shipping_cost", _("Shipping cost")),
    _money("commission", _("Commission")),
    _money("payment_fee", _("Payment fee")),
    _money("service_fee", _("Service fee")),
    _money("fixed_fee", _("Fixed fee per order")),
    _money("refund", _("Refund")),
    _money("adjustment", _("Adjustment")),
    _money("vat_withheld", _("Withheld VAT")),
    _money("pit_withheld", _("Withheld personal income tax")),
    _money("net", _("Net")),
)

LINE_COLUMNS = (
    Column("statement", _("Statement"), path="statement__reference"),
    Column("kind", _("Type"), CHOICE, choices=LineKind),
    Column("order_number", _("Order number")),
    Column("payment_method", _("Payment method"), CHOICE, choices=PaymentMethod),
    Column("placed_on", _("Order date"), DATE),
    Column("delivered_on", _("Delivered on"), DATE),
    Column("booked_on", _("Booking date"), DATE),
    Column("released_on", _("Payable from"), DATE),
    Column("currency", _("Currency")),
    *LINE_AMOUNT_COLUMNS,
    Column("payout_state", _("Payout state"), CHOICE, choices=PayoutState),
    Column("reason", _("Note")),
)

STATEMENT_COLUMNS = (
    Column("reference", _("Statement")),
    Column("status", _("Status"), CHOICE, choices=StatementStatus),
    Column("period_from", _("Period from"), DATE),
    Column("period_to", _("Period to"), DATE),
    Column("currency", _("Currency")),
    _money("opening_balance", _("Opening balance")),
    *(_money(f"total_{column.name}", column.label) for column in LINE_AMOUNT_COLUMNS),
    _money("closing_balance", _("Closing balance")),
    _money("payout_amount", _("Payout")),
    Column("paid_on", _("Paid on"), DATE, path="payout__paid_on"),
    Column("bank_reference", _("Bank reference"), path="payout__bank_reference"),
    Column("line_count", _("Lines"), NUMBER),
)
