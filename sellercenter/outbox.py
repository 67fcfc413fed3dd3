"""The transactional outbox: every side effect of a write goes through here.

A service records the effect with `outbox_enqueue` inside its own transaction, so the effect exists
exactly when the write does: a rolled-back write leaves nothing, a committed one always leaves its
row, whatever the broker does. Once the transaction commits, the row is handed to Celery at once
(the on-commit nudge); when the broker is down the nudge only logs, and the beat job `outbox_relay`
hands the row over when the broker is back. A worker runs the row's task through `outbox_message_run`:
it takes a lease on the row (so one worker at a time runs it), runs the task, marks the row done; a
failure is retried with exponential backoff, and after OUTBOX_MAX_ATTEMPTS the row becomes a dead
letter, shown in the admin with its last error and a "retry" action.

Delivery is at least once: a worker that dies mid-task leaves the row running under a lease that
expires, and the relay hands it over again. Tasks run through the outbox must therefore be safe to
run twice; the row's key is what they can use to recognise their own earlier run.
"""

import contextvars
import hashlib
import logging
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.bulk import insert_unless_present
from sellercenter.celery_routes import queue_for_task
from sellercenter.errors import DomainError, NotAllowed
from sellercenter.models import OutboxMessage, OutboxStatus, Shop

logger = logging.getLogger(__name__)
RELAY_BATCH = 500
# Publishing to a broker that is down must not hold a web request: a couple of quick tries, then
# the row waits for the relay.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
BROKER_RETRY_DELAY = timedelta(seconds=5)
ERROR_LIMIT = 4000
# The outbox row this worker is running, so that a long task can renew the row's lease.
_running = contextvars.ContextVar("outbox_running", default=None)


def _task_named(task: str):
    """The Celery task called `task`. Each app's tasks.py is imported on first need only: importing
    the default modules also runs Django's system checks (Celery's Django fix-up), a tenth of a second
    that must not be paid per message. LookupError for a task that no app defines."""
    from sellercenter.celery import app

    if task not in app.tasks:
        app.loader.import_default_modules()
    if task not in app.tasks:
        raise LookupError(f"No Celery task is called {task!r}")
    return app.tasks[task]


def outbox_enqueue(*, task: str, kwargs: dict | None = None, key: str, shop: Shop | None = None, queue: str = ""):
    """Record that `task` (a Celery task name, e.g. "orders.tasks.order_email_send") must run with
    `kwargs` once the current transaction commits, and hand it to a worker after the commit.

    `key` names the effect (e.g. "order-email:42:confirmation"): a second enqueue with the same key
    records nothing new and returns the first row, so the same effect is never recorded twice.
    Outside a transaction the row is written and handed over at once. Refuses (LookupError) a task
    that no app defines: that is a programming error, not bad input."""
    _task_named(task)
    message = OutboxMessage(key=key, task=task, kwargs=kwargs or {}, shop=shop, queue=queue)
    if not insert_unless_present(message):
        return OutboxMessage.objects.get(key=key)
    transaction.on_commit(lambda: outbox_dispatch(ids=[message.pk]), robust=True)
    return message


def outbox_enqueue_many(*, task: str, effects: dict[str, dict], shop: Shop | None = None, queue: str = "") -> None:
    """`outbox_enqueue` for a batch: `effects` maps each key to its task's kwargs. Keys already
    recorded are left as they are; the new rows are written in one statement and handed over together
    after the commit. Meant for keys that no other transaction writes at the same time (a second
    writer of the same key makes this transaction fail on the unique key instead of waiting for it)."""
    _task_named(task)
    recorded = set(OutboxMessage.objects.filter(key__in=list(effects)).values_list("key", flat=True))
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(key=key, task=task, kwargs=kwargs, shop=shop, queue=queue)
        for key, kwargs in effects.items()
        if key not in recorded
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: outbox_dispatch(ids=ids, limit=len(ids)), robust=True)


def outbox_dispatch(*, ids: list[int] | None = None, limit: int = RELAY_BATCH) -> int:
    """Hand waiting rows that are due (only `ids` when given) to the broker; returns how many went.

    Never raises for a broker outage: the rows stay waiting and the relay tries again later."""
    from sellercenter import tasks

    if ids is not None and not ids:
        return 0
    picked = _take_due(timezone.now(), ids, limit)
    for index, (pk, queue, task) in enumerate(picked):
        # The row runs on the queue of the effect's kind (an e-mail on `messages`, an export on `bulk`).
        queue = queue or queue_for_task(task)
        try:
            tasks.outbox_run.apply_async(args=[pk], queue=queue, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
        except Exception as error:  # Whatever the transport raises, the broker did not take the row.
            _return_to_waiting([pk for pk, _queue, _task in picked[index:]], error)
            return index
    return len(picked)


def _take_due(now, ids: list[int] | None, limit: int) -> list[tuple[int, str, str]]:
    """Mark up to `limit` waiting rows that are due (only `ids` when given) as dispatched, and return
    them as (pk, queue, task) in pk order. One statement (a transaction of its own outside an atomic
    block, as after a commit): a materialised CTE takes the rows in pk order, passing over rows
    another relay holds (SKIP LOCKED, where the database has it), and the UPDATE marks those. The
    CTE, not `WHERE id IN (SELECT … LIMIT n)`: PostgreSQL may run such a subquery more than once
    within the UPDATE, and mark more than `limit` rows. It runs after every commit that enqueued an
    effect, a checkout's among them."""
    ops = connection.ops
    table = ops.quote_name(OutboxMessage._meta.db_table)
    only = f" AND id IN ({', '.join(['%s'] * len(ids))})" if ids is not None else ""
    lock = ops.for_update_sql(skip_locked=True) if connection.features.has_select_for_update_skip_locked else ""
    sql = (
        f"WITH due (due_id) AS MATERIALIZED (SELECT id FROM {table} "  # noqa: S608 (placeholders only)
        f"WHERE status = %s AND available_at <= %s{only} ORDER BY id LIMIT %s {lock}) "
        f"UPDATE {table} SET status = %s, dispatched_at = %s FROM due WHERE id = due.due_id "
        "RETURNING id, queue, task"
    )
    at = ops.adapt_datetimefield_value(now)
    params = [OutboxStatus.PENDING.value, at, *(ids or []), limit, OutboxStatus.DISPATCHED.value, at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def _return_to_waiting(ids: list[int], error: Exception) -> None:
    logger.warning("broker unavailable, %d outbox rows wait for the relay: %s", len(ids), error)
    OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.DISPATCHED).update(
        status=OutboxStatus.PENDING,
        available_at=timezone.now() + BROKER_RETRY_DELAY,
        last_error=f"broker: {error}"[:ERROR_LIMIT],
    )


def outbox_relay() -> int:
    """The beat job: re-arm rows whose worker vanished, then hand every due row to the broker.

    A row running past its lease lost its worker (killed, or its host died): it waits again, or
    becomes a dead letter when it used all its attempts. A row handed over longer ago than
    OUTBOX_REDISPATCH_SECONDS and never started was lost by the broker: it waits again (a
    duplicate delivery is harmless, the run takes the row's lease first). Returns how many went."""
    now = timezone.now()
    lost_worker = Q(status=OutboxStatus.RUNNING, lease_expires_at__lt=now)
    OutboxMessage.objects.filter(lost_worker, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.DEAD, last_error="The worker stopped while running this task.", lease_expires_at=None
    )
    OutboxMessage.objects.filter(lost_worker).update(status=OutboxStatus.PENDING, available_at=now)
    lost_message = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    OutboxMessage.objects.filter(status=OutboxStatus.DISPATCHED, dispatched_at__lt=lost_message).update(
        status=OutboxStatus.PENDING, available_at=now
    )
    return outbox_dispatch()


def _claim(message_id: int) -> bool:
    """Take the row's lease: one worker at a time runs it, and a done or dead row never runs again."""
    now = timezone.now()
    runnable = (
        Q(status=OutboxStatus.DISPATCHED)
        | Q(status=OutboxStatus.PENDING, available_at__lte=now)
        | Q(status=OutboxStatus.RUNNING, lease_expires_at__lt=now)
    )
    return (
        OutboxMessage.objects.filter(runnable, pk=message_id).update(
            status=OutboxStatus.RUNNING,
            attempts=F("attempts") + 1,
            lease_expires_at=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        )
        == 1
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failure: base, 2 x base, 4 x base... up to an hour."""
    return timedelta(seconds=min(settings.OUTBOX_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600))


def _record_failure(message: OutboxMessage, error: Exception) -> str:
    # A refused operation (DomainError) fails the same way every time: no point in retrying it.
    final = isinstance(error, DomainError) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    status = OutboxStatus.DEAD if final else OutboxStatus.PENDING
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.RUNNING).update(
        status=status,
        available_at=timezone.now() + retry_delay(message.attempts),
        lease_expires_at=None,
        last_error=f"{type(error).__name__}: {error}"[:ERROR_LIMIT],
    )
    return status


def outbox_message_run(*, message_id: int) -> str:
    """Run one outbox row's task in this worker and record the outcome: "done", "pending" (failed,
    will be retried), "dead" (failed for good), or "skipped" when the row is not runnable (done,
    dead, waiting for its backoff, or running under another worker's live lease)."""
    if not _claim(message_id):
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    token = _running.set(message.pk)
    try:
        _task_named(message.task)(**message.kwargs)
    except Exception as error:  # The task's failure is recorded on its row, never lost in a log.
        logger.exception("outbox %s (%s) failed, attempt %d", message.key, message.task, message.attempts)
        return _record_failure(message, error)
    finally:
        _running.reset(token)
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.RUNNING).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), lease_expires_at=None
    )
    return OutboxStatus.DONE


def outbox_lease_renew() -> None:
    """Extend the lease of the outbox row this worker is running (a long task calls this as it
    makes progress, so the relay does not hand the row to another worker). Does nothing elsewhere."""
    message_id = _running.get()
    if message_id is not None:
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.RUNNING).update(
            lease_expires_at=timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        )


def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Give a dead letter a fresh set of attempts and hand it to a worker now. Its last error stays
    until the next run. Refuses (NotAllowed) a row that is not a dead letter."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.DEAD).update(
            status=OutboxStatus.PENDING, attempts=0, available_at=timezone.now()
        )
        if not updated:
            raise NotAllowed(_("Only a failed task can be retried."), code="not_dead_letter")
        transaction.on_commit(lambda: outbox_dispatch(ids=[message.pk]), robust=True)
    message.refresh_from_db()
    return message


def outbox_message_id(key: str) -> str:
    """The Message-ID header of the e-mail sent for outbox row `key`: the same on every attempt, so a
    resend after a crash is recognisable as the same message by the receiving systems."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
