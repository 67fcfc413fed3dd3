"""Which queue a task goes to: named in CELERY_TASK_QUEUE_BY_NAME, `periodic` for the beat schedule's
jobs, the default queue (`interactive`) otherwise. An explicit `queue=` when sending still wins."""

from functools import cache

from django.conf import settings


@cache
def _periodic_tasks() -> frozenset[str]:
    return frozenset(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())


def queue_for_task(name: str) -> str | None:
    """The queue of `name`'s kind, or None for the default queue (or when every task shares one)."""
    if not settings.CELERY_TASK_ROUTES:
        return None
    queue = settings.CELERY_TASK_QUEUE_BY_NAME.get(name)
    if queue is None and name in _periodic_tasks():
        queue = "periodic"
    return queue


def route_task(name, args, kwargs, options, task=None, **_kw):
    queue = queue_for_task(name)
    return {"queue": queue} if queue else None
