"""A real Celery worker against a real Redis broker (and, on PostgreSQL, the test database)."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from sellercenter.models import IdempotencyKey
from tests.processes import QUIET_WORKER
from tests.sellercenter.factories import ShopFactory

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


@pytest.fixture
def worker(redis_url):
    """Start `celery worker` on its own queue; yields a client app that sends tasks to it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": redis_url}
    env["DJANGO_SETTINGS_MODULE"] = "sellercenter.settings"
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = _database_url()
    command = [sys.executable, "-m", "celery", "-A", "sellercenter", "worker", "--pool=solo", "-Q", queue]
    process = subprocess.Popen(
        [*command, "-l", "WARNING", *QUIET_WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Not the current app: shared tasks elsewhere in the suite must keep using the project's (eager) app.
    client = Celery(broker=redis_url, backend=redis_url, set_as_current=False)
    try:
        yield client, queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        client.close()


def test_a_worker_runs_a_task_sent_through_redis(worker):
    client, queue = worker

    result = client.send_task("sellercenter.tasks.ping", queue=queue)

    assert result.get(timeout=60) == "pong"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_does_database_work_on_postgresql(worker, settings):
    client, queue = worker
    shop = ShopFactory()
    stale = IdempotencyKey.objects.create(shop=shop, key="stale", fingerprint="x", response_status=201)
    IdempotencyKey.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=30))
    IdempotencyKey.objects.create(shop=shop, key="fresh", fingerprint="x", response_status=201)

    deleted = client.send_task("sellercenter.tasks.idempotency_keys_prune", queue=queue).get(timeout=60)

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
