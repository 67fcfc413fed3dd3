"""Journey fixtures: the loopback servers, and real Celery workers on Redis that send to them."""

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime

import pytest
from celery import Celery

from customers.management.commands.vapid_keys import vapid_key_pair
from promotions.models import Message, MessageStatus
from tests.loopback import PushService, SmtpServer
from tests.processes import QUIET_WORKER
from tests.sellercenter.test_celery_worker import ROOT, _database_url


def wait_until_sent(timeout: float = 60) -> None:
    """Wait until no queued message is left unsent."""
    deadline = time.monotonic() + timeout
    unsent = Message.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.SENDING], queued_at__isnull=False)
    while unsent.exists():
        assert time.monotonic() < deadline, "queued messages were not sent"
        time.sleep(0.1)


@pytest.fixture
def servers(settings):
    private, public = vapid_key_pair()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, public
    with SmtpServer() as smtp, PushService() as push:
        yield smtp, push, private


@pytest.fixture
def workers(redis_url, servers):
    """Start `count` real workers on one queue of their own, sending to the loopback servers; returns
    (client, queue). Every worker started is stopped at the end."""
    smtp, _push, private = servers
    queue = f"test-{uuid.uuid4().hex[:8]}"
    processes = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sellercenter.settings",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": smtp.url,
        "VAPID_PRIVATE_KEY": private,
        "VAPID_SUBJECT": "mailto:cskh@hoamai.example.vn",
        "PUBLIC_BASE_URL": "http://testserver",
    }
    client = Celery(broker=redis_url, backend=redis_url, set_as_current=False)

    def start(count: int = 1, **extra_env):
        for index in range(count):
            command = [sys.executable, "-m", "celery", "-A", "sellercenter", "worker", "--pool=solo", *QUIET_WORKER]
            # The test's own queue for the beat it sends, and `messages`, where the beat queues the sends.
            command += ["-Q", f"{queue},messages", "-n", f"w{index}-{queue}@%h", "-l", "WARNING"]
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**env, **extra_env},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        return client, queue

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        client.close()


@pytest.fixture
def worker(workers):
    """One real worker; yields `run(at)`, which runs the beat job at the test's moment `at` and waits
    until every message it queued was sent."""
    client, queue = workers(1)

    def run(at: datetime) -> int:
        advanced = client.send_task("promotions.tasks.journeys_run_due", args=[at.isoformat()], queue=queue).get(
            timeout=60
        )
        wait_until_sent()
        return advanced

    return run
