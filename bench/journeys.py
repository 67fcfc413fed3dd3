"""Journeys benchmark: enrolments all due at once, run by the journeys' beat through the real channels
(e-mail to an SMTP server on loopback, Web Push encrypted for and decrypted by a push service on
loopback), against a bare loop that only writes the same message rows in bulk.

    .venv/bin/python bench/journeys.py                        # 100.000 enrolments per channel
    .venv/bin/python bench/journeys.py --enrolments 2000      # a quick run
    .venv/bin/python bench/journeys.py --channel email        # one channel (and the bare loop)
    DATABASE_URL=postgres://user@host/postgres .venv/bin/python bench/journeys.py

With DATABASE_URL the benchmark creates (and drops) its own database on that server; without it, it
starts a throwaway PostgreSQL cluster, as bench/checkout.py does. Sends run in this process (no
broker: each queued send runs when its batch commits), so the figure is one worker's.

Printed: messages/s through each channel and of the bare loop, and the ratio. The channel paths do
everything a real send does (lock the due batch, check the exit rules, consent, address and frequency
cap, render the content with the cart, write the message, claim it, hand it over, record the answer);
the loopback servers run in this process too (the push service decrypts every payload), so their work
is counted against the channel.
"""

import argparse
import os
import secrets
import sys
import time
from datetime import time as datetime_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checkout import bench_database, postgres_server  # noqa: E402 - the checkout benchmark's throwaway cluster


def enrolments_due(shop, channel: str, count: int, push_service=None):
    """`count` customers with consent on `channel`, each enrolled in a one-step journey and due now."""
    from django.db import connection
    from django.utils import timezone

    from customers.models import ConsentRecord, Customer, CustomerEvent, PushSubscription
    from promotions.journeys.definitions import journey_create, journey_publish
    from promotions.models import Enrolment, EnrolmentStatus, JourneyTrigger, StepKind

    now = timezone.now()
    step = {"kind": StepKind.SEND, "channel": channel, "subject": "{{ name }} ơi, {{ product }} vẫn trong giỏ"}
    journey = journey_publish(
        journey=journey_create(shop=shop, name=f"Bench {channel}", trigger=JourneyTrigger.CART_ABANDONED, steps=[step])
    )
    customers = Customer.objects.bulk_create(
        Customer(shop=shop, external_id=f"{channel}-{i}", full_name=f"Khách {i}", email=f"{channel}{i}@example.vn")
        for i in range(count)
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            shop=shop, customer=c, channel=channel, granted=True, source="bench", wording_version="1",
            recorded_at=now - timedelta(days=2),
        )
        for c in customers
    )  # fmt: skip
    CustomerEvent.objects.bulk_create(
        CustomerEvent(
            shop=shop, customer=c, event_id=f"{channel}-cart-{c.pk}", type="add_to_cart",
            properties={"sku": "AO-01", "name": "Áo dài lụa", "price": "450000", "quantity": 1},
            occurred_at=now - timedelta(days=1),
        )
        for c in customers
    )  # fmt: skip
    if push_service is not None:
        # One browser's keys for every subscription: the push service decrypts each payload with them.
        endpoint, browser = push_service.subscribe("bench")
        PushSubscription.objects.bulk_create(
            PushSubscription(
                shop=shop, customer=c, endpoint=f"{endpoint}?c={c.pk}", p256dh=browser.p256dh, auth=browser.auth_b64
            )
            for c in customers
        )
    Enrolment.objects.bulk_create(
        Enrolment(
            shop=shop, journey=journey, family=journey.family, customer=c, occurrence=f"bench:{c.pk}",
            status=EnrolmentStatus.ACTIVE, triggered_at=now - timedelta(days=1), entered_at=now - timedelta(days=1),
            due_at=now - timedelta(minutes=1),
        )
        for c in customers
    )  # fmt: skip
    # Statistics as autovacuum would have them for rows that did not arrive within the last minute.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return journey


def run_channel(shop, channel: str, count: int, push_service=None) -> float:
    from django.db import connection

    from promotions.journeys.runner import journeys_run_due
    from promotions.models import Message, MessageStatus

    journey = enrolments_due(shop, channel, count, push_service)
    connection.close()
    started = time.perf_counter()
    journeys_run_due()
    elapsed = time.perf_counter() - started
    delivered = Message.objects.filter(enrolment__journey=journey, status=MessageStatus.DELIVERED).count()
    assert delivered == count, f"{channel}: {delivered} of {count} delivered"
    return count / elapsed


def run_bare(shop, count: int, batch: int) -> float:
    """The floor: the message rows of `count` due enrolments written in bulk, nothing else."""
    from django.db import transaction
    from django.utils import timezone

    from promotions.models import Enrolment, Message

    journey = enrolments_due(shop, "sms", count)
    step = journey.steps.get()
    ids = list(Enrolment.objects.filter(journey=journey).values_list("pk", "customer_id"))
    started = time.perf_counter()
    for offset in range(0, count, batch):
        with transaction.atomic():
            now = timezone.now()
            Message.objects.bulk_create(
                Message(
                    shop=shop, enrolment_id=pk, step=step, customer_id=customer_id, channel="sms",
                    token=secrets.token_urlsafe(16), created_at=now, queued_at=now,
                )
                for pk, customer_id in ids[offset : offset + batch]
            )  # fmt: skip
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enrolments", type=int, default=100_000, help="enrolments due per path (default 100.000)")
    parser.add_argument("--batch", type=int, default=200, help="enrolments per runner transaction (default 200)")
    parser.add_argument(
        "--channel", choices=["email", "web_push", "both"], default="both", help="channel path(s) to run (default both)"
    )
    args = parser.parse_args()
    channels = ["email", "web_push"] if args.channel == "both" else [args.channel]
    with postgres_server() as server, bench_database(server, "bench_journeys") as database_url:
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "sellercenter.settings",
                "CELERY_BROKER_URL": "",
                "DEBUG": "0",
                "LOG_LEVEL": "WARNING",
                "JOURNEY_BATCH_SIZE": str(args.batch),
            }
        )
        from tests.loopback import PushService, SmtpServer

        with SmtpServer() as smtp, PushService() as push:
            os.environ["EMAIL_URL"] = smtp.url
            import django

            django.setup()
            from django.conf import settings
            from django.core.management import call_command

            from customers.management.commands.vapid_keys import vapid_key_pair
            from sellercenter import services

            settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_key_pair()
            call_command("migrate", verbosity=0)
            shop = services.shop_create(name="Cửa hàng bench", slug="bench-journeys")
            # No quiet hours (equal bounds), so that the figure does not depend on the hour it runs at.
            from promotions.journeys.definitions import journey_settings_for

            journey_settings = journey_settings_for(shop)
            journey_settings.quiet_from = journey_settings.quiet_until = datetime_time(0, 0)
            journey_settings.save(update_fields=["quiet_from", "quiet_until"])
            print(f"Journeys: {args.enrolments} enrolments due per path, batches of {args.batch}, PostgreSQL")
            rates = []
            if "email" in channels:
                rates.append(("e-mail (loopback SMTP)", run_channel(shop, "email", args.enrolments)))
                assert len(smtp.inbox.envelopes) == args.enrolments
            if "web_push" in channels:
                rates.append(("web push (loopback service)", run_channel(shop, "web_push", args.enrolments, push)))
                assert len(push.received) == args.enrolments
            bare_rate = run_bare(shop, args.enrolments, args.batch)
            from django.db import connections

            connections.close_all()
    print(f"{'':28}{'messages/s':>12}{'vs bare loop':>14}")
    for label, rate in rates:
        print(f"{label:28}{rate:>12.1f}{rate / bare_rate:>13.3f}x")
    print(f"{'bare loop (message rows)':28}{bare_rate:>12.1f}{1:>13.3f}x")


if __name__ == "__main__":
    main()
