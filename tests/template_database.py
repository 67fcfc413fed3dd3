"""One migrated test database for all of pytest-xdist's workers on PostgreSQL.

Each worker used to migrate its own test database: 20-25 s of CPU each, both at once, after the 15-17 s
each worker spends importing and collecting the tests. Instead the controlling process starts
`python -m tests.template_database NAME STATUS` as soon as it is configured: it migrates one database,
NAME, while the workers collect, and writes STATUS when done ("ok", or the error). Each worker then
waits for STATUS and makes its own test database as a copy (`CREATE DATABASE … TEMPLATE NAME`, about a
second), which Django's set-up keeps (`keepdb`: the migrations find nothing to do) and the worker drops
at the end. The controller drops NAME once the workers are done.

Used only with workers on PostgreSQL, without --reuse-db and --create-db (which keep pytest-django's own
ways); SQLite and one-process runs migrate as before.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME_VARIABLE = "SELLERCENTER_TEST_TEMPLATE_DATABASE"
STATUS_VARIABLE = "SELLERCENTER_TEST_TEMPLATE_STATUS"
READY = "ok"
ROOT = Path(__file__).resolve().parent.parent
# Creating a copy fails while another session is connected to the template (autovacuum may be, for a
# moment): a few tries.
COPY_ATTEMPTS = 10


def _quote(name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(name)


def drop_database(name: str) -> None:
    """`DROP DATABASE IF EXISTS name`, from a session on the server's maintenance database."""
    from django.db import connection

    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)}")


class Template:
    """The controller's side: starts the migration, and drops the template at the end."""

    def __init__(self, name: str):
        self.name = name
        self.folder = Path(tempfile.mkdtemp(prefix="sellercenter-template-db-"))
        self.status = self.folder / "status"
        self.log = self.folder / "migrate.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Template":
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.template_database", self.name, str(self.status)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
            )  # fmt: skip
        os.environ[NAME_VARIABLE] = self.name
        os.environ[STATUS_VARIABLE] = str(self.status)
        return self

    def close(self, blocker) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
        with blocker.unblock():
            drop_database(self.name)
        for leftover in (self.status, self.log):
            leftover.unlink(missing_ok=True)
        self.folder.rmdir()


def wanted(config) -> bool:
    """Whether this process is pytest-xdist's controller of a run that should share a template."""
    from django.db import connection

    return (
        not hasattr(config, "workerinput")
        and getattr(config.option, "dist", "no") != "no"
        and bool(getattr(config.option, "numprocesses", 0))
        and not config.getvalue("collectonly")
        and not config.getvalue("reuse_db")
        and not config.getvalue("create_db")
        and connection.vendor == "postgresql"
    )


def copy_for_this_worker(timeout: float = 600) -> bool:
    """In a worker: wait for the template, then (re)create this worker's test database as its copy.
    False when the run has no template (the worker migrates its own database, as pytest-django does)."""
    name, status = os.environ.get(NAME_VARIABLE), os.environ.get(STATUS_VARIABLE)
    if not (name and status):
        return False
    deadline = time.monotonic() + timeout
    status_file = Path(status)
    while not status_file.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the template test database {name} was not ready after {timeout:.0f} s")
        time.sleep(0.1)
    outcome = status_file.read_text(encoding="utf-8")
    if outcome != READY:
        raise RuntimeError(f"migrating the template test database {name} failed:\n{outcome}")

    from django.db import connection
    from django.db.utils import OperationalError

    target = connection.creation._get_test_db_name()
    for attempt in range(1, COPY_ATTEMPTS + 1):
        try:
            drop_database(target)
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {_quote(target)} TEMPLATE {_quote(name)}")
            return True
        except OperationalError:
            if attempt == COPY_ATTEMPTS:
                raise
            time.sleep(0.5)


def _migrate(name: str) -> None:
    """Create database `name` and migrate it as Django's test runner migrates a test database."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    drop_database(name)
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {_quote(name)}")
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    call_command("createcachetable", verbosity=0)
    # A copy cannot be made while a session is connected to its template.
    connections.close_all()


def main(name: str, status: str) -> int:
    try:
        _migrate(name)
        outcome, code = READY, 0
    except BaseException as error:  # every failure is reported to the workers
        import traceback

        outcome, code = "".join(traceback.format_exception(error)), 1
    written = Path(f"{status}.part")
    written.write_text(outcome, encoding="utf-8")
    written.replace(status)
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
