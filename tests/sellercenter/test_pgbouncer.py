"""The application served through PgBouncer in transaction mode (started by scripts/test.sh).

Gunicorn serves the test database through PgBouncer with DATABASE_POOL_MODE=transaction. Through it:
repeated reads from clients at once (no prepared statements), a checkout replayed with its Idempotency-Key (the advisory
lock is transaction-scoped) and a statement CSV streamed by COPY.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pytest
from django.db import connection

from orders.models import Order
from tests.conftest import REQUIRE_SERVICES
from tests.finance.factories import FeeRuleFactory, complete, delivered, sale_line
from tests.orders.factories import ADDRESS, ProductFactory
from tests.sellercenter.factories import ShopFactory, api_key_secret

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pooled_url() -> str:
    """TEST_PGBOUNCER_URL, pointed at the test database instead of the one it names."""
    url = os.environ.get("TEST_PGBOUNCER_URL", "")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("PgBouncer is required here (SELLERCENTER_REQUIRE_SERVICES=1) but TEST_PGBOUNCER_URL is unset")
        pytest.skip("needs PgBouncer (TEST_PGBOUNCER_URL): run `make test` with pgbouncer installed")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(connection.settings_dict["NAME"])))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served():
    """Gunicorn (2 workers) on loopback, its database connections through PgBouncer."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sellercenter.settings",
        "DATABASE_URL": _pooled_url(),
        "DATABASE_POOL_MODE": "transaction",
        "CELERY_BROKER_URL": "",
        "EMAIL_URL": "locmem://",
    }
    env.pop("TEST_DATABASE_REPLICA_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "sellercenter.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:  # not listening yet, or still starting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stderr.read().decode(errors="replace")[-3000:]
                pytest.fail(f"gunicorn did not serve /healthz: {output}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        _drop_pooled_connections()


def _drop_pooled_connections() -> None:
    """PgBouncer keeps its server connections open: drop them, so the test database can be dropped."""
    parts = urlsplit(os.environ["TEST_PGBOUNCER_URL"])
    name = connection.settings_dict["NAME"]
    for command in (f"KILL {name}", f"RESUME {name}"):
        subprocess.run(
            [
                "psql",
                "-h",
                unquote(parts.hostname or ""),
                "-p",
                str(parts.port),
                "-U",
                "postgres",
                "-d",
                "pgbouncer",
                "-c",
                command,
            ],
            capture_output=True,
            timeout=20,
            check=False,
        )


def call(base, secret, path, body=None, headers=None):
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{base}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Api-Key {secret}", "Content-Type": "application/json", **(headers or {})},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_application_works_through_pgbouncer_in_transaction_mode(served):
    shop = ShopFactory(name="Thời Trang Hoa Mai", slug="hoa-mai")
    secret = api_key_secret(shop)
    ProductFactory(shop=shop, sku="AO-DAI", price="400000", stock_on_hand=10)
    FeeRuleFactory(shop=shop)
    statement = sale_line(complete(delivered(shop))).statement

    # More than psycopg's prepare threshold (5) on each worker's connection, from clients at once, so
    # that the workers' statements run on each other's server connections: a statement prepared on one
    # of them is unknown on another.
    with ThreadPoolExecutor(max_workers=6) as clients:
        answers = list(clients.map(lambda _: call(served, secret, "/api/v1/orders"), range(60)))
    assert [status for status, _ in answers] == [200] * 60, next(body for status, body in answers if status != 200)

    checkout = {
        "customer": {"external_id": "KH-001", "full_name": "Nguyễn Thị Lan", "email": "lan@example.vn"},
        "channel": "website",
        "lines": [{"sku": "AO-DAI", "quantity": 1}],
        "shipping_address": ADDRESS,
        "shipping_fee": "25000",
        "payment_method": "cod",
    }
    first = call(served, secret, "/api/v1/orders", checkout, {"Idempotency-Key": "dat-hang-1"})
    again = call(served, secret, "/api/v1/orders", checkout, {"Idempotency-Key": "dat-hang-1"})
    assert first[0] == 201, first[1]
    assert again[0] == 201
    assert json.loads(again[1]) == json.loads(first[1])
    assert Order.objects.filter(shop=shop, number=json.loads(first[1])["number"]).count() == 1

    status, csv_body = call(served, secret, f"/api/v1/finance/statements/{statement.pk}/lines.csv")
    assert status == 200, csv_body
    order_numbers = list(statement.lines.values_list("order_number", flat=True))
    assert order_numbers
    assert all(number.encode() in csv_body for number in order_numbers if number)
