"""Statement lines as a streamed CSV: memory stays flat however many lines there are.

On PostgreSQL the rows come from `COPY (SELECT ...) TO STDOUT (FORMAT csv)` through psycopg 3's
`cursor.copy()`: the database renders every cell (amounts as plain numbers, dates ISO under DateStyle
ISO, text made spreadsheet-safe by `finance.columns.neutralised`) and the chunks go to the client as
they arrive.
Elsewhere (SQLite) a server-side iterator feeds `sellercenter.spreadsheet.csv_lines`. Both paths start
with the BOM and a header row in the active language, and yield the same cells; they differ only in
the line ending (`\\n` from COPY, `\\r\\n` from Python's csv), which spreadsheets read alike.

Labels (headers, choice values) are resolved when a stream is prepared, not while it is consumed:
a streaming response is consumed after the view has returned and its language is no longer active.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping

from django.db import connection, connections, router, transaction
from django.db.models import CharField, QuerySet, Value
from django.http import FileResponse, StreamingHttpResponse

from finance.columns import CURRENCY_SOURCE, headers, query_sources, row_converter
from sellercenter.db_router import reads_from_replica
from sellercenter.spreadsheet import csv_lines, spreadsheet_safe, xlsx_download

CHUNK_ROWS = 2000
# COPY hands over one row per message and csv_lines one row per string: sending each on its own
# costs a write (and a chunk header) per row, so rows are sent in blocks of about this size.
BLOCK_BYTES = 1 << 16


def _blocks(pieces: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """`pieces` joined into blocks of about BLOCK_BYTES (COPY's rows are taken as they come, without
    a copy of each: a million rows is a million pieces)."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= BLOCK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _header_text(columns) -> str:
    return "".join(csv_lines(headers(columns), ()))


def python_csv_chunks(queryset: QuerySet, columns, *, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The CSV rendered in Python from a server-side iterator over the rows (any database).
    `progress(rows so far)` is called every CHUNK_ROWS rows."""
    convert = row_converter(columns)
    header = headers(columns)
    values = queryset.values_list(*query_sources(columns))

    def rows() -> Iterator[list]:
        for count, row in enumerate(values.iterator(chunk_size=CHUNK_ROWS), start=1):
            if progress is not None and count % CHUNK_ROWS == 0:
                progress(count)
            yield convert(row)

    def stream() -> Iterator[bytes]:
        yield from _blocks(text.encode("utf-8") for text in csv_lines(header, rows()))

    return stream()


def _cell_sql(column, same_on_every_row: Mapping[str, str]):
    if column.name in same_on_every_row:
        return Value(spreadsheet_safe(same_on_every_row[column.name]), output_field=CharField())
    return column.expression(currency=same_on_every_row.get(CURRENCY_SOURCE))


def copy_sql(queryset: QuerySet, columns, *, same_on_every_row: Mapping[str, str] | None = None) -> tuple[str, tuple]:
    """`COPY (<the rows with every cell rendered in SQL>) TO STDOUT` and its parameters.

    `same_on_every_row` (column name -> text) gives cells the caller knows for the whole export, such
    as the statement's reference on its own lines: they are written as literals, so the query does not
    join their table for each row. A currency given there (under CURRENCY_SOURCE) also writes every
    money cell in it, without testing each row's currency."""
    known = same_on_every_row or {}
    aliases = {f"cell_{index}": _cell_sql(column, known) for index, column in enumerate(columns)}
    select = queryset.annotate(**aliases).values_list(*aliases)
    sql, params = select.query.sql_with_params()
    return f"COPY ({sql}) TO STDOUT (FORMAT csv)", params


def copy_csv_chunks(
    queryset: QuerySet, columns, *, same_on_every_row: Mapping[str, str] | None = None
) -> Iterator[bytes]:
    """The CSV rendered by PostgreSQL's COPY, passed on chunk by chunk (PostgreSQL only), read from a
    replica when one may serve it (an export tolerates a few seconds of lag; see sellercenter.db_router).
    The database is chosen now, in the request: the stream is consumed after the view has returned."""
    statement, params = copy_sql(queryset, columns, same_on_every_row=same_on_every_row)
    header = _header_text(columns).encode("utf-8")
    with reads_from_replica():
        alias = router.db_for_read(queryset.model)

    def stream() -> Iterator[bytes]:
        yield header  # at once, before the database has produced its first row
        # Dates leave as the database writes them: ISO whatever the server's or the session's DateStyle,
        # for this transaction only (SET LOCAL: nothing stays on a pooled connection).
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL DateStyle TO ISO")
            # One process renders the rows: parallel workers only pass them on to it, through shared
            # memory (a plan with two took longer than one without, and took cores from other requests).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather TO 0")
            with cursor.cursor.copy(statement, params) as copy:
                yield from _blocks(copy)

    return stream()


def csv_chunks(queryset: QuerySet, columns, *, same_on_every_row: Mapping[str, str] | None = None) -> Iterator[bytes]:
    """The fastest way the database offers: COPY on PostgreSQL, the Python iterator elsewhere (which
    reads `same_on_every_row`'s cells from the rows as any other)."""
    if connection.vendor == "postgresql":
        return copy_csv_chunks(queryset, columns, same_on_every_row=same_on_every_row)
    return python_csv_chunks(queryset, columns)


def csv_download(filename: str, chunks: Iterable[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_rows(queryset: QuerySet, columns) -> tuple[list[str], Iterator[list]]:
    """The header and the typed rows (Decimal, date) of an XLSX, in the active language."""
    convert = row_converter(columns, native=True)
    values = queryset.values_list(*query_sources(columns)).iterator(chunk_size=CHUNK_ROWS)
    return headers(columns), (convert(row) for row in values)


def xlsx_rows_download(filename: str, queryset: QuerySet, columns) -> FileResponse:
    """The same rows and headers as the CSV, as an XLSX of real numbers and dates (labels in the
    active language: the workbook is written before this returns)."""
    header, rows = xlsx_rows(queryset, columns)
    return xlsx_download(filename, filename.rsplit(".", 1)[0], header, rows)
