"""Files people open in Excel or LibreOffice: UTF-8 with BOM, and no cell that runs as a formula.

A text cell starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'` so the
spreadsheet shows it as text instead of evaluating it (CSV injection). Plain numbers (also negative
ones, `-1500.00`) are left as they are, so amounts stay numeric. Every CSV and every
django-import-export resource of the project goes through here; the library's own
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading `=`.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from import_export import resources
from import_export.formats import base_formats
from openpyxl import load_workbook

from sellercenter.errors import InvalidInput
from sellercenter.xlsx import xlsx_write_sheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits only: a text of other scripts' digits is text, and the SQL twin of this rule agrees.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
BOM = "\ufeff"


def spreadsheet_safe(value):
    """`value` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text, one line at a time, BOM first, every cell made spreadsheet-safe."""
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow([spreadsheet_safe(str(cell)) for cell in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) if cell is not None else "" for cell in row])


def csv_streaming_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream a CSV download: memory stays flat however many rows `rows` yields."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_write(target, title: str, header: Iterable, rows: Iterable[Iterable]) -> None:
    """Write `rows` as an XLSX workbook to `target` (a path or a binary file): Decimals and ints as
    real numbers (whole amounts shown without decimals, with the reader's own separators: 845.000 in
    Vietnamese, 845,000 in English), dates as real dates, text spreadsheet-safe (never a formula).
    Memory stays flat however many rows (`sellercenter.xlsx`)."""
    safe_rows = ([spreadsheet_safe(value) for value in row] for row in rows)
    xlsx_write_sheet(target, title, [spreadsheet_safe(str(label)) for label in header], safe_rows)


def xlsx_download(filename: str, title: str, header: Iterable, rows: Iterable[Iterable]) -> FileResponse:
    """An XLSX download of `rows` (see xlsx_write), built in a temporary file."""
    # The response closes the file once it is sent; it is deleted when closed.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    xlsx_write(target, title, header, rows)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


class SpreadsheetSafeResource(resources.ModelResource):
    """Base of every import-export resource: exported cells are made spreadsheet-safe."""

    def export_field(self, field, instance, **kwargs):
        return spreadsheet_safe(super().export_field(field, instance, **kwargs))


class SpreadsheetCSV(base_formats.CSV):
    """CSV that Excel opens as UTF-8: the BOM first."""

    def export_data(self, dataset, **kwargs):
        return BOM + super().export_data(dataset, **kwargs)


# The formats of every admin import and export: CSV (with BOM when exported) and XLSX.
EXPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
IMPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]


def _read_cell(value) -> str:
    """An XLSX cell as the text a CSV of the same sheet would hold: whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def spreadsheet_rows_read(content: bytes, file_name: str) -> list[list[str]]:
    """The rows of an uploaded XLSX (its first sheet) or CSV (UTF-8, with or without BOM, comma or
    semicolon separated) as text cells. Raises InvalidInput naming `file` for an unreadable file."""
    if file_name.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception:
            raise InvalidInput(fields={"file": [_("This is not a readable XLSX file.")]}) from None
        return [[_read_cell(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(fields={"file": [_("Save the CSV file as UTF-8.")]}) from None
    return list(csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ","))


def whole_amount_read(value: str) -> Decimal:
    """A whole-dong amount as the files of carriers and marketplaces write it: "350000", "350.000",
    "350,000", "350000.00", "₫350.000". Raises InvalidOperation for anything else or a negative amount."""
    text = value.strip().replace(" ", "").replace("₫", "").replace("đ", "").replace("VND", "")
    if text.count(".") == 1 and len(text.split(".")[1]) == 2:
        text = text.split(".")[0]
    amount = Decimal(text.replace(".", "").replace(",", "") or "0")
    if amount < 0 or not amount.is_finite():
        raise InvalidOperation
    return amount
