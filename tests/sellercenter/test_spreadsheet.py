import csv
import io
from decimal import Decimal

import pytest

from sellercenter.spreadsheet import BOM, csv_lines, csv_streaming_response, spreadsheet_safe


@pytest.mark.parametrize("dangerous", ["=SUM(A1:A9)", "+84912345678", "-1+2", "@cmd", "\tx", "\rx", "=1"])
def test_formula_prefixes_are_neutralised(dangerous):
    assert spreadsheet_safe(dangerous) == "'" + dangerous


@pytest.mark.parametrize("plain", ["-1500.00", "-35000", "1500", "Nguyễn Văn An", "", "a=b"])
def test_numbers_and_ordinary_text_are_left_alone(plain):
    assert spreadsheet_safe(plain) == plain


def test_non_text_values_are_left_alone():
    assert spreadsheet_safe(Decimal("-1500")) == Decimal("-1500")
    assert spreadsheet_safe(None) is None


def test_csv_starts_with_a_bom_and_round_trips_vietnamese():
    text = "".join(csv_lines(["Tên", "Số tiền"], [["Trần Thị Bích Ngọc", Decimal("-35000")], ["=HYPERLINK()", 1]]))

    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM) :])))
    assert rows == [["Tên", "Số tiền"], ["Trần Thị Bích Ngọc", "-35000"], ["'=HYPERLINK()", "1"]]


def test_streaming_response_is_utf8_csv():
    response = csv_streaming_response("sao-ke.csv", ["Tên"], [["Lê Văn Tám"]])

    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="sao-ke.csv"' in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    assert "Lê Văn Tám".encode() in body
