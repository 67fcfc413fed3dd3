"""The SQL neutralisation generated from the kernel's rule agrees with `spreadsheet_safe`, on SQLite
and (in `make test`) on PostgreSQL; the two CSV paths yield the same cells."""

import csv
import io

import pytest
from django.db.models import CharField, Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.columns import LINE_COLUMNS, PLAIN_NUMBER_SQL, neutralised
from finance.selectors import lines_of_statement
from finance.streaming import copy_csv_chunks, copy_sql, python_csv_chunks
from sellercenter.models import Shop
from sellercenter.spreadsheet import BOM, FORMULA_PREFIXES, spreadsheet_safe
from tests.finance.factories import adjustment

pytestmark = pytest.mark.django_db

# PostgreSQL text cannot hold NUL.
ALPHABET = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)) | st.sampled_from("0123456789")
TEXT = st.text(ALPHABET, max_size=12)
CELLS = st.one_of(
    TEXT,
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from([*FORMULA_PREFIXES, "'", " "]), TEXT),
    st.from_regex(r"\A-?[0-9]{1,6}(\.[0-9]{1,3})?\Z"),
    st.from_regex(r"\A[-+@=][0-9.e+-]{0,6}\Z"),
)


def in_sql(shop: Shop, text: str) -> str:
    cell = neutralised(Value(text, output_field=CharField()))
    return Shop.objects.filter(pk=shop.pk).annotate(cell=cell).values_list("cell", flat=True).get()


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1:A9)",
        "+84912345678",
        "-1+2",
        "@cmd",
        "\tx",
        "\rx",
        "-1500.00",
        "-35000",
        "1500",
        "Nguyễn Văn An",
        "",
        "a=b",
        "'=",
    ],
)
def test_sql_and_python_neutralise_the_same_cells(shop, text):
    assert in_sql(shop, text) == spreadsheet_safe(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=CELLS)
def test_sql_and_python_agree_on_any_text(shop, text):
    assert in_sql(shop, text) == spreadsheet_safe(text)


def test_non_ascii_digits_are_text_on_both_sides(shop):
    # "٣" (Arabic-Indic three) is not an ASCII digit: "-٣" is text starting with "-", neutralised.
    assert PLAIN_NUMBER_SQL == "^(-?[0-9]+(\\.[0-9]+)?)$"
    assert in_sql(shop, "-٣") == spreadsheet_safe("-٣") == "'-٣"


def cells(chunks) -> list[list[str]]:
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


@pytest.mark.postgres
def test_copy_and_python_paths_yield_the_same_cells(shop):
    for reason in ["=1+1", "-1+2", "Điều chỉnh, có dấu phẩy", 'câu "trích dẫn"', "hai\ndòng", "@x", "-2"]:
        statement = adjustment(shop, "-1500", reason=reason).statement

    lines = lines_of_statement(statement=statement)
    from_python = cells(python_csv_chunks(lines, LINE_COLUMNS))
    from_copy = cells(copy_csv_chunks(lines, LINE_COLUMNS))

    assert from_copy == from_python
    assert len(from_copy) == 8
    assert [row[-1] for row in from_copy[1:]][:2] == ["'=1+1", "'-1+2"]


@pytest.mark.postgres
def test_cells_known_for_the_whole_export_are_written_without_joining_their_table(shop):
    adjustment(shop, "-1500", reason="Điều chỉnh")
    statement = adjustment(shop, "2500", reason="Bù phí").statement
    lines = lines_of_statement(statement=statement)
    known = {"statement": statement.reference}

    sql, _params = copy_sql(lines, LINE_COLUMNS, same_on_every_row=known)
    from_copy = cells(copy_csv_chunks(lines, LINE_COLUMNS, same_on_every_row=known))

    assert '"finance_statement"' not in sql  # the lines' table alone
    assert '"finance_statement"' in copy_sql(lines, LINE_COLUMNS)[0]
    assert from_copy == cells(python_csv_chunks(lines, LINE_COLUMNS))
    assert [row[0] for row in from_copy[1:]] == [statement.reference] * 2
    # The literal is made spreadsheet-safe as the cell read from the table would be.
    guarded = cells(copy_csv_chunks(lines, LINE_COLUMNS, same_on_every_row={"statement": "=1+1"}))
    assert {row[0] for row in guarded[1:]} == {"'=1+1"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the download in a transaction of its own, as in a request
def test_copy_dates_are_iso_whatever_datestyle_the_connection_has(shop):
    from django.db import connection

    statement = adjustment(shop, "-1500", reason="Điều chỉnh").statement
    lines = lines_of_statement(statement=statement)
    header = [str(column.label) for column in LINE_COLUMNS]
    date_cells = [header.index(str(column.label)) for column in LINE_COLUMNS if column.kind == "date"]
    with connection.cursor() as cursor:
        # A server configured for day-first dates (postgresql.conf), or a pooled session left so.
        cursor.execute("SET DateStyle TO 'SQL, DMY'")
        try:
            from_copy = cells(copy_csv_chunks(lines, LINE_COLUMNS))
            # The COPY's own setting ended with its transaction: nothing stays on the connection.
            cursor.execute("SHOW DateStyle")
            assert cursor.fetchone()[0] == "SQL, DMY"
        finally:
            cursor.execute("RESET DateStyle")

    assert from_copy == cells(python_csv_chunks(lines, LINE_COLUMNS))
    booked = from_copy[1][date_cells[2]]
    assert booked == lines.get().booked_on.isoformat()


def _amounts_set(line, amount: str, currency: str = "VND") -> None:
    """The line rewritten as one in `currency` with an `amount` adjustment would be (net adds up)."""
    from finance.models import StatementLine

    StatementLine.objects.filter(pk=line.pk).update(currency=currency, adjustment=amount, net=amount)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("currency", "amounts", "expected"),
    [
        ("VND", ["-1500.50", "2500.49", "0.50"], ["-1501", "2500", "1"]),
        ("USD", ["-12.50", "3.05", "7.00"], ["-12.50", "3.05", "7.00"]),
    ],
)
def test_a_currency_known_for_the_whole_export_writes_the_same_amounts_without_testing_each_row(
    shop, currency, amounts, expected
):
    lines = [adjustment(shop, "1000", reason="Điều chỉnh") for _amount in amounts]
    for line, amount in zip(lines, amounts, strict=True):
        _amounts_set(line, amount, currency)
    exported = lines_of_statement(statement=lines[0].statement)
    known = {"currency": currency}

    sql, _params = copy_sql(exported, LINE_COLUMNS, same_on_every_row=known)
    from_copy = cells(copy_csv_chunks(exported, LINE_COLUMNS, same_on_every_row=known))

    assert '"currency" IN' not in sql and '"currency" IN' in copy_sql(exported, LINE_COLUMNS)[0]
    assert from_copy == cells(python_csv_chunks(exported, LINE_COLUMNS))
    adjustment_at = [column.name for column in LINE_COLUMNS].index("adjustment")
    assert [row[adjustment_at] for row in from_copy[1:]] == expected


@pytest.mark.postgres
def test_the_currency_of_a_statements_lines_is_known_in_one_query_unless_they_differ(shop, django_assert_num_queries):
    from finance.selectors import currency_of_lines

    first = adjustment(shop, "1000", reason="Điều chỉnh")
    second = adjustment(shop, "-2000", reason="Điều chỉnh")
    statement = first.statement
    with django_assert_num_queries(1):
        assert currency_of_lines(statement=statement) == "VND"

    _amounts_set(second, "-20.00", "USD")  # an order placed before the shop changed its currency

    assert currency_of_lines(statement=statement) is None
