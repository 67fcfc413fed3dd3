"""The runner reads what a batch needs once for the whole batch: a batch's queries grow by one per
enrolment (its message's INSERT), not by a read per customer, and each send costs the same few queries."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from promotions.journeys.definitions import journey_create, journey_publish, journey_settings_for
from promotions.journeys.runner import journeys_run_due
from promotions.models import JourneyTrigger, Message, MessageStatus, StepKind
from tests.promotions.journey_setup import customer_with_consent, leave_cart

pytestmark = pytest.mark.django_db

# The outbox row's claim, read and done; the message's claim (savepoint, lock, consent, update,
# release) and its answer.
SEND_QUERIES = 9


def wave(shop, count, left_at, django_capture_on_commit_callbacks) -> tuple[int, int]:
    """`count` customers leave a cart at `left_at`; the runner takes them now. Returns the queries of
    the runner's batch and those of sending what it queued."""
    customers = [customer_with_consent(shop, at=left_at) for _ in range(count)]
    with django_capture_on_commit_callbacks(execute=True):
        for customer in customers:
            leave_cart(customer, sku="AO-01", at=left_at)
    # Now, not earlier: the runner would otherwise take the batch's own messages for lost ones.
    with django_capture_on_commit_callbacks(execute=False) as sends, CaptureQueriesContext(connection) as runner:
        assert journeys_run_due(now=timezone.now()) == count
    with CaptureQueriesContext(connection) as sending:
        for send in sends:
            send()
    return len(runner), len(sending)


def test_a_batch_reads_once_for_2_or_12_enrolments_and_sends_cost_the_same(shop, django_capture_on_commit_callbacks):
    step = {"kind": StepKind.SEND, "channel": "email", "subject": "{{ name }} ơi, còn {{ product }} trong giỏ"}
    journey_publish(
        journey=journey_create(
            shop=shop, name="Nhắc giỏ", trigger=JourneyTrigger.CART_ABANDONED, trigger_delay=timedelta(hours=1),
            steps=[step],
        )
    )  # fmt: skip
    settings_row = journey_settings_for(shop)
    settings_row.quiet_from = settings_row.quiet_until = time(0, 0)  # no quiet hours, whatever the hour
    settings_row.save()
    now = timezone.now()

    small_batch, small_sends = wave(shop, 2, now - timedelta(hours=3), django_capture_on_commit_callbacks)
    large_batch, large_sends = wave(shop, 12, now - timedelta(hours=2), django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 14
    assert Message.objects.filter(status=MessageStatus.DELIVERED).count() == 14
    # Whatever the batch holds, it reads once; each enrolment adds only its message's INSERT.
    assert large_batch - small_batch == 10
    # The batch's hand-over to the workers is paid once, every message the same few queries.
    per_send, once = divmod(large_sends - small_sends, 10)
    assert once == 0 and per_send <= SEND_QUERIES
    assert small_sends - 2 * per_send <= 4  # the hand-over: savepoint, pick, mark, release
