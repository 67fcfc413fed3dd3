"""Fixtures every app's tests share, and the PostgreSQL / Redis markers.

`@pytest.mark.postgres` tests need PostgreSQL (row locks, real concurrency): skipped on SQLite, and a
failure when SELLERCENTER_REQUIRE_SERVICES=1 (as in CI) so they can never be skipped silently there.
The `redis_url` fixture works the same way for Redis.
"""

import functools
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import connection, connections, transaction
from django.db.backends.base.creation import BaseDatabaseCreation
from django.test import TransactionTestCase
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from sellercenter.models import Role
from tests import template_database
from tests.sellercenter.factories import ShopFactory, api_key_secret, staff_user

REQUIRE_SERVICES = os.environ.get("SELLERCENTER_REQUIRE_SERVICES") == "1"


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_report_header(config):
    if _on_postgres():
        return f"database: PostgreSQL ({connection.settings_dict['NAME']} on {connection.settings_dict['HOST']})"
    return "database: SQLite (PostgreSQL-only tests are skipped; set DATABASE_URL or use `make test`)"


POSTGRES_SKIP_REASON = "needs PostgreSQL (row locks and real concurrency); run `make test` or set DATABASE_URL"


def pytest_runtest_setup(item):
    if "postgres" not in item.keywords or _on_postgres():
        return
    if REQUIRE_SERVICES:
        pytest.fail("PostgreSQL is required here (SELLERCENTER_REQUIRE_SERVICES=1) but the suite runs on SQLite")
    pytest.skip(POSTGRES_SKIP_REASON)


def _transactional(item) -> bool:
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    in_transaction = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
    return bool(in_transaction or marker.kwargs.get("reset_sequences"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """pytest-django runs the transactional tests last, as Django does, since its flush leaves a
    database without the rows the migrations wrote. Here they leave it as migrations made it (see
    `_empty_as_migrated`), so they run first instead: they are the long ones (servers, workers, a
    browser), and pytest-xdist's workers, which take the tests in this order, then end on short
    tests at about the same time."""
    items.sort(key=lambda item: not _transactional(item))


def pytest_configure(config):
    # The browser tests' screenshots (tests/browser/conftest.py) go to one folder for the whole run: this
    # process chooses it, and pytest-xdist's workers inherit it.
    if not hasattr(config, "workerinput") and not os.environ.get("BROWSER_SCREENSHOTS"):
        os.environ["BROWSER_SCREENSHOTS"] = tempfile.mkdtemp(prefix="sellercenter-screens-")
        config.add_cleanup(_remove_if_empty(Path(os.environ["BROWSER_SCREENSHOTS"])))
    # With workers on PostgreSQL, one database is migrated while they collect the tests, and each
    # worker's test database is a copy of it (tests/template_database.py).
    if template_database.wanted(config):
        template = template_database.Template(f"test_{connection.settings_dict['NAME']}_template").start()
        config.add_cleanup(lambda: template.close(config.stash[blocking_manager_key]))


def _remove_if_empty(folder: Path):
    def remove():
        if folder.is_dir() and not any(folder.glob("*.png")):
            shutil.rmtree(folder, ignore_errors=True)

    return remove


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "needs PostgreSQL" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} PostgreSQL-only tests were skipped: the suite ran on SQLite.")
    shots = Path(os.environ.get("BROWSER_SCREENSHOTS", ""))
    if shots.name and any(shots.glob("*.png")):
        terminalreporter.write_line(f"Browser screenshots: {shots}")


# Emptying the database between transactional tests. Django's flush TRUNCATEs every table, then
# post_migrate writes the content types and permissions again under new ids: some 0.45 s a test on
# PostgreSQL, where a `DELETE` of each table (nearly all of them empty) takes about 15 ms in all. The
# tables are emptied that way here, and the database is left as migrations made it: the content types
# and permissions are kept with their ids (no test changes them), and the role groups the data
# migrations write are restored from a copy taken once the test database is made. A transactional
# test so leaves the same rows as any other test, and the order of the tests does not matter.
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})
_migrated_rows: dict[str, list] = {}


def _restored_models():
    from django.contrib.auth.models import Group

    return (Group, Group.permissions.through)


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings, django_db_blocker) -> bool:
    """pytest-django's --reuse-db; and in a worker of a run with a template database, its copy, which
    Django's set-up then keeps as it is (its migrations have all been applied)."""
    if request.config.getvalue("reuse_db"):
        return True
    with django_db_blocker.unblock():
        return template_database.copy_for_this_worker()


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, django_db_keepdb):
    with django_db_blocker.unblock():
        for model in _restored_models():
            _migrated_rows[model._meta.db_table] = list(model.objects.all())
    yield django_db_setup
    with django_db_blocker.unblock():
        _end_other_sessions()
        if django_db_keepdb and not request.config.getvalue("reuse_db"):
            _drop_the_copy()


def _drop_the_copy() -> None:
    """The worker's copy of the template, kept by Django's tear-down as --reuse-db keeps a database."""
    connections.close_all()
    template_database.drop_database(connection.settings_dict["NAME"])


def _end_other_sessions() -> None:
    """The live server's request threads close their database connection when their client closes its
    keep-alive connection; a client that never does (a browser, an HTTP client left to the garbage
    collector) leaves an idle session on this worker's test database, and dropping the database then
    fails ("being accessed by other users"). Those sessions are ended first."""
    if not _on_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@functools.cache
def _model_tables(alias: str) -> tuple[str, ...]:
    """The models' tables of a test database, read from its catalogue once: no test creates one."""
    introspection = connections[alias].introspection
    return tuple(sorted(introspection.django_table_names(only_existing=True, include_views=False)))


def _delete_rows(connection, kept: frozenset[str] = frozenset()) -> None:
    """Every model table but `kept` emptied, inside the caller's transaction. Django creates every
    foreign key DEFERRABLE INITIALLY DEFERRED (PostgreSQL and SQLite alike), so the order does not
    matter."""
    with connection.cursor() as cursor:
        for table in _model_tables(connection.alias):
            if table not in kept:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a model's table)


def _empty_as_migrated(teardown):
    def empty(self):
        if self.available_apps is not None:  # Django's own way for a subset of the apps
            return teardown(self)
        for name in self._databases_names(include_mirrors=False):
            with transaction.atomic(using=name):
                _delete_rows(connections[name], kept=KEPT_TABLES)
                for model in _restored_models():
                    model.objects.using(name).bulk_create(_migrated_rows[model._meta.db_table])

    return empty


def _deserialize_into_an_empty_database(deserialize):
    """`serialized_rollback` (the journeys' tests) restores the database as migrations left it, its
    content types and permissions included, with their ids: into an empty database, so that no row
    of the database as it is gets in the way."""

    def restore(self, data):
        with transaction.atomic(using=self.connection.alias):
            _delete_rows(self.connection)
        return deserialize(self, data)

    return restore


TransactionTestCase._fixture_teardown = _empty_as_migrated(TransactionTestCase._fixture_teardown)
BaseDatabaseCreation.deserialize_db_from_string = _deserialize_into_an_empty_database(
    BaseDatabaseCreation.deserialize_db_from_string
)


def _worker_redis_url(url: str) -> str:
    """Under pytest-xdist, each worker gets a Redis database of its own (gw0 -> 1, gw1 -> 2, ...): the
    real Celery workers a test starts take messages from queues with fixed names (`messages`), and a
    worker of another test process must never take them to its own test database. (Redis has 16.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not url:
        return url
    parts = urlsplit(url)
    number = int(worker.removeprefix("gw")) % 15 + 1
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture
def redis_url():
    url = _worker_redis_url(os.environ.get("TEST_REDIS_URL", ""))
    problem = "TEST_REDIS_URL is not set" if not url else None
    if url:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            problem = f"Redis at {url} is unreachable: {error}"
    if problem:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis is required here (SELLERCENTER_REQUIRE_SERVICES=1) but {problem}")
        pytest.skip(f"needs Redis: {problem}")
    return url


@pytest.fixture
def shop(db):
    return ShopFactory(name="Thời Trang Hoa Mai", slug="hoa-mai")


@pytest.fixture
def other_shop(db):
    return ShopFactory(name="Mỹ Phẩm Sen Việt", slug="sen-viet")


@pytest.fixture
def owner(shop):
    return staff_user(shop, Role.OWNER, username="chu.cua.hang")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def make_api_client(shop, scopes=None) -> APIClient:
    """An API client authenticated with a fresh key of `shop` (both scopes unless told otherwise)."""
    secret = api_key_secret(shop, scopes) if scopes else api_key_secret(shop)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return api_client


def api_pages(client, url: str) -> list:
    """The results of every page of a cursor-paged API list, from `url` on, following `next`."""
    listed = []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        listed += page.json()["results"]
        url = page.json()["next"]
    return listed


@pytest.fixture
def api(shop):
    """API client of `shop` with the storefront and back_office scopes."""
    return make_api_client(shop)


@pytest.fixture
def other_api(other_shop):
    return make_api_client(other_shop)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: each test starts with none spent, and with the cache
    taken for up (a test that stopped it leaves no pause behind)."""
    from django.core.cache import cache

    from sellercenter.api import throttling

    throttling._cache_down_until = 0.0
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """A serialized rollback writes the content types again (with their ids, but the cache may hold
    rows a test made since); and eager tasks run by several threads at once can leave Celery's
    process-wide "inside a task" flag set. Neither happens in a served process; each test starts with
    both reset."""
    from celery._state import _set_task_join_will_block
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    _set_task_join_will_block(False)
    yield
