"""The exports' XLSX writer, read back by openpyxl (LibreOffice reads the exports in
tests/finance/test_exports_in_libreoffice.py)."""

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from sellercenter.spreadsheet import xlsx_write
from sellercenter.xlsx import column_letters, sheet_name, xlsx_write_sheet


def _read(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def _written(header, rows, title="Sao kê") -> bytes:
    out = io.BytesIO()
    xlsx_write(out, title, header, rows)
    return out.getvalue()


def test_every_kind_of_cell_reads_back_with_its_type_and_format():
    evening = datetime(2026, 12, 7, 18, 30)
    rows = [
        ["Áo dài lụa", Decimal("845000"), Decimal("12.50"), 3, 0.25, True, date(2026, 12, 7), evening],
        ["  hai khoảng trắng  ", Decimal("-1500"), Decimal("-0.01"), -7, None, False, date(1900, 3, 1), None],
    ]
    sheet = _read(_written(["Tên", "Số tiền", "Phí", "SL", "Tỉ lệ", "Có", "Ngày", "Lúc"], rows))

    read = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert read[0] == ["Tên", "Số tiền", "Phí", "SL", "Tỉ lệ", "Có", "Ngày", "Lúc"]
    assert all(cell.font.b for cell in sheet[1])
    assert read[1] == ["Áo dài lụa", 845000, 12.5, 3, 0.25, True, datetime(2026, 12, 7), evening]
    assert read[2] == ["  hai khoảng trắng  ", -1500, -0.01, -7, None, False, datetime(1900, 3, 1), None]
    amount, fee, day, moment = sheet["B2"], sheet["C2"], sheet["G2"], sheet["H2"]
    assert (amount.data_type, amount.number_format) == ("n", "#,##0")
    assert (fee.data_type, fee.number_format) == ("n", "#,##0.00")
    assert day.is_date and day.number_format == "dd/mm/yyyy"
    assert moment.is_date and moment.number_format == "dd/mm/yyyy hh:mm"
    assert sheet["A2"].data_type == "s" and not sheet["A2"].font.b
    assert sheet.title == "Sao kê"


def test_text_that_looks_like_a_formula_stays_text():
    sheet = _read(_written(["=cột"], [['=HYPERLINK("http://x")', "+84 28 3822", "-1500", "@SUM(A1)"]]))

    assert sheet["A1"].value == "'=cột"
    assert [cell.value for cell in sheet[2]] == ['\'=HYPERLINK("http://x")', "'+84 28 3822", "-1500", "'@SUM(A1)"]
    assert all(cell.data_type == "s" for cell in sheet[2])


def test_markup_and_characters_xml_cannot_hold_are_written_safely():
    hostile = "<b>&amp;</b> \"trích\" 'dẫn' \x00\x07\x0b\x1f\ud800\ufffe tab\tlf\nend"
    sheet = _read(_written(["Lý do"], [[hostile]], title="a[b]c:d*e?f/g\\h and a very long name here"))

    assert sheet["A2"].value == "<b>&amp;</b> \"trích\" 'dẫn' \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd tab\tlf\nend"
    assert sheet.title == "a_b_c_d_e_f_g_h and a very long"


def test_columns_past_z_and_a_sparse_row_keep_their_places():
    header = [f"c{index}" for index in range(30)]
    row = [None] * 30
    row[0], row[25], row[26], row[29] = "A", "Z", "AA", "AD"
    sheet = _read(_written(header, [row]))

    assert [sheet.cell(row=2, column=column).value for column in (1, 26, 27, 30)] == ["A", "Z", "AA", "AD"]
    assert sheet.max_column == 30
    assert [column_letters(index) for index in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


def test_every_part_is_well_formed_xml_and_the_sheet_is_compressed():
    content = _written(["Mã"], [[f"ĐH-{number}"] for number in range(2000)])

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            ElementTree.fromstring(archive.read(info))  # noqa: S314 (our own file; raises on malformed XML)
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.compress_type == zipfile.ZIP_DEFLATED and sheet.compress_size < sheet.file_size / 5
    assert _read(content).max_row == 2001


def test_a_file_path_is_a_target_too(tmp_path):
    target = tmp_path / "don-hang.xlsx"
    xlsx_write_sheet(target, "Đơn hàng", ["Mã"], [["DH-1"]])

    assert load_workbook(target).active["A2"].value == "DH-1"


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 12, 7, tzinfo=UTC), object(), Decimal("NaN"), float("inf"), b"bytes"],
    ids=["aware datetime", "object", "decimal nan", "infinity", "bytes"],
)
def test_a_value_no_cell_can_hold_is_refused(value):
    with pytest.raises(TypeError):
        xlsx_write_sheet(io.BytesIO(), "x", ["a"], [[value]])


def test_an_empty_title_still_names_the_sheet():
    assert sheet_name("") == "Sheet1"
    assert sheet_name("Đơn hàng") == "Đơn hàng"
