"""Writing rows in as few statements as they need: many rows by PostgreSQL's `COPY … FROM STDIN`
where the database has it (`bulk_create` elsewhere), one row that may already be there by
`INSERT … ON CONFLICT DO NOTHING`.

For a batch of a few hundred rows COPY takes a fraction of `bulk_create`'s time: Django builds no SQL
and quotes no parameter, psycopg streams the rows as they are. The statement is recorded where
Django records its queries (`connection.queries`, `CaptureQueriesContext`), so a test that counts a
service's queries still sees it. Rows go through the model's columns, so the model's defaults,
`save()` and signals do not run: give every value (as `bulk_create` also skips `save()`)."""

import time
from collections.abc import Iterable, Mapping, Sequence

from django.db import connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

JSON_TYPES = ("JSONField",)


def copy_rows(model: type[Model], objs: Sequence[Model], *, using: str | None = None) -> None:
    """Insert `objs` (unsaved instances of `model`, every field set) in one statement. Their primary
    keys are not read back: use it where nothing needs them."""
    fields = _copied_fields(model)
    _copy(model, fields, ([getattr(obj, field.attname) for field in fields] for obj in objs), len(objs), using,
          fallback=lambda: objs)  # fmt: skip


def copy_values(model: type[Model], rows: Sequence[Mapping[str, object]], *, using: str | None = None) -> None:
    """`copy_rows` for rows given as {attname: value} (every column but the primary key), so that no
    model instance is built for them: 500 of them take some 3.5 ms."""
    fields = _copied_fields(model)
    _copy(model, fields, ([row[field.attname] for field in fields] for row in rows), len(rows), using,
          fallback=lambda: [model(**row) for row in rows])  # fmt: skip


def _copied_fields(model: type[Model]) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _copy(model: type[Model], fields: list, values: Iterable[list], count: int, using: str | None, *, fallback) -> None:
    """One `COPY` of `count` rows of the values of `fields` (`_copied_fields`), in their order;
    `bulk_create` of `fallback()`'s instances on a database without COPY."""
    if not count:
        return
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_create(fallback())
        return
    from psycopg.types.json import Jsonb

    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    json_at = [index for index, field in enumerate(fields) if field.get_internal_type() in JSON_TYPES]
    started = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in values:
            for index in json_at:
                if row[index] is not None:
                    row[index] = Jsonb(row[index])
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{statement} -- {count} rows", "time": f"{time.monotonic() - started:.3f}"}
        )


def insert_unless_present(obj: Model, *, using: str | None = None) -> bool:
    """Insert `obj` (an unsaved instance) unless a row with the same values in one of its model's
    unique constraints is there already: one `INSERT … ON CONFLICT DO NOTHING RETURNING` (PostgreSQL,
    SQLite), where a get-or-create takes a SELECT and a savepoint around its INSERT. Returns True and
    sets `obj.pk` when the row was written; False when it was there (obj stays unsaved). A row
    another transaction is writing at the same moment is waited for, as a unique key always is: a
    True here is the one writer. Fields are prepared as `save()` prepares them (`auto_now_add`,
    defaults), but `save()` itself and its signals do not run. On PostgreSQL a check constraint that
    fails still raises IntegrityError: only unique keys are skipped (SQLite, the demo's database,
    writes it as `INSERT OR IGNORE`, which skips a failed check too)."""
    model = type(obj)
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field]
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = [meta.pk]
    with connection.cursor() as cursor:
        for sql, params in compiler.as_sql():
            cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding, obj._state.db = False, alias
    return True
