"""Fixtures every app's tests share, and the PostgreSQL / Redis markers.

`@pytest.mark.postgres` tests need PostgreSQL (row locks, real concurrency): skipped on SQLite, and a
failure when SELLERCENTER_REQUIRE_SERVICES=1 (as in CI) so they can never be skipped silently there.
The `redis_url` fixture works the same way for Redis.
"""

import os

import pytest
import redis
from django.db import connection
from rest_framework.test import APIClient

from sellercenter.models import Role
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


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "needs PostgreSQL" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} PostgreSQL-only tests were skipped: the suite ran on SQLite.")


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "")
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


@pytest.fixture
def api(shop):
    """API client of `shop` with the storefront and back_office scopes."""
    return make_api_client(shop)


@pytest.fixture
def other_api(other_shop):
    return make_api_client(other_shop)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
