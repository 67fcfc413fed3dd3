"""Tasks go to the queue of their kind, so that workers can be given queues by kind."""

import pytest
from django.conf import settings

from sellercenter.celery import app

QUEUES = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def queue_of(name: str, **options) -> str:
    return app.amqp.router.route(options, name, (), {})["queue"].name


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_periodic_job_goes_to_the_periodic_queue(entry):
    assert queue_of(settings.CELERY_BEAT_SCHEDULE[entry]["task"]) == "periodic"


@pytest.mark.parametrize(("task", "queue"), sorted(settings.CELERY_TASK_QUEUE_BY_NAME.items()))
def test_named_tasks_go_to_their_queue(task, queue):
    assert queue in QUEUES
    assert task in app.tasks, f"{task} is routed but is no task"
    assert queue_of(task) == queue


def test_other_tasks_go_to_the_interactive_queue():
    assert queue_of("sellercenter.tasks.ping") == "interactive"


def test_an_explicit_queue_wins():
    assert queue_of("orders.tasks.order_email_send", queue="test-queue") == "test-queue"


def test_every_queue_a_task_can_reach_is_declared_so_a_plain_worker_takes_it():
    routed = {queue_of(name) for name in app.tasks if not name.startswith("celery.")}
    assert routed <= QUEUES
