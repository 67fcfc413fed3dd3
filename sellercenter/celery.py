"""The Celery app: broker from CELERY_BROKER_URL, every task run eagerly when it is unset."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellercenter.settings")

app = Celery("sellercenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits, so a worker never sees uncommitted rows and
    a rolled-back change sends nothing. Outside a transaction it is sent at once. Every app enqueues
    its tasks through this."""
    from django.db import transaction

    transaction.on_commit(lambda: task.delay(*args, **kwargs))
