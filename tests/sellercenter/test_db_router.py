"""The replica router against a real streaming replica of the test cluster (started by scripts/test.sh).

Each test commits on the primary and waits (bounded) for the replica to replay it; the queries each
connection ran show where a read went.

The replica replays the whole cluster, the test databases of other pytest-xdist workers too: a test
waits for the replica to reach the primary's WAL position of its own commits (not for a cluster with
nothing left to replay), and the tests that pause or stop the replica run in one worker, one at a time.
"""

import os
import subprocess
import time
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from sellercenter import db_router, services
from sellercenter.models import ApiKey, ApiScope, Role, Shop
from tests.conftest import REQUIRE_SERVICES, make_api_client
from tests.customers.factories import CustomerFactory, SegmentFactory
from tests.finance.factories import adjustment
from tests.sellercenter.factories import ShopFactory, staff_user

REPLICA = "replica_0"
WAIT_SECONDS = 20

# Without a replica (DATABASE_URL given, none started) the tests skip, or fail in CI (`replica`).
DATABASES = ["default", REPLICA] if REPLICA in connections.settings else ["default"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=DATABASES),
    pytest.mark.xdist_group("replica"),
]


@pytest.fixture(autouse=True)
def replica():
    if REPLICA not in connections.settings:
        if REQUIRE_SERVICES:
            pytest.fail("A streaming replica is required here (SELLERCENTER_REQUIRE_SERVICES=1) but none was started")
        pytest.skip("needs a streaming replica (TEST_DATABASE_REPLICA_URL): run `make test`")
    db_router.replica_health_forget()
    with override_settings(DATABASE_REPLICA_ROUTING=True, DATABASE_REPLICA_CHECK_SECONDS=60):
        yield
    db_router.replica_health_forget()


def _replica_lag():
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(db_router.LAG_SQL)
        return cursor.fetchone()[0]


def _replayed(position: str) -> bool:
    """Has the replica replayed the primary's WAL up to `position`?"""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
        return bool(cursor.fetchone()[0])


def wait_for_replay(predicate=lambda: True):
    """Wait until the replica has replayed everything committed on the primary so far, and `predicate`."""
    # The insert position, not the write one: with synchronous_commit off (the test cluster) a commit
    # returns before its WAL is written, and may still lie past pg_current_wal_lsn().
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        position = cursor.fetchone()[0]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            if _replayed(position) and predicate():
                return
        except Exception:  # The replica may be starting: ask again.
            connections[REPLICA].close()
        time.sleep(0.05)
    pytest.fail(f"The replica did not catch up within {WAIT_SECONDS} s")


def shop_on(alias: str, slug: str) -> bool:
    return Shop.objects.using(alias).filter(slug=slug).exists()


def read_shop(slug: str):
    """Read a shop the way the application does (through the router), noting where the query ran."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
        found = Shop.objects.filter(slug=slug).exists()
    where = {"default": len(primary), REPLICA: len(rep)}
    return found, where


def test_a_lag_tolerant_read_goes_to_the_replica():
    ShopFactory(slug="hoa-mai")
    wait_for_replay(lambda: shop_on(REPLICA, "hoa-mai"))
    with db_router.fresh_request(), db_router.reads_from_replica():
        found, where = read_shop("hoa-mai")
    assert found
    assert where[REPLICA] >= 1
    assert where["default"] == 0


def test_reads_outside_a_replica_block_stay_on_the_primary():
    ShopFactory(slug="hoa-mai")
    wait_for_replay()
    with db_router.fresh_request():
        found, where = read_shop("hoa-mai")
    assert found
    assert where == {"default": 1, REPLICA: 0}


def test_a_read_after_a_write_in_the_same_request_stays_on_the_primary():
    with db_router.fresh_request():
        ShopFactory(slug="vua-ghi")  # written now: the replica may not have it yet
        with db_router.reads_from_replica():
            found, where = read_shop("vua-ghi")
    assert found
    assert where[REPLICA] == 0


def test_a_write_inside_a_replica_block_sends_the_following_reads_to_the_primary():
    ShopFactory(slug="hoa-mai")
    wait_for_replay(lambda: shop_on(REPLICA, "hoa-mai"))
    with db_router.fresh_request(), db_router.reads_from_replica():
        _found, before = read_shop("hoa-mai")
        Shop.objects.filter(slug="hoa-mai").update(name="Hoa Mai 2")
        _found, after = read_shop("hoa-mai")
    assert before[REPLICA] == 1
    assert after == {"default": 1, REPLICA: 0}


@contextmanager
def _paused_replay():
    """Hold the replica's replay for the block: it keeps what it had, the primary moves on."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def test_a_lagging_replica_is_passed_over():
    ShopFactory(slug="hoa-mai")
    wait_for_replay(lambda: shop_on(REPLICA, "hoa-mai"))
    with _paused_replay():
        ShopFactory(slug="moi-ghi")
        time.sleep(0.6)
        with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=0.3), db_router.fresh_request():
            db_router.replica_health_forget()
            assert _replica_lag() > 0.3
            with db_router.reads_from_replica():
                found, where = read_shop("moi-ghi")
        assert found  # the primary has it
        assert where[REPLICA] == 0
    wait_for_replay(lambda: shop_on(REPLICA, "moi-ghi"))


def _sql_of(captured) -> str:
    return "\n".join(query["sql"] for query in captured.captured_queries)


def test_who_asks_is_read_on_the_primary_while_the_figures_come_from_the_replica():
    shop = ShopFactory(slug="hoa-mai")
    revoked, revoked_secret = services.api_key_create(shop=shop, name="Cũ", scopes=[ApiScope.BACK_OFFICE])
    ApiKey.objects.filter(shop=shop).update(last_used_at=timezone.now())  # no use recorded below
    wait_for_replay(lambda: ApiKey.objects.using(REPLICA).filter(pk=revoked.pk).exists())
    metrics = {"start": "2026-11-01", "end": "2026-11-30"}
    with _paused_replay():
        # On the primary only: the replica still holds the first key active and not the second.
        services.api_key_revoke(api_key=revoked)
        made, made_secret = services.api_key_create(shop=shop, name="Mới", scopes=[ApiScope.BACK_OFFICE])
        ApiKey.objects.filter(pk=made.pk).update(last_used_at=timezone.now())
        # The replica stays healthy for the router however long the pause lasts.
        with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=3600):
            db_router.replica_health_forget()
            with CaptureQueriesContext(connections[REPLICA]) as on_replica:
                refused = APIClient().get(
                    "/api/v1/orders/metrics", metrics, HTTP_AUTHORIZATION=f"Api-Key {revoked_secret}"
                )
                answered = APIClient().get(
                    "/api/v1/orders/metrics", metrics, HTTP_AUTHORIZATION=f"Api-Key {made_secret}"
                )

    assert refused.status_code == 401  # revoked a moment ago: refused at once
    assert answered.status_code == 200, answered.content  # made a moment ago: works at once
    assert '"orders_order"' in _sql_of(on_replica)  # the figures came from the replica
    assert "sellercenter_apikey" not in _sql_of(on_replica)


def test_the_home_figures_come_from_the_replica_and_who_asks_and_the_to_dos_from_the_primary():
    shop = ShopFactory(slug="hoa-mai")
    client = make_api_client(shop)
    ApiKey.objects.filter(shop=shop).update(last_used_at=timezone.now())
    owner = staff_user(shop, Role.OWNER, is_staff=True)
    admin = Client()
    admin.force_login(owner)
    wait_for_replay(lambda: shop_on(REPLICA, "hoa-mai"))

    for get, path in ((client.get, "/api/v1/insights"), (admin.get, "/admin/")):
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            answered = get(path, {"range": "30d"})
        assert answered.status_code == 200, (path, answered.content[:300])
        assert "sellercenter_shopdayrollup" in _sql_of(on_replica), path
        assert "sellercenter_shopdayrollup" not in _sql_of(on_primary), path
        for asked_on_the_primary in ("sellercenter_apikey", "django_session", "auth_user", "sellercenter_membership"):
            assert asked_on_the_primary not in _sql_of(on_replica), (path, asked_on_the_primary)
        # The to-dos (live counts of what to do now) are read on the primary.
        assert '"orders_order"' in _sql_of(on_primary), path


def test_a_statement_export_and_a_segment_count_read_the_replica():
    shop = ShopFactory(slug="hoa-mai")
    client = make_api_client(shop)
    ApiKey.objects.filter(shop=shop).update(last_used_at=timezone.now())
    first = adjustment(shop, "1000", reason="Dòng trước")
    segment = SegmentFactory(shop=shop, rules=[{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 0}])
    CustomerFactory(shop=shop)
    wait_for_replay(lambda: shop_on(REPLICA, "hoa-mai"))
    csv_path = f"/api/v1/finance/statements/{first.statement_id}/lines.csv?lang=vi"

    def read():
        statement = client.get(csv_path)
        count = client.get(f"/api/v1/customers/segments/{segment.pk}")
        assert statement.status_code == count.status_code == 200, (statement, count.content)
        text = b"".join(statement.streaming_content).decode("utf-8")
        return [line.rsplit(",", 1)[-1] for line in text.splitlines()[1:]], count.json()["member_count"]

    with _paused_replay():
        adjustment(shop, "2000", reason="Dòng sau")  # on the primary only, for now
        CustomerFactory(shop=shop)
        with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=3600):
            db_router.replica_health_forget()
            from_replica = read()
    wait_for_replay()
    with override_settings(DATABASE_REPLICA_ROUTING=False):
        from_primary = read()

    assert from_replica == (["Dòng trước"], 1)  # what the replica had replayed
    assert from_primary == (["Dòng trước", "Dòng sau"], 2)


def _pg_ctl(*args):
    command = [os.path.join(os.environ["TEST_PG_BINDIR"], "pg_ctl"), "-D", os.environ["TEST_REPLICA_PGDATA"], *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    folder = os.path.dirname(os.environ["TEST_REPLICA_PGDATA"])
    subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=folder)


def test_a_stopped_replica_changes_nothing_for_users():
    shop = ShopFactory(slug="hoa-mai")
    client = make_api_client(shop)
    # Used a moment ago: the requests below record no use, so nothing is written before their reads.
    ApiKey.objects.filter(shop=shop).update(last_used_at=timezone.now())
    wait_for_replay(lambda: shop_on(REPLICA, "hoa-mai"))

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        answered = client.get("/api/v1/orders/metrics", {"start": "2026-11-01", "end": "2026-11-30"})
    assert answered.status_code == 200, answered.content
    assert len(on_replica) >= 1  # the metrics came from the replica

    # A restarted replica replays from its last restartpoint, and it makes one only at a checkpoint
    # of the primary it has replayed: without a fresh one, starting again replays everything since the
    # base backup (the whole suite's writes so far, some 30 s).
    with connections["default"].cursor() as cursor:
        cursor.execute("CHECKPOINT")
    wait_for_replay()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("CHECKPOINT")  # on a replica: a restartpoint at the checkpoint just replayed
    connections[REPLICA].close()
    _pg_ctl("stop", "-m", "fast", "-w")
    try:
        db_router.replica_health_forget()
        with CaptureQueriesContext(connections["default"]) as on_primary:
            after = client.get("/api/v1/orders/metrics", {"start": "2026-11-01", "end": "2026-11-30"})
        assert after.status_code == 200, after.content
        assert after.json() == answered.json()
        assert len(on_primary) >= 1
    finally:
        log = os.path.join(os.path.dirname(os.environ["TEST_REPLICA_PGDATA"]), "replica.log")
        _pg_ctl("start", "-w", "-l", log)
        db_router.replica_health_forget()
    wait_for_replay()
