"""Faults as production meets them, with the real processes: gunicorn, Celery workers and beat on a
Redis of the test's own, the test database on PostgreSQL, a real SMTP server on loopback. Redis is
stopped during checkouts, a worker is killed -9 in the middle of an e-mail and of an export, and a
PostgreSQL cluster of the test's own is stopped during traffic. Every wait is bounded."""

import asyncio
import email
import threading
import time
from collections import Counter

import pytest
import requests
from aiosmtpd.controller import Controller

from finance.models import ExportJob, ExportStatus, StatementLine
from orders.models import Order, OrderEventType
from sellercenter.models import OutboxMessage, OutboxStatus
from tests.finance.factories import adjustment
from tests.orders.factories import ADDRESS, ProductFactory
from tests.processes import PostgresCluster, Redis, Stack, database_url, free_port, wait_until
from tests.sellercenter.factories import ShopFactory, api_key_secret

# Each test runs a whole stack of processes: one at a time, in one worker, so they never compete.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("faults")]


class Inbox:
    """An SMTP server's handler that keeps what it accepted; `hold_first_rcpt` makes the first
    conversation wait at RCPT until released (so a test can kill the sender in the middle of it)."""

    def __init__(self, hold_first_rcpt: bool = False):
        self.envelopes = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self._hold = hold_first_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._hold:
            self._hold = False
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    holder = {}

    def start(**options):
        inbox = Inbox(**options)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        holder["controller"], holder["inbox"] = controller, inbox
        return inbox, port

    yield start
    if "controller" in holder:
        holder["inbox"].release.set()
        holder["controller"].stop()


@pytest.fixture
def stack(tmp_path):
    stacks = []

    def make(**kwargs) -> Stack:
        stacks.append(Stack(tmp_path, **kwargs))
        return stacks[-1]

    yield make
    for made in stacks:
        made.close()


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def storefront(db):
    shop = ShopFactory(name="Thời Trang Hoa Mai", slug="hoa-mai")
    ProductFactory(shop=shop, sku="AO-DAI", stock_on_hand=1000)
    return shop, {"Authorization": f"Api-Key {api_key_secret(shop)}"}


def checkout(stack: Stack, headers: dict, number: int) -> requests.Response:
    body = {
        "customer": {
            "external_id": f"KH-{number:03d}",
            "full_name": "Nguyễn Thị Lan",
            "email": f"lan{number}@example.vn",
        },
        "channel": "website",
        "lines": [{"sku": "AO-DAI", "quantity": 1}],
        "shipping_address": ADDRESS,
        "shipping_fee": "25000",
        "payment_method": "cod",
    }
    return requests.post(f"{stack.web_url}/api/v1/orders", json=body, headers=headers, timeout=30)


def confirmation_rows() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(key__endswith=":confirmation"))


def all_done(expected: int):
    rows = confirmation_rows()
    return len(rows) == expected and all(row.status == OutboxStatus.DONE for row in rows)


def test_redis_stopped_during_checkouts_fails_none_and_every_email_goes_once_it_returns(storefront, redis, smtp, stack):
    _shop, headers = storefront
    inbox, smtp_port = smtp()
    servers = stack(broker_url=redis.url, db_url=database_url(), smtp_port=smtp_port)
    servers.web(), servers.worker(), servers.beat()

    statuses = [checkout(servers, headers, number).status_code for number in range(2)]
    redis.kill()
    statuses += [checkout(servers, headers, number).status_code for number in range(2, 5)]
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    redis.start()

    assert statuses == [201] * 5
    assert Order.objects.count() == 5
    assert waiting >= 3, "the checkouts made while Redis was down left their e-mails waiting in the outbox"
    wait_until(lambda: all_done(5), timeout=60, what=f"every confirmation to be sent\n{servers.logs()}")
    recipients = Counter(address for message in inbox.envelopes for address in [message["To"]])
    assert recipients == Counter(f"lan{number}@example.vn" for number in range(5))
    for order in Order.objects.all():
        assert order.events.filter(type=OrderEventType.EMAIL_SENT).count() == 1


def test_a_worker_killed_during_an_email_leaves_it_to_the_next_one_and_it_goes_out_once(storefront, redis, smtp, stack):
    _shop, headers = storefront
    inbox, smtp_port = smtp(hold_first_rcpt=True)
    servers = stack(broker_url=redis.url, db_url=database_url(), smtp_port=smtp_port)
    servers.web(), servers.beat()
    first_worker = servers.worker()

    assert checkout(servers, headers, 1).status_code == 201
    wait_until(inbox.holding.is_set, timeout=60, what=f"the worker to start the SMTP conversation\n{servers.logs()}")
    first_worker.kill()  # kill -9 in the middle of the SMTP conversation
    inbox.release.set()
    servers.worker()

    wait_until(lambda: all_done(1), timeout=60, what=f"the e-mail to be sent by the next worker\n{servers.logs()}")
    row = confirmation_rows()[0]
    assert row.attempts == 2
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0]["To"] == "lan1@example.vn"
    assert Order.objects.get().events.filter(type=OrderEventType.EMAIL_SENT).count() == 1


EXPORT_ROWS = 12_000


def _many_lines(shop) -> int:
    template = adjustment(shop, "-1500", reason="Điều chỉnh đối soát")
    fields = {
        field.attname: getattr(template, field.attname)
        for field in StatementLine._meta.concrete_fields
        if not field.primary_key
    }
    StatementLine.objects.bulk_create([StatementLine(**fields) for _ in range(EXPORT_ROWS - 1)], batch_size=5000)
    return EXPORT_ROWS


def test_a_worker_killed_during_an_export_is_replaced_and_the_file_has_every_row(redis, smtp, stack, tmp_path):
    from django.utils import timezone

    shop = ShopFactory(slug="hoa-mai")
    total = _many_lines(shop)
    today = timezone.localdate(timezone=shop.tzinfo)
    _inbox, smtp_port = smtp()
    servers = stack(broker_url=redis.url, db_url=database_url(), smtp_port=smtp_port)
    servers.beat()
    first_worker = servers.worker()
    job = ExportJob.objects.create(shop=shop, date_from=today, date_to=today)
    # Recorded as the service records it; the beat's relay hands it over.
    OutboxMessage.objects.create(
        key=f"export-job:{job.pk}", task="finance.tasks.export_job_run", kwargs={"job_id": job.pk}, shop=shop
    )

    def writing():
        job.refresh_from_db()
        return (job.status == ExportStatus.RUNNING and job.rows_done > 0) or job.status == ExportStatus.DONE

    wait_until(writing, timeout=60, what=f"the export to start writing\n{servers.logs()}", interval=0.02)
    assert job.status == ExportStatus.RUNNING, "the export finished before the worker could be killed"
    first_worker.kill()
    servers.worker()

    def done():
        job.refresh_from_db()
        return job.status in (ExportStatus.DONE, ExportStatus.FAILED)

    wait_until(done, timeout=90, what=f"the export to complete\n{servers.logs()}", interval=0.3)
    assert (job.status, job.attempts, job.rows_done, job.rows_total) == (ExportStatus.DONE, 2, total, total)
    written = (tmp_path / "media" / job.file.name).read_text(encoding="utf-8-sig").splitlines()
    assert len(written) == 1 + total


def test_postgresql_stopped_during_traffic_gives_503s_then_recovers_without_a_restart(
    storefront, smtp, stack, tmp_path
):
    _shop, headers = storefront
    cluster = PostgresCluster().create()
    try:
        _inbox, smtp_port = smtp()
        # No broker: the side effects run in the web process; this test is about the database.
        servers = stack(broker_url="", db_url=cluster.url, smtp_port=smtp_port)
        servers.web()
        answers, stop = [], threading.Event()

        def traffic():
            number = 100
            while not stop.is_set():
                number += 1
                sent = time.monotonic()
                try:
                    if number % 3:
                        response = requests.get(f"{servers.web_url}/api/v1/customers", headers=headers, timeout=10)
                    else:
                        response = checkout(servers, headers, number)
                except requests.RequestException as error:
                    answers.append((sent, time.monotonic(), f"no answer: {error}", None, ""))
                    continue
                answered = time.monotonic()
                answers.append(
                    (sent, answered, response.status_code, response.headers.get("Retry-After"), response.text[:300])
                )
                time.sleep(0.05)

        client = threading.Thread(target=traffic, daemon=True)
        client.start()
        time.sleep(1.5)
        cluster.stop()
        stopped_at = time.monotonic()
        time.sleep(3)
        # PostgreSQL accepts connections a moment before `pg_ctl start -w` returns: the outage window
        # ends when the restart begins, so an answer served by the returning server is not counted in it.
        restart_at = time.monotonic()
        cluster.start()
        started_at = time.monotonic()
        time.sleep(3)
        stop.set()
        client.join(timeout=30)
    finally:
        cluster.remove()

    statuses = Counter(status for _sent, _at, status, _retry, _body in answers)
    assert set(statuses) <= {200, 201, 503}, f"{statuses}: {[a for a in answers if a[2] not in (200, 201, 503)][:3]}"
    # Requests sent once the server was down and answered before its restart began.
    outage = [answer for answer in answers if stopped_at < answer[0] and answer[1] < restart_at]
    wrong = [answer for answer in outage if answer[2] != 503 or answer[3] != "5"]
    assert outage and not wrong, (stopped_at, restart_at, wrong[:3])
    assert all('"database_unavailable"' in body for _sent, _at, status, _retry, body in outage if status == 503)
    after = [status for sent, _at, status, _retry, _body in answers if sent > started_at + 1]
    assert after and set(after) <= {200, 201}, f"not recovered: {after}"
