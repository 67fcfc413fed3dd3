"""The streamed CSV endpoints: BOM, headers in English or Vietnamese, numbers, neutralised text,
validation, roles and shop isolation."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone

from finance.models import StatementLine
from sellercenter.models import ApiScope, Role
from sellercenter.spreadsheet import BOM, FORMULA_PREFIXES
from tests.conftest import make_api_client
from tests.finance.factories import FeeRuleFactory, adjustment, complete, delivered, sale_line
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
DANGEROUS = [f'{prefix}HYPERLINK("http://x")' for prefix in FORMULA_PREFIXES]


def read(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(body.decode("utf-8")[len(BOM) :], newline="")))


@pytest.fixture
def statement(shop):
    FeeRuleFactory(shop=shop)
    order = complete(delivered(shop))
    for reason in DANGEROUS:
        line = adjustment(shop, "-1500", reason="Điều chỉnh")
        # As text arrives from elsewhere: the service trims the whitespace a tab or CR prefix is.
        StatementLine.objects.filter(pk=line.pk).update(reason=reason)
    adjustment(shop, "2000", reason="Hoàn phí vận chuyển cho đơn giao trễ")
    return sale_line(order).statement


def url(statement, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/finance/statements/{statement.pk}/lines.csv" + (f"?{query}" if query else "")


def test_statement_lines_in_english(api, statement):
    response = api.get(url(statement, lang="en"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{statement.reference}.csv"' in response["Content-Disposition"]
    rows = read(response)
    assert rows[0][:4] == ["Statement", "Type", "Order number", "Payment method"]
    assert "Net" in rows[0] and len(rows) == 1 + 1 + len(DANGEROUS) + 1


def test_statement_lines_in_vietnamese_round_trip(api, statement):
    rows = read(api.get(url(statement, lang="vi")))

    assert rows[0][:3] == ["Sao kê", "Loại", "Mã đơn hàng"]
    assert rows[-1][1] == "Điều chỉnh"
    assert rows[-1][-1] == "Hoàn phí vận chuyển cho đơn giao trễ"
    assert rows[1][rows[0].index("Trạng thái thanh toán")] == "Đang thanh toán"


def test_amounts_are_plain_numbers_negative_ones_too_and_dates_iso(api, statement):
    rows = read(api.get(url(statement, lang="en")))
    header, sale = rows[0], rows[1]

    assert sale[header.index("Commission")] == "-6000"  # VND: whole dong, numeric in every locale
    assert sale[header.index("Net")] == "136250"
    assert Decimal(sale[header.index("Net")])
    assert sale[header.index("Booking date")] == timezone.localdate(timezone=statement.shop.tzinfo).isoformat()


def test_a_statement_with_lines_in_two_currencies_writes_each_amount_in_its_own(api, statement):
    # A line of an order placed before the shop changed its currency keeps the order's currency.
    line = StatementLine.objects.filter(statement=statement, kind="adjustment").latest("pk")
    StatementLine.objects.filter(pk=line.pk).update(currency="USD", adjustment="20.50", net="20.50")

    rows = read(api.get(url(statement, lang="en")))

    header = rows[0]
    currency, net = header.index("Currency"), header.index("Net")
    assert [(row[currency], row[net]) for row in rows[1:] if row[currency] == "USD"] == [("USD", "20.50")]
    assert (rows[1][currency], rows[1][net]) == ("VND", "136250")


def test_no_cell_can_run_as_a_formula(api, statement):
    rows = read(api.get(url(statement, lang="en")))

    notes = [row[-1] for row in rows[1:] if row[-1]]
    assert notes[: len(DANGEROUS)] == ["'" + text for text in DANGEROUS]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES) or cell.lstrip("-").replace(".", "").isdigit()


def test_a_date_range_export(api, shop, statement):
    today = timezone.localdate(timezone=shop.tzinfo)

    response = api.get(f"/api/v1/finance/lines.csv?from={today}&to={today}&lang=en")

    assert f'filename="hoa-mai-{today:%Y%m%d}-{today:%Y%m%d}.csv"' in response["Content-Disposition"]
    assert len(read(response)) == 1 + statement.lines.count()
    assert len(read(api.get("/api/v1/finance/lines.csv?from=2020-01-01&to=2020-01-31"))) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2025-03-31", "from"),
        ("from=2025-03-31&to=2025-03-01", "to"),
        ("from=31/03/2025&to=2025-04-01", "from"),
        ("from=2025-03-01&to=2025-03-31&lang=fr", "lang"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api, query, field):
    response = api.get(f"/api/v1/finance/lines.csv?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_another_shops_statement_is_not_found_and_its_lines_never_listed(other_api, api, statement, other_shop):
    assert other_api.get(url(statement)).status_code == 404
    adjustment(other_shop, "5000", reason="Dòng của cửa hàng khác")
    today = timezone.localdate()

    rows = read(api.get(f"/api/v1/finance/lines.csv?from={today}&to={today}"))
    assert "Dòng của cửa hàng khác" not in {row[-1] for row in rows}
    assert len(read(other_api.get(f"/api/v1/finance/lines.csv?from={today}&to={today}"))) == 2


def test_a_storefront_key_may_not_export(shop, statement):
    storefront = make_api_client(shop, scopes=[ApiScope.STOREFRONT])

    assert storefront.get(url(statement)).status_code == 403


@pytest.mark.parametrize(("role", "status"), [(Role.ACCOUNTANT, 200), (Role.OWNER, 200), (Role.OPERATIONS, 403)])
def test_logged_in_staff_need_finance_in_their_role(client, shop, statement, role, status):
    client.force_login(staff_user(shop, role))

    assert client.get(url(statement)).status_code == status


@pytest.mark.postgres
def test_on_postgresql_the_stream_comes_from_copy(api, statement, django_assert_num_queries):
    assert connection.vendor == "postgresql"
    response = api.get(url(statement, lang="en"))

    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(BOM.encode("utf-8")) and first.count(b"\n") == 1  # the header, sent at once
    rest = b"".join(chunks).decode("utf-8")
    assert "\r\n" not in rest  # COPY's line ends: proof the rows did not come through Python's csv
    assert "'=HYPERLINK" in rest and ",-6000," in rest


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_download_stopped_half_way_leaves_the_connection_usable(shop):
    # A fresh persistent connection, as a worker's: Django would close one older than CONN_MAX_AGE
    # when the request ends anyway, whatever happened to it.
    connection.close()
    statement = adjustment(shop, "1000").statement
    StatementLine.objects.bulk_create(
        StatementLine(
            shop=shop,
            statement=statement,
            kind="adjustment",
            payout_state="to_be_paid",
            currency="VND",
            booked_on=timezone.localdate(),
            adjustment=1,
            net=1,
            reason="Dòng " + "x" * 200,
        )
        for _ in range(5000)
    )
    response = make_api_client(shop).get(url(statement))
    database = connection.connection

    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    response.close()  # the client went away: the server closes the response mid-COPY

    assert connection.connection is database  # cancelled cleanly, not dropped
    assert StatementLine.objects.filter(statement=statement).count() == 5001


def test_other_currencies_keep_their_two_decimals_on_both_paths(api, shop, settings):
    shop.currency = "USD"
    shop.save(update_fields=["currency"])
    line = adjustment(shop, "12.5", reason="Refund of a late parcel")
    assert line.currency == "USD"
    today = timezone.localdate(timezone=shop.tzinfo)

    rows = read(api.get(f"/api/v1/finance/lines.csv?from={today}&to={today}&lang=en"))
    from finance.columns import LINE_COLUMNS, query_sources, row_converter

    python_row = row_converter(LINE_COLUMNS)(StatementLine.objects.values_list(*query_sources(LINE_COLUMNS)).get())

    assert rows[1][rows[0].index("Net")] == "12.50"
    assert python_row[[column.name for column in LINE_COLUMNS].index("net")] == "12.50"


def test_the_xlsx_holds_the_same_rows_with_real_numbers_and_dates(api, statement):
    import openpyxl

    csv_rows = read(api.get(url(statement, lang="vi")))
    response = api.get(url(statement, lang="vi").replace("lines.csv", "lines.xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{statement.reference}.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    header = [cell.value for cell in rows[0]]
    assert header == csv_rows[0]
    assert len(rows) == len(csv_rows)
    net = header.index("Số tiền thực nhận")
    assert [row[net].value for row in rows[1:]] == [int(row[net]) for row in csv_rows[1:]]
    assert all(row[net].data_type == "n" and row[net].number_format == "#,##0" for row in rows[1:])
    booked = rows[1][header.index("Ngày ghi nhận")]
    assert booked.is_date and booked.value.date().isoformat() == csv_rows[1][header.index("Ngày ghi nhận")]
    assert not any(cell.data_type == "f" for row in rows for cell in row)
    assert rows[-1][-1].value == "Hoàn phí vận chuyển cho đơn giao trễ"


def test_the_xlsx_of_a_range_refuses_a_bad_date_by_name(api):
    response = api.get("/api/v1/finance/lines.xlsx?from=2025-13-01&to=2025-01-31")

    assert response.status_code == 400
    assert "from" in response.json()["error"]["fields"]
