"""Admin exports (django-import-export): CSV with BOM and XLSX, neutralised text in both, plain
numbers, the user's language, and only the user's shops."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from finance.columns import LINE_COLUMNS, STATEMENT_COLUMNS
from finance.models import StatementLine
from finance.resources import StatementLineResource, StatementResource
from sellercenter.models import Role
from sellercenter.spreadsheet import BOM, FORMULA_PREFIXES
from tests.finance.factories import adjustment
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
CSV, XLSX = "0", "1"
DANGEROUS = [f"{prefix}cmd|' /C calc'!A0" for prefix in FORMULA_PREFIXES]


@pytest.fixture
def lines(shop, other_shop):
    made = []
    for reason in DANGEROUS:
        line = adjustment(shop, "-1500", reason="Điều chỉnh")
        StatementLine.objects.filter(pk=line.pk).update(reason=reason)
        made.append(line)
    adjustment(shop, "2500", reason="Hoàn phí vận chuyển cho khách ở Đà Nẵng")
    adjustment(other_shop, "9999", reason="Dòng của Mỹ Phẩm Sen Việt")
    return made


@pytest.fixture
def accountant_client(client, shop):
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    return client


def export(client, model: str, resource, columns, file_format: str, **headers):
    data = {"format": file_format, "resource": "0"}
    data.update({f"{resource.__name__.lower()}_{column.name}": "on" for column in columns})
    response = client.post(reverse(f"admin:finance_{model}_export"), data, **headers)
    assert response.status_code == 200, response.content[:500]
    return response


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def test_lines_csv_has_a_bom_plain_numbers_and_no_formula(accountant_client, lines):
    rows = csv_rows(export(accountant_client, "statementline", StatementLineResource, LINE_COLUMNS, CSV))

    header = rows[0]
    assert header[:3] == ["Statement", "Type", "Order number"]
    notes = {row[header.index("Note")] for row in rows[1:]}
    assert {"'" + text for text in DANGEROUS} <= notes
    nets = {row[header.index("Net")] for row in rows[1:]}
    assert nets == {"-1500", "2500"}  # VND: whole dong, numeric in every locale


def test_lines_csv_in_vietnamese_round_trips(accountant_client, lines):
    rows = csv_rows(
        export(accountant_client, "statementline", StatementLineResource, LINE_COLUMNS, CSV, HTTP_ACCEPT_LANGUAGE="vi")
    )

    assert rows[0][:2] == ["Sao kê", "Loại"]
    assert "Hoàn phí vận chuyển cho khách ở Đà Nẵng" in {row[-1] for row in rows}
    assert {row[1] for row in rows[1:]} == {"Điều chỉnh"}
    # Vietnamese formats numbers as 1.500,00; the export never does.
    assert "-1500" in {row[rows[0].index("Số tiền thực nhận")] for row in rows[1:]}


def test_lines_xlsx_keeps_numbers_as_numbers_and_text_as_text(accountant_client, lines):
    response = export(accountant_client, "statementline", StatementLineResource, LINE_COLUMNS, XLSX)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=False))
    header = [cell.value for cell in rows[0]]
    net, note = header.index("Net"), header.index("Note")
    for row in rows[1:]:
        assert row[net].data_type == "n" and row[net].value in (-1500, 2500)
        assert row[note].data_type == "s"
    # XML reads a carriage return back as a line feed; the leading quote is what matters.
    expected = {("'" + text).replace("\r", "\n") for text in DANGEROUS}
    assert expected <= {row[note].value for row in rows[1:]}


def test_the_export_holds_only_the_users_shops(accountant_client, lines):
    rows = csv_rows(export(accountant_client, "statementline", StatementLineResource, LINE_COLUMNS, CSV))

    assert "Dòng của Mỹ Phẩm Sen Việt" not in {row[-1] for row in rows}
    assert len(rows) == 1 + len(DANGEROUS) + 1


def test_statements_export(accountant_client, lines, shop):
    rows = csv_rows(export(accountant_client, "statement", StatementResource, STATEMENT_COLUMNS, CSV))

    assert rows[0][:2] == ["Statement", "Status"]
    assert len(rows) == 2  # the other shop's statement is not there
    statement = lines[0].statement
    assert rows[1][0] == statement.reference and rows[1][1] == "Open"
    assert rows[1][rows[0].index("Net")] == str(-1500 * len(DANGEROUS) + 2500)


def test_operations_staff_cannot_export_finance(client, shop, lines):
    client.force_login(staff_user(shop, Role.OPERATIONS))

    response = client.post(reverse("admin:finance_statementline_export"), {"format": CSV, "resource": "0"})

    assert response.status_code == 403
