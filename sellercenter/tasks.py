"""Kernel tasks. Every task takes ids or plain values, reloads what it needs and calls one service."""

from celery import shared_task

from sellercenter import outbox, services


@shared_task(acks_late=True)
def ping() -> str:
    """Round trip through broker and worker (used by the worker test and to check a deployment)."""
    return "pong"


@shared_task(acks_late=True)
def idempotency_keys_prune() -> int:
    """Delete idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS. Safe to run twice."""
    return services.idempotency_keys_prune()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_run(message_id: int) -> str:
    """Run one outbox row. Acknowledged when done, so a worker lost mid-task gets it redelivered;
    the row's lease makes a second delivery wait or skip, never run it twice at once."""
    return outbox.outbox_message_run(message_id=message_id)


@shared_task(acks_late=True)
def outbox_relay() -> int:
    """Beat job: hand waiting outbox rows to the workers and re-arm rows whose worker was lost."""
    return outbox.outbox_relay()


@shared_task(acks_late=True)
def rollups_refresh_due() -> int:
    """Fold each active shop's changed rows into its daily rollups. Safe to run twice: a day is
    recomputed whole from the source rows."""
    from sellercenter.insights.rollups import rollups_refresh_changed
    from sellercenter.models import Shop

    return sum(rollups_refresh_changed(shop=shop) for shop in Shop.objects.filter(is_active=True))
