"""A one-sheet XLSX writer for the exports: text, numbers and dates, a bold header, flat memory.

The exports write hundreds of thousands of cells. openpyxl builds a cell object, a style and an XML
element for each (about 27 µs a cell here, with lxml; 38 µs without), which made an XLSX of 12.000
statement lines take 11 s against 0.5 s for its CSV. The sheet XML written here directly is the part
of SpreadsheetML those files use (inline strings, four number formats), and openpyxl and LibreOffice
read it back in the tests. Reading uploaded workbooks stays with openpyxl (`sellercenter.spreadsheet`).

Cells by type: `str` is inline text (characters XML 1.0 cannot hold become U+FFFD), `bool` a boolean,
`int` and `float` a number in the General format, `Decimal` a number shown `#,##0` when whole and
`#,##0.00` otherwise, `date` a date `dd/mm/yyyy`, a naive `datetime` a date and time, `None` an
empty cell. Anything else, and a datetime with a time zone (a spreadsheet has none), is refused with
TypeError. The caller makes text spreadsheet-safe.
"""

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

# Day 0 of the 1900 date system as Excel counts it (which takes 1900 for a leap year).
_EPOCH = date(1899, 12, 30).toordinal()
# Code points XML 1.0 does not allow (C0 controls but tab, line feed and carriage return; surrogates,
# which UTF-8 cannot encode alone; U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters Excel does not allow in a sheet's name, which is also at most 31 characters.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# Indexes into the cellXfs of STYLES.
GENERAL, WHOLE, CENTS, DAY, MOMENT, HEADER = range(6)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    _DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    _DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    _DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    _DECLARATION + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="4">'
    '<numFmt numFmtId="164" formatCode="#,##0"/>'
    '<numFmt numFmtId="165" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="166" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="167" formatCode="dd/mm/yyyy hh:mm"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = _DECLARATION + f'<worksheet xmlns="{_MAIN}"><sheetData>'
SHEET_END = "</sheetData></worksheet>"


def column_letters(index: int) -> str:
    """The column's name from its 0-based index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_name(title: str) -> str:
    """`title` as Excel accepts a sheet's name: without []:*?/\\, at most 31 characters, not empty."""
    return _NOT_IN_SHEET_NAME.sub("_", _NOT_XML.sub("\ufffd", title))[:31] or "Sheet1"


def _text(value: str, reference: str, style: int = GENERAL) -> str:
    value = escape(_NOT_XML.sub("\ufffd", value))
    styled = f' s="{style}"' if style else ""
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _cell(value, reference: str) -> str:
    # The most frequent types first: this runs for every cell of the export.
    if isinstance(value, str):
        return _text(value, reference)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"A spreadsheet cannot hold the number {value}")
        style = WHOLE if value.as_tuple().exponent >= 0 else CENTS
        return f'<c r="{reference}" s="{style}"><v>{value:f}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise TypeError(f"A spreadsheet cannot hold the number {value}")
        return f'<c r="{reference}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            raise TypeError("A spreadsheet date has no time zone: give the local time without it")
        midnight = value.replace(hour=0, minute=0, second=0, microsecond=0)
        serial = value.toordinal() - _EPOCH + (value - midnight).total_seconds() / 86400
        return f'<c r="{reference}" s="{MOMENT}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="{DAY}"><v>{value.toordinal() - _EPOCH}</v></c>'
    raise TypeError(f"A spreadsheet cell cannot hold a {type(value).__name__}")


def _write_sheet(out, header: Iterable, rows: Iterable[Iterable]) -> None:
    letters: list[str] = []

    def references(count: int, row_number: int) -> list[str]:
        while len(letters) < count:
            letters.append(column_letters(len(letters)))
        return [f"{letter}{row_number}" for letter in letters[:count]]

    out.write(SHEET_START.encode())
    header = [str(label) for label in header]
    cells = "".join(_text(label, ref, HEADER) for label, ref in zip(header, references(len(header), 1), strict=True))
    out.write(f'<row r="1">{cells}</row>'.encode())
    for number, row in enumerate(rows, start=2):
        row = list(row)
        cells = "".join(map(_cell, row, references(len(row), number)))
        out.write(f'<row r="{number}">{cells}</row>'.encode())
    out.write(SHEET_END.encode())


def xlsx_write_sheet(target, title: str, header: Iterable, rows: Iterable[Iterable]) -> None:
    """Write a workbook of one sheet named `title` to `target` (a path or a binary file): the bold
    `header` row, then `rows`. The sheet is spooled to a temporary file before it is compressed, so
    memory stays flat however many rows, and the archive needs ZIP64 only past 4 GiB."""
    workbook = (
        _DECLARATION + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
        f'<sheet name={quoteattr(sheet_name(title))} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with tempfile.TemporaryFile() as sheet:
        _write_sheet(sheet, header, rows)
        size = sheet.tell()
        sheet.seek(0)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
            archive.writestr("_rels/.rels", PACKAGE_RELS)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
            archive.writestr("xl/styles.xml", STYLES)
            info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size = size
            with archive.open(info, "w") as entry:
                shutil.copyfileobj(sheet, entry, 1 << 20)
