"""The statement exports opened as a Vietnamese accountant opens them: LibreOffice headless under
vi_VN.UTF-8 (decimal comma, `.` for thousands) converts the CSV and the XLSX, and every amount is a
number, the net column sums to the database's figure, no cell is a formula, the Vietnamese text is
intact. Skipped without LibreOffice or the locale, a failure when SELLERCENTER_REQUIRE_SERVICES=1."""

import os
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum
from django.utils import translation

from finance.columns import LINE_AMOUNT_COLUMNS
from finance.models import StatementLine
from tests.conftest import REQUIRE_SERVICES
from tests.finance.test_api_csv import statement  # noqa: F401 - lines with Vietnamese and formula-like text

pytestmark = pytest.mark.django_db
LOCALE = "vi_VN.UTF-8"
# The CSV import options a Vietnamese user gets: comma-separated, "-quoted, UTF-8 (76), from line 1,
# language Vietnamese (1066), which sets the decimal comma.
CSV_FILTER = "CSV:44,34,76,1,,1066"


def _vietnamese_locale_present() -> bool:
    names = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.lower().split()
    return "vi_vn.utf8" in names


@pytest.fixture
def soffice():
    problem = None
    binary = shutil.which("soffice")
    if binary is None:
        problem = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
    elif not _vietnamese_locale_present():
        problem = f"the {LOCALE} locale is missing: localedef -i vi_VN -f UTF-8 {LOCALE}"
    if problem:
        if REQUIRE_SERVICES:
            pytest.fail(f"LibreOffice under {LOCALE} is required here (SELLERCENTER_REQUIRE_SERVICES=1) but {problem}")
        pytest.skip(f"needs LibreOffice under {LOCALE}: {problem}")
    return binary


def converted(soffice, tmp_path, name: str, content: bytes, infilter: str | None = None):
    """`content` saved as `name`, opened and saved again as XLSX by LibreOffice under the Vietnamese locale."""
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out"
    command = [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", "xlsx", "--outdir", str(out), str(source)]
    env = {**os.environ, "LC_ALL": LOCALE, "LANG": LOCALE, "LANGUAGE": "vi"}
    # LibreOffice now and then aborts while it creates a new profile on a busy machine ("terminate
    # called after throwing an instance of ...", exit status 134), before it reads the file: the
    # conversion is started once more then, with the profile the first start left.
    for attempt in (1, 2):
        run = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
        if run.returncode != 134 or attempt == 2:
            break
    assert run.returncode == 0, f"LibreOffice exited with {run.returncode}: {run.stderr.decode(errors='replace')}"
    result = out / (source.stem + ".xlsx")
    assert result.exists(), f"LibreOffice did not convert {name}"
    return openpyxl.load_workbook(result).active


def assert_opens_right(sheet, expected_net: Decimal):
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    with translation.override("vi"):
        amount_labels = [str(column.label) for column in LINE_AMOUNT_COLUMNS]
        net_label = str(LINE_AMOUNT_COLUMNS[-1].label)
    amounts = [header.index(label) for label in amount_labels]
    body = rows[1:]
    assert body, "no data rows"
    for row in body:
        for index in amounts:
            assert row[index].data_type == "n", f"{header[index]} = {row[index].value!r} is not a number"
    assert sum(Decimal(str(row[header.index(net_label)].value)) for row in body) == expected_net
    assert not [cell.coordinate for row in rows for cell in row if cell.data_type == "f"]
    texts = {cell.value for row in body for cell in row if isinstance(cell.value, str)}
    assert "Hoàn phí vận chuyển cho đơn giao trễ" in texts
    assert header[:3] == ["Sao kê", "Loại", "Mã đơn hàng"]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_libreoffice_in_vietnamese_reads_every_amount_as_a_number(api, statement, soffice, tmp_path, extension):  # noqa: F811
    response = api.get(f"/api/v1/finance/statements/{statement.pk}/lines.{extension}?lang=vi")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    expected_net = StatementLine.objects.filter(statement=statement).aggregate(total=Sum("net"))["total"]

    sheet = converted(
        soffice, tmp_path, f"sao-ke.{extension}", content, infilter=CSV_FILTER if extension == "csv" else None
    )

    assert_opens_right(sheet, expected_net)
