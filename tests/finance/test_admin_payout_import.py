"""The bank's payout file, imported in the admin: preview, then apply; any row that does not match
its statement means nothing of the file is applied."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance import services
from finance.models import Payout, PayoutState, StatementStatus
from sellercenter.models import Role
from sellercenter.spreadsheet import BOM
from tests.finance.factories import adjustment, reload
from tests.finance.test_services_statements import AFTER_WEEK_1, AFTER_WEEK_2, WEEK_1, WEEK_2
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
CSV, XLSX = "0", "1"
HEADER = "statement_reference,amount,paid_on,bank_reference"


@pytest.fixture
def closed(shop):
    """Two closed statements of the shop: 42.000 ₫ and 10.000 ₫ to pay out."""
    first = adjustment(shop, "42000", at=WEEK_1).statement
    first = services.statement_close(statement=first, now=AFTER_WEEK_1)
    second = adjustment(shop, "10000", at=WEEK_2).statement
    second = services.statement_close(statement=second, now=AFTER_WEEK_2)
    return first, second


@pytest.fixture
def accountant(client, shop):
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    return client


def payout_csv(*rows: str) -> SimpleUploadedFile:
    text = BOM + "\r\n".join([HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile("vietcombank-payouts.csv", text.encode("utf-8"), content_type="text/csv")


def preview(client, upload, file_format=CSV):
    response = client.post(
        reverse("admin:finance_payout_import"), {"resource": "0", "format": file_format, "import_file": upload}
    )
    assert response.status_code == 200
    return response


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:finance_payout_process_import"), data)


def test_a_matching_file_marks_its_statements_paid(accountant, closed):
    first, second = closed
    upload = payout_csv(
        f"{first.reference},42000,2025-03-11,VCB-0001", f"{second.reference},10000.00,18/03/2025,VCB-0002"
    )

    response = preview(accountant, upload)
    assert response.context["confirm_form"] is not None
    assert reload(first).status == StatementStatus.CLOSED  # the preview applies nothing

    assert confirm(accountant, response).status_code == 302
    for statement, reference in ((first, "VCB-0001"), (second, "VCB-0002")):
        statement = reload(statement)
        assert statement.status == StatementStatus.PAID and statement.payout.bank_reference == reference
        assert set(statement.lines.values_list("payout_state", flat=True)) == {PayoutState.PAID}
    assert Payout.objects.get(statement=first).amount == Decimal("42000")


def test_one_mismatching_amount_means_nothing_is_applied(accountant, closed):
    first, second = closed
    upload = payout_csv(f"{first.reference},42000,2025-03-11,VCB-0001", f"{second.reference},10001,2025-03-18,VCB-0002")

    response = preview(accountant, upload)

    result = response.context["result"]
    assert result.has_validation_errors() and "confirm_form" not in response.context
    errors = result.invalid_rows[0].error_dict
    assert "amount" in errors and "10.000 ₫" in str(errors["amount"])
    assert not Payout.objects.exists()
    assert {reload(s).status for s in closed} == {StatementStatus.CLOSED}


def test_a_file_that_stopped_matching_after_the_preview_applies_nothing(accountant, closed):
    first, second = closed
    response = preview(
        accountant,
        payout_csv(f"{first.reference},42000,2025-03-11,VCB-0001", f"{second.reference},10000,2025-03-18,VCB-0002"),
    )
    services.payout_record(statement=second, amount=Decimal("10000"), paid_on=second.period_to, bank_reference="TAY")

    confirm(accountant, response)

    assert reload(first).status == StatementStatus.CLOSED
    assert list(Payout.objects.values_list("bank_reference", flat=True)) == ["TAY"]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("ST-SEN-VIET-20250303,42000,2025-03-11,VCB", "statement_reference"),
        ("{ref},42000,2099-01-01,VCB", "paid_on"),
        ("{ref},42000,2025-03-01,VCB", "paid_on"),
        ("{ref},bốn mươi hai nghìn,2025-03-11,VCB", "amount"),
        ("{ref},42000,2025-03-11,", "bank_reference"),
    ],
)
def test_bad_rows_are_errors_naming_the_column(accountant, closed, other_shop, row, column):
    adjustment(other_shop, "5000", at=WEEK_1)
    response = preview(accountant, payout_csv(row.format(ref=closed[0].reference)))

    result = response.context["result"]
    assert result.has_validation_errors()
    assert column in result.invalid_rows[0].error_dict
    assert not Payout.objects.exists()


def test_an_open_statement_cannot_be_paid(accountant, shop):
    statement = adjustment(shop, "1000").statement

    response = preview(accountant, payout_csv(f"{statement.reference},0,2025-03-11,VCB"))

    assert "statement_reference" in response.context["result"].invalid_rows[0].error_dict


def test_an_xlsx_file_is_read_too(accountant, closed):
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    book.active.append([closed[0].reference, 42000, "11/03/2025", "VCB-0001"])
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("payouts.xlsx", content.getvalue())

    confirm(accountant, preview(accountant, upload, XLSX))

    assert reload(closed[0]).status == StatementStatus.PAID


def test_operations_staff_cannot_import_payouts(client, shop):
    client.force_login(staff_user(shop, Role.OPERATIONS))

    assert client.get(reverse("admin:finance_payout_import")).status_code == 403
