"""Reads that tolerate lag go to PostgreSQL streaming replicas; everything else stays on the primary.

A read goes to a replica only when all of these hold:
- the code asked for it with `reads_from_replica()` (the figures of the home, the insights and the
  order metrics, segment counts, the statement CSVs: where a few seconds of lag are harmless). The
  block goes around the figures, never around a whole view: who is asking (the API key, the session,
  the role) is read on the primary, so a key revoked or a user deactivated a moment ago is refused at
  once, and one made a moment ago works;
- the same request (or job) has written nothing yet: a read after a write stays on the primary, so a
  seller never misses the change they just made;
- a replica answers and its replay lag is within `DATABASE_REPLICA_MAX_LAG_SECONDS`.

Otherwise the read goes to the primary: a stopped or lagging replica costs speed, never an answer.
Replica health is checked at the start of each `reads_from_replica()` block and remembered for
`DATABASE_REPLICA_CHECK_SECONDS`, so a block costs one extra round trip at most.
"""

import contextvars
import itertools
import logging
import threading
import time
from contextlib import contextmanager

from celery.signals import task_prerun
from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA_PREFIX = "replica_"

_replica_reads = contextvars.ContextVar("replica_reads", default=False)
_wrote = contextvars.ContextVar("wrote", default=False)

# Replay lag: 0 while the replica has replayed all the WAL it received, else the age of the last
# replayed transaction. (The age alone would grow on an idle primary and report a false lag.)
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


class _Health:
    """Which replicas answered the last check, and when each was checked (per process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._checked: dict[str, tuple[float, bool]] = {}
        self._cycle = None

    def forget(self) -> None:
        with self._lock:
            self._checked.clear()
            self._cycle = None

    def is_healthy(self, alias: str) -> bool:
        now = time.monotonic()
        with self._lock:
            checked = self._checked.get(alias)
        if checked and now - checked[0] < settings.DATABASE_REPLICA_CHECK_SECONDS:
            return checked[1]
        healthy = _probe(alias)
        with self._lock:
            self._checked[alias] = (now, healthy)
        return healthy

    def next_alias(self, aliases: list[str]) -> str:
        with self._lock:
            if self._cycle is None:
                self._cycle = itertools.cycle(aliases)
            return next(self._cycle)


_health = _Health()


def _probe(alias: str) -> bool:
    """True when `alias` answers and lags at most the allowed seconds. A failed probe closes the
    connection, so that the next check opens a new one."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Replica %s does not answer; reading from the primary: %s", alias, error)
        connection.close()
        return False
    if lag is None:
        logger.warning("Database %s is not a replica (not in recovery); reading from the primary", alias)
        return False
    if float(lag) > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        logger.info("Replica %s lags %.1f s; reading from the primary", alias, float(lag))
        return False
    return True


def replica_health_forget() -> None:
    """Check every replica again on the next read (after an operator restarts one; tests)."""
    _health.forget()


def healthy_replica() -> str | None:
    """A replica that may serve lag-tolerant reads now, or None (the reads then go to the primary)."""
    aliases = replica_aliases()
    if not aliases or not settings.DATABASE_REPLICA_ROUTING:
        return None
    for _attempt in aliases:
        alias = _health.next_alias(aliases)
        if _health.is_healthy(alias):
            return alias
    return None


# The replica a `reads_from_replica()` block reads from (None: the primary).
_chosen = contextvars.ContextVar("chosen_replica", default=None)


@contextmanager
def reads_from_replica():
    """Let the reads inside this block go to a healthy replica unless something was written first."""
    if _replica_reads.get():
        yield
        return
    chosen = None if _wrote.get() else healthy_replica()
    token_reads = _replica_reads.set(True)
    token_chosen = _chosen.set(chosen)
    try:
        yield
    finally:
        _chosen.reset(token_chosen)
        _replica_reads.reset(token_reads)


@contextmanager
def fresh_request():
    """Start a request or a job with nothing written yet (the middleware and tasks use this)."""
    token = _wrote.set(False)
    try:
        yield
    finally:
        _wrote.reset(token)


class PrimaryAfterWriteMiddleware:
    """Each request starts with nothing written: its reads may use replicas until it writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with fresh_request():
            return self.get_response(request)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if hints.get("instance") is not None and hints["instance"]._state.db:
            # Related objects of a row read elsewhere follow that row (Django's default rule).
            return hints["instance"]._state.db
        if _replica_reads.get() and not _wrote.get():
            return _chosen.get() or PRIMARY
        return PRIMARY

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _task_starts_fresh(**_kwargs) -> None:
    # A worker runs many tasks in one thread: each starts with nothing written, like a request.
    _wrote.set(False)


task_prerun.connect(_task_starts_fresh, weak=False)
