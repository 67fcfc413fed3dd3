"""Columns of a spreadsheet export, declared once for every export path of an app.

Each column knows its label (English, and the reader's language through the catalogue), where its
value lives, and its kind. From one list of columns come the Python rendering of a row (CSV text, or
with `native` the typed cells of an XLSX) and, for PostgreSQL's `COPY ... TO STDOUT`, the SQL
expression of each cell, with text neutralised by an expression generated from the same rule as
`sellercenter.spreadsheet.spreadsheet_safe`. finance.columns (statements) and orders.exports (orders)
declare theirs with it.

In CSV, amounts are plain numbers in the row's currency: whole numbers for currencies without a
minor unit (VND `-15000`), two decimals otherwise (USD `12.50`); dates ISO (`2025-03-03`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from itertools import groupby
from operator import or_

from django.db.models import BigIntegerField, CharField, Choices, DecimalField, F, Value
from django.db.models.expressions import Case, Combinable, When
from django.db.models.functions import Cast, Coalesce, Concat, Left, Ord
from django.db.models.lookups import In, Regex
from django.utils.functional import Promise

from sellercenter.money import MINOR_UNITS, money_plain, money_round
from sellercenter.spreadsheet import FORMULA_PREFIXES, PLAIN_NUMBER, spreadsheet_safe

TEXT, NUMBER, MONEY, DATE, CHOICE = "text", "number", "money", "date", "choice"
# Every exported model carries its currency in this field; money cells are written in it.
CURRENCY_SOURCE = "currency"
WHOLE_CURRENCIES = [currency for currency, places in MINOR_UNITS.items() if places == 0]
QUOTE = "'"


def _sql_pattern(python_pattern: str) -> str:
    """The kernel's plain-number pattern (ASCII digits spelled out, so both sides read it alike) as an
    anchored PostgreSQL (and SQLite REGEXP) pattern."""
    return "^(" + python_pattern + ")$"


PLAIN_NUMBER_SQL = _sql_pattern(PLAIN_NUMBER.pattern)


def _starts_with_formula_prefix(text: Combinable):
    """`text` starts with one of FORMULA_PREFIXES: `LEFT(text, n) IN (...)` per prefix length, and for
    one-character prefixes the first character's code among theirs (`ASCII(text) IN (61, ...)`: whole
    numbers compared, not strings cut and compared; on a million-line statement the cut cost about
    half a second)."""
    by_length = groupby(sorted(FORMULA_PREFIXES, key=len), key=len)
    return reduce(
        or_,
        (
            In(Ord(text), [ord(prefix) for prefix in prefixes])
            if length == 1
            else In(Left(text, length), list(prefixes))
            for length, prefixes in by_length
        ),
    )


def neutralised(text: Combinable) -> Case:
    """SQL for `spreadsheet_safe(text)`: a leading `'` on text a spreadsheet would run as a formula,
    plain numbers (also negative ones) left alone. `text` must not be NULL (coalesce it first).

    The cases are nested so that the pattern only runs on the few cells that start dangerously."""
    guarded = Case(
        When(Regex(text, Value(PLAIN_NUMBER_SQL)), then=text),
        default=Concat(Value(QUOTE), text, output_field=CharField()),
        output_field=CharField(),
    )
    return Case(When(_starts_with_formula_prefix(text), then=guarded), default=text, output_field=CharField())


@dataclass(frozen=True)
class Column:
    name: str
    label: Promise
    kind: str = TEXT
    path: str = ""
    choices: type[Choices] | None = None

    @property
    def source(self) -> str:
        """Where the value lives on the exported model (an ORM path, `__` across relations)."""
        return self.path or self.name

    def converter(self, *, native: bool = False) -> Callable:
        """(DB value, row's currency) -> CSV cell, or with `native` the typed cell of a spreadsheet
        (Decimal, date); choice labels are resolved now (in the active language)."""
        if self.kind == MONEY:
            render = money_round if native else money_plain
            return lambda value, currency: render(value, currency) if value is not None else None
        if self.kind == DATE:
            if native:
                return lambda value, _currency: value
            return lambda value, _currency: value.isoformat() if value is not None else None
        if self.kind == CHOICE:
            labels = {value: str(label) for value, label in self.choices.choices}
            return lambda value, _currency: labels.get(value, value)
        return lambda value, _currency: value

    def expression(self, *, currency: str | None = None):
        """The cell as SQL (the COPY path, run under DateStyle ISO); choice labels are resolved now (in
        the active language). `currency`: the one currency of every exported row, when the caller
        knows it, so that money cells do not test each row's."""
        field = F(self.source)
        if self.kind == NUMBER:
            return field
        if self.kind == MONEY and currency is not None:
            # A numeric cast to bigint rounds half away from zero, as money_round does; an amount in a
            # currency with cents is stored with exactly its two decimals. On a million-line statement
            # the test of each row's currency in each of its 13 amounts cost about a second.
            return Cast(field, BigIntegerField()) if currency in WHOLE_CURRENCIES else field
        if self.kind == MONEY:
            # A number, not text: COPY writes a numeric as its cast to text would, and without the two
            # casts per cell the statement's COPY (13 amounts a line) took about a sixth less time.
            whole = Cast(field, DecimalField(max_digits=18, decimal_places=0))
            return Case(
                When(**{f"{CURRENCY_SOURCE}__in": WHOLE_CURRENCIES}, then=whole),
                default=field,
                output_field=DecimalField(),
            )
        if self.kind == DATE:
            # The date as it is: COPY writes it ISO (2025-03-03) under DateStyle ISO, which the COPY path
            # sets for its own transaction (finance.streaming). to_char() cost as much as every other
            # cell together.
            return field
        if self.kind == CHOICE:
            # The labels are known now: made safe here, not on every row; only an unknown code is checked.
            labels = [
                When(**{self.source: value}, then=Value(spreadsheet_safe(str(label))))
                for value, label in self.choices.choices
            ]
            unknown = neutralised(Coalesce(field, Value(""), output_field=CharField()))
            return Case(*labels, default=unknown, output_field=CharField())
        return neutralised(Coalesce(field, Value(""), output_field=CharField()))


def headers(columns) -> list[str]:
    """The header row in the active language."""
    return [str(column.label) for column in columns]


def row_converter(columns, *, native: bool = False) -> Callable:
    """A function turning one `values_list(*query_sources(columns))` tuple into cells (choice labels
    fixed now): CSV text, or with `native` typed spreadsheet values."""
    converters = [column.converter(native=native) for column in columns]
    currency_at = len(columns)  # query_sources appends the currency after the columns' own sources.
    return lambda values: [
        convert(value, values[currency_at]) for convert, value in zip(converters, values[:currency_at], strict=True)
    ]


def sources(columns) -> list[str]:
    return [column.source for column in columns]


def query_sources(columns) -> list[str]:
    """The values a row converter reads: each column's source, then the row's currency."""
    return [*sources(columns), CURRENCY_SOURCE]
