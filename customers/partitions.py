"""The behaviour events table, partitioned by month of `occurred_at` on PostgreSQL (declarative
partitioning); a plain table on SQLite.

A month is one partition, `customers_customerevent_pYYYY_MM`, bounded in UTC. Retention drops whole
partitions, which costs nothing next to deleting rows. The table's primary key is `(id, occurred_at)`,
because a partitioned table's unique indexes must include the partition key; `id` still comes from one
sequence, so it stays unique on its own. Event ids are kept unique per shop by CustomerEventKey.

Only DDL and catalogue reads on a connection: the migration that partitions the table uses it too.
"""

from datetime import UTC, date, datetime

TABLE = "customers_customerevent"
PLAIN = f"{TABLE}_plain"
SEQUENCE = f"{TABLE}_id_part_seq"
# Partitions exist this far ahead, so that an event of any day to come has one (the daily job tops up).
MONTHS_AHEAD = 3


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()


def is_partitioned(cursor) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = %s AND pg_table_is_visible(c.oid))",
        [TABLE],
    )
    return cursor.fetchone()[0]


def partitions(cursor) -> dict[date, str]:
    """The monthly partitions that exist, by the month they hold."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        [TABLE],
    )
    found = {}
    for (name,) in cursor.fetchall():
        year, month = name.rsplit("_p", 1)[1].split("_")
        found[date(int(year), int(month), 1)] = name
    return found


def create_partitions(cursor, first: date, last: date) -> int:
    """Create the partitions of every month from `first` to `last` (both included) that are missing."""
    existing = partitions(cursor)
    created, month = 0, month_start(first)
    while month <= last:
        if month not in existing:
            cursor.execute(
                f'CREATE TABLE "{partition_name(month)}" PARTITION OF "{TABLE}" '
                f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(add_months(month, 1))}')"
            )
            created += 1
        month = add_months(month, 1)
    return created


def drop_partitions_before(cursor, cutoff: date) -> int:
    """Drop every partition whose month ends on or before `cutoff` (the first day of a month)."""
    dropped = 0
    for month, name in sorted(partitions(cursor).items()):
        if add_months(month, 1) <= cutoff:
            cursor.execute(f'DROP TABLE "{name}"')
            dropped += 1
    return dropped


def _definitions(cursor, table: str) -> tuple[list[str], list[str]]:
    """The table's index definitions (but its primary key) and foreign-key constraint definitions."""
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p')",
        [table, table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    rows = cursor.fetchall()
    foreign_keys = [f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}' for name, definition in rows]
    return indexes, foreign_keys


def _rebuild(cursor, *, partitioned: bool, first: date | None = None, last: date | None = None) -> None:
    """Recreate the events table (partitioned or plain) with the same columns, indexes, foreign keys
    and rows; ids carry on from the same numbers."""
    cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{PLAIN}"')
    indexes, foreign_keys = _definitions(cursor, PLAIN)
    layout = " PARTITION BY RANGE (occurred_at)" if partitioned else ""
    cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{PLAIN}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS){layout}')
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1, MIN(occurred_at), MAX(occurred_at) FROM "{PLAIN}"')  # noqa: S608
    next_id, oldest, newest = cursor.fetchone()
    if partitioned:
        first = min(first, oldest.date()) if oldest else first
        create_partitions(cursor, first, max(last, newest.date()) if newest else last)
    cursor.execute(f'INSERT INTO "{TABLE}" SELECT * FROM "{PLAIN}"')  # noqa: S608 (constant names)
    # The old table goes first: its primary key, sequence and indexes hold the names the new one takes.
    cursor.execute(f'DROP TABLE "{PLAIN}" CASCADE')
    if partitioned:
        cursor.execute(f'CREATE SEQUENCE "{SEQUENCE}" START {int(next_id)} OWNED BY "{TABLE}".id')
        cursor.execute(f"ALTER TABLE \"{TABLE}\" ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')")
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD PRIMARY KEY (id, occurred_at)')
    else:
        identity = f"GENERATED BY DEFAULT AS IDENTITY (START {int(next_id)})"
        cursor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN id ADD {identity}')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD PRIMARY KEY (id)')
    for definition in indexes:
        cursor.execute(definition.replace(f"public.{PLAIN} ", f"public.{TABLE} ").replace(f" {PLAIN} ", f" {TABLE} "))
    for statement in foreign_keys:
        cursor.execute(statement)


def partition_table(cursor, *, first: date, last: date) -> None:
    if not is_partitioned(cursor):
        _rebuild(cursor, partitioned=True, first=first, last=last)


def unpartition_table(cursor) -> None:
    if is_partitioned(cursor):
        _rebuild(cursor, partitioned=False)
