import pytest
from django.db import transaction

from sellercenter.celery import enqueue_on_commit
from sellercenter.tasks import ping


class Recorder:
    def __init__(self):
        self.calls = []

    def delay(self, *args, **kwargs):
        self.calls.append((args, kwargs))


@pytest.mark.django_db
def test_enqueue_on_commit_sends_after_commit(django_capture_on_commit_callbacks):
    task = Recorder()

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(task, 42, shop_id=7)
        assert task.calls == []

    assert task.calls == [((42,), {"shop_id": 7})]


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_sends_nothing_when_the_transaction_rolls_back():
    task = Recorder()

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(task, 42)
        raise RuntimeError("rolled back")

    assert task.calls == []


def test_tasks_run_eagerly_without_a_broker():
    assert ping.delay().get(timeout=1) == "pong"
