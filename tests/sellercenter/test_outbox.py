"""sellercenter.outbox: side effects recorded with the write, handed over after the commit, retried,
dead-lettered, and never lost when the broker is down."""

from datetime import timedelta

import pytest
from celery import shared_task, signals
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sellercenter import outbox
from sellercenter.celery import app
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import OutboxMessage, OutboxStatus
from sellercenter.tasks import ping
from tests.concurrency import row_locked_elsewhere

RUNS = []


@shared_task(name="tests.outbox.record")
def record(value: str) -> None:
    RUNS.append(value)


@shared_task(name="tests.outbox.fail")
def fail(error: str) -> None:
    RUNS.append(error)
    if error == "refused":
        raise InvalidInput(fields={"value": ["No."]})
    raise ConnectionError(error)


@pytest.fixture(autouse=True)
def runs():
    RUNS.clear()
    yield RUNS
    RUNS.clear()


@pytest.fixture
def enqueue(django_capture_on_commit_callbacks):
    """outbox_enqueue in a transaction that commits (its on-commit nudge runs)."""

    def committed(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return outbox.outbox_enqueue(**kwargs)

    return committed


@pytest.fixture
def broker_down():
    """The project's Celery app publishing to a loopback port where no broker listens."""
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app._pool = None
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool = None


@pytest.mark.django_db
def test_a_side_effect_runs_once_its_transaction_commits(django_capture_on_commit_callbacks, runs):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbox_enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
        assert runs == []
        assert message.status == OutboxStatus.PENDING

    message.refresh_from_db()
    assert runs == ["a"]
    assert (message.status, message.attempts) == (OutboxStatus.DONE, 1)
    assert message.done_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_no_side_effect(runs):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.outbox_enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
        raise RuntimeError("rolled back")

    assert not OutboxMessage.objects.exists()
    assert runs == []


@pytest.mark.django_db
def test_the_same_key_records_the_effect_once(django_capture_on_commit_callbacks, runs):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.outbox_enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
        second = outbox.outbox_enqueue(task="tests.outbox.record", kwargs={"value": "b"}, key="k-1")

    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert runs == ["a"]


@pytest.mark.django_db
def test_an_unknown_task_is_refused():
    with pytest.raises(LookupError):
        outbox.outbox_enqueue(task="nobody.tasks.nothing", key="k-1")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_running_a_message_does_not_import_the_apps_tasks_again(enqueue, runs):
    """Importing the default modules runs Django's system checks (Celery's Django fix-up): paid per
    message, it was most of the cost of every e-mail and push a worker sent."""
    imports = []

    def count(sender, **kwargs):
        imports.append(sender)

    enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
    signals.import_modules.connect(count, weak=False)
    try:
        enqueue(task="tests.outbox.record", kwargs={"value": "b"}, key="k-2")
        enqueue(task="tests.outbox.record", kwargs={"value": "c"}, key="k-3")
    finally:
        signals.import_modules.disconnect(count)

    assert runs == ["a", "b", "c"]
    assert imports == []


@pytest.mark.django_db
def test_a_broker_outage_delays_the_effect_and_the_relay_delivers_it(enqueue, broker_down, runs):
    message = enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.last_error.startswith("broker:")
    assert runs == []

    app.conf.task_always_eager = True  # The broker is back.
    OutboxMessage.objects.update(available_at=timezone.now())
    assert outbox.outbox_relay() == 1

    message.refresh_from_db()
    assert runs == ["a"]
    assert message.status == OutboxStatus.DONE


@pytest.mark.django_db
def test_a_failing_task_is_retried_with_backoff_then_becomes_a_dead_letter(enqueue, settings, runs):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = enqueue(task="tests.outbox.fail", kwargs={"error": "smtp down"}, key="k-1")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert message.available_at > timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_BACKOFF_SECONDS - 5)
    assert message.last_error == "ConnectionError: smtp down"

    assert outbox.outbox_relay() == 0  # Not due yet: the backoff holds it.
    for _attempt in range(2):
        OutboxMessage.objects.update(available_at=timezone.now())
        outbox.outbox_relay()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 3)
    assert runs == ["smtp down"] * 3


def test_the_backoff_doubles_up_to_an_hour(settings):
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 30
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 20)] == [30, 60, 120, 3600]


@pytest.mark.django_db
def test_a_refused_operation_is_a_dead_letter_at_once(enqueue, runs):
    message = enqueue(task="tests.outbox.fail", kwargs={"error": "refused"}, key="k-1")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 1)
    assert "InvalidInput" in message.last_error


@pytest.mark.django_db
def test_a_dead_letter_is_retried_with_fresh_attempts(enqueue, django_capture_on_commit_callbacks, runs):
    message = enqueue(task="tests.outbox.fail", kwargs={"error": "refused"}, key="k-1")
    OutboxMessage.objects.filter(pk=message.pk).update(task="tests.outbox.record", kwargs={"value": "fixed"})

    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_retry(message=message)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DONE, 1)
    assert runs == ["refused", "fixed"]
    with pytest.raises(NotAllowed):
        outbox.outbox_retry(message=message)


def _waiting(*values: str, later: bool = False) -> list[OutboxMessage]:
    available = timezone.now() + timedelta(hours=1) if later else timezone.now() - timedelta(seconds=1)
    return [
        OutboxMessage.objects.create(
            key=f"k-{value}", task="tests.outbox.record", kwargs={"value": value}, available_at=available
        )
        for value in values
    ]


@pytest.mark.django_db
def test_the_nudge_hands_over_only_its_due_waiting_rows_in_one_statement(runs):
    first, second, _other = _waiting("a", "b", "c")
    (not_due,) = _waiting("d", later=True)
    OutboxMessage.objects.filter(pk=second.pk).update(status=OutboxStatus.DONE)

    with CaptureQueriesContext(connection) as queries:
        handed = outbox.outbox_dispatch(ids=[second.pk, first.pk, not_due.pk])

    assert handed == 1
    assert runs == ["a"]
    statuses = dict(OutboxMessage.objects.values_list("key", "status"))
    assert statuses == {"k-a": OutboxStatus.DONE, "k-b": OutboxStatus.DONE, "k-c": "pending", "k-d": "pending"}
    # The rows are taken and marked by one statement, the first (no transaction or savepoint of its
    # own, no SELECT before it); what follows is the task's eager run.
    first_statement = queries.captured_queries[0]["sql"]
    assert first_statement.startswith("WITH due"), first_statement
    assert 'UPDATE "sellercenter_outboxmessage"' in first_statement and "RETURNING" in first_statement
    assert outbox.outbox_dispatch(ids=[]) == 0


@pytest.mark.django_db
def test_the_relay_hands_over_in_the_order_written_up_to_its_batch(runs):
    _waiting("a", "b", "c")

    assert outbox.outbox_dispatch(limit=2) == 2
    assert runs == ["a", "b"]
    assert outbox.outbox_dispatch() == 1
    assert runs == ["a", "b", "c"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_batch_limit_holds_whatever_plan_the_database_chooses(runs):
    # With the table's statistics small and these plans ruled out, PostgreSQL runs a `WHERE id IN
    # (SELECT … LIMIT 2 FOR UPDATE SKIP LOCKED)` again for each row of the UPDATE, and the rows it has
    # just marked no longer stop the LIMIT: that form marked all three rows here.
    _waiting("a", "b", "c")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sellercenter_outboxmessage")
        for plan in ("hashjoin", "mergejoin", "material", "sort", "hashagg"):
            cursor.execute(f"SET LOCAL enable_{plan} = off")

    assert outbox.outbox_dispatch(limit=2) == 2
    assert runs == ["a", "b"]
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_another_relay_holds_is_passed_over_not_waited_for(runs):
    held, _free = _waiting("a", "b")

    with row_locked_elsewhere(OutboxMessage._meta.db_table, held.pk, mode="FOR UPDATE"):
        assert outbox.outbox_dispatch() == 1
    assert runs == ["b"]
    held.refresh_from_db()
    assert held.status == OutboxStatus.PENDING  # left to whoever holds it, or to the next relay
    assert outbox.outbox_dispatch() == 1
    assert runs == ["b", "a"]


@pytest.mark.django_db
def test_a_row_under_a_live_lease_is_not_run_by_a_second_delivery(enqueue, runs):
    message = enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.RUNNING, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    runs.clear()

    assert outbox.outbox_message_run(message_id=message.pk) == "skipped"
    assert outbox.outbox_relay() == 0
    assert runs == []


@pytest.mark.django_db
def test_a_row_whose_worker_was_lost_runs_again_after_its_lease(enqueue, runs):
    message = enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.RUNNING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    runs.clear()

    assert outbox.outbox_relay() == 1

    message.refresh_from_db()
    assert runs == ["a"]
    assert (message.status, message.attempts) == (OutboxStatus.DONE, 2)
    assert outbox.outbox_message_run(message_id=message.pk) == "skipped"  # A late redelivery.


@pytest.mark.django_db
def test_a_row_the_broker_lost_is_handed_over_again(enqueue, settings, runs):
    message = enqueue(task="tests.outbox.record", kwargs={"value": "a"}, key="k-1")
    long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS + 1)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DISPATCHED, dispatched_at=long_ago)
    runs.clear()

    assert outbox.outbox_relay() == 1
    assert runs == ["a"]


def test_the_message_id_of_a_key_is_the_same_on_every_attempt(settings):
    settings.DEFAULT_FROM_EMAIL = "Hoa Mai <no-reply@hoamai.example.vn>"
    first = outbox.outbox_message_id("order-email:1:confirmation")

    assert first == outbox.outbox_message_id("order-email:1:confirmation")
    assert first != outbox.outbox_message_id("order-email:2:confirmation")
    assert first.startswith("<") and first.endswith("@hoamai.example.vn>")


def test_the_relay_is_on_the_beat_and_every_task_exists(settings):
    assert settings.CELERY_BEAT_SCHEDULE["outbox-relay"]["task"] == "sellercenter.tasks.outbox_relay"
    assert {"sellercenter.tasks.outbox_relay", "sellercenter.tasks.outbox_run"} <= set(app.tasks)


def test_tasks_run_eagerly_without_a_broker():
    assert ping.delay().get(timeout=1) == "pong"
