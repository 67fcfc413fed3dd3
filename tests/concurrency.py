"""Run the same code in several threads at once, each on its own database connection (PostgreSQL)."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import close_old_connections, connection, transaction


def run_concurrently(fn: Callable[[int], object], count: int, timeout: float = 60) -> list:
    """Call fn(i) for i in range(count) in `count` threads released together by a barrier.

    Returns each call's result or the exception it raised, in order. Every thread closes its
    connection, so the test database can be dropped afterwards."""
    barrier = threading.Barrier(count)

    def worker(index: int):
        try:
            barrier.wait(timeout=timeout)
            return fn(index)
        except Exception as error:  # collected for the test to assert on
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(worker, range(count), timeout=timeout))
    close_old_connections()
    return results


LOCK_MODES = ("FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR UPDATE")


@contextmanager
def row_locked_elsewhere(table: str, pk: int, mode: str = "FOR KEY SHARE", timeout: float = 10):
    """Hold a lock on one row from another connection for the duration of the block, as a
    transaction still open elsewhere would (an insert naming the row holds FOR KEY SHARE on it until
    it commits)."""
    assert mode in LOCK_MODES, mode
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                sql = f"SELECT 1 FROM {connection.ops.quote_name(table)} WHERE id = %s {mode}"  # noqa: S608
                cursor.execute(sql, [pk])
                held.set()
                release.wait(timeout)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(timeout), f"could not lock {table} {pk}"
    try:
        yield
    finally:
        release.set()
        holder.join()


@contextmanager
def row_held(table: str, pk: int, mode: str = "FOR KEY SHARE", timeout: float = 10):
    """`row_locked_elsewhere`, the block running in a transaction whose `lock_timeout` makes a wait on
    that row fail fast in this thread."""
    with row_locked_elsewhere(table, pk, mode, timeout), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        yield


@contextmanager
def lock_timeout(value: str = "300ms"):
    """This thread's connection waits at most `value` for a lock, in every transaction of the block
    (a request's own included), as a server configured with `lock_timeout` does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [value])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
