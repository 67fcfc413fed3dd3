"""Two real workers on Redis run the journeys' beat at the same moment and receive every send task
twice: each message still reaches the push service once (SKIP LOCKED batches, the unique
(enrolment, step) message, the committed claim before the send)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.models import Message, MessageStatus
from tests.orders.factories import ProductFactory
from tests.promotions.conftest import wait_until_sent
from tests.promotions.journey_setup import customer_with_consent, journey_start, leave_cart, live_cart_journey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
CUSTOMERS = 24


def test_two_workers_and_duplicated_tasks_send_each_message_once(shop, servers, workers):
    _smtp, push, _private = servers
    start = journey_start()
    live_cart_journey(shop, start=start)
    product = ProductFactory(shop=shop)
    customers = [customer_with_consent(shop, push_service=push, at=start) for _ in range(CUSTOMERS)]
    for customer in customers:
        leave_cart(customer, sku=product.sku, at=start)
    # Small batches, so that both workers take turns at the due enrolments.
    client, queue = workers(2, JOURNEY_BATCH_SIZE="4")

    for moment in (start + timedelta(hours=1), start + timedelta(days=1)):
        runs = [
            client.send_task("promotions.tasks.journeys_run_due", args=[moment.isoformat()], queue=queue)
            for _ in range(2)
        ]
        assert sum(run.get(timeout=120) for run in runs) == CUSTOMERS
    # Every send task delivered twice more, as a broker redelivering after a lost ack would.
    ids = list(Message.objects.values_list("pk", flat=True))
    sends = [client.send_task("promotions.tasks.message_send", args=[pk], queue=queue) for pk in ids * 2]
    for send in sends:
        send.get(timeout=120)
    wait_until_sent()

    assert len(ids) == CUSTOMERS
    per_browser = Counter(received["browser"] for received in push.received)
    assert per_browser == Counter({customer.external_id: 1 for customer in customers})
    assert set(Message.objects.values_list("status", "attempts")) == {(MessageStatus.DELIVERED, 1)}


def test_a_send_left_behind_by_a_killed_worker_is_sent_again_after_its_lease(shop, servers, worker):
    _smtp, push, _private = servers
    start = journey_start()
    live_cart_journey(shop, start=start)
    customer = customer_with_consent(shop, push_service=push, at=start)
    leave_cart(customer, sku=ProductFactory(shop=shop).sku, at=start)
    worker(start + timedelta(hours=1))
    worker(start + timedelta(days=1))
    message = Message.objects.get()
    # The row a worker killed after its claim leaves behind (the push service never answered it).
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=20), sent_at=None
    )
    push.received.clear()

    worker(start + timedelta(days=1, minutes=1))

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.DELIVERED, 2)
    # Sent again under the same Topic, so a push service still holding the first one replaces it.
    assert [received["topic"] for received in push.received] == [message.token[:32]]
