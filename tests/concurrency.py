"""Run the same code in several threads at once, each on its own database connection (PostgreSQL)."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection


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
