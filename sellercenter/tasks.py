"""Kernel tasks. Every task takes ids or plain values, reloads what it needs and calls one service."""

from celery import shared_task

from sellercenter import services


@shared_task(acks_late=True)
def ping() -> str:
    """Round trip through broker and worker (used by the worker test and to check a deployment)."""
    return "pong"


@shared_task(acks_late=True)
def idempotency_keys_prune() -> int:
    """Delete idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS. Safe to run twice."""
    return services.idempotency_keys_prune()
