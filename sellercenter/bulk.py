"""Writing many rows in one statement: PostgreSQL's `COPY … FROM STDIN` where the database has it,
`bulk_create` elsewhere.

For a batch of a few hundred rows COPY takes a fraction of `bulk_create`'s time: Django builds no SQL
and quotes no parameter, psycopg streams the rows as they are. The statement is recorded where
Django records its queries (`connection.queries`, `CaptureQueriesContext`), so a test that counts a
service's queries still sees it. Rows go through the model's columns, so the model's defaults,
`save()` and signals do not run: give every value (as `bulk_create` also skips `save()`)."""

import time
from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model

JSON_TYPES = ("JSONField",)


def copy_rows(model: type[Model], objs: Sequence[Model], *, using: str | None = None) -> None:
    """Insert `objs` (unsaved instances of `model`, every field set) in one statement. Their primary
    keys are not read back: use it where nothing needs them."""
    if not objs:
        return
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_create(objs)
        return
    from psycopg.types.json import Jsonb

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    attnames = [field.attname for field in fields]
    json_at = [index for index, field in enumerate(fields) if field.get_internal_type() in JSON_TYPES]
    started = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            row = [getattr(obj, name) for name in attnames]
            for index in json_at:
                if row[index] is not None:
                    row[index] = Jsonb(row[index])
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{statement} -- {len(objs)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
