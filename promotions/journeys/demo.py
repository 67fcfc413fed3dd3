"""The journeys' part of the demo: the abandoned-cart template live, with customers at every step.

Customers who granted consent leave a cart at moments spread over the last week; one run of the
beat then brings each to where the journey has reached for them (waiting for the trigger, after the
first push, after the voucher, after the e-mail, finished). Idempotent: a shop that has the journey
is left alone."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import consent_record, events_ingest
from promotions import services
from promotions.journeys.definitions import journey_publish, journey_settings_for
from promotions.journeys.runner import journeys_run_due
from promotions.journeys.template import journey_create_cart_recovery
from promotions.models import CodeMode, Journey, Kind

JOURNEY_NAME = "Nhắc giỏ hàng bị bỏ quên"
CAMPAIGN_NAME = "Quà 50K cho giỏ hàng bị bỏ quên"
# How long ago each demo customer left their cart: one per stage of the journey.
CART_AGES = [
    timedelta(minutes=20),
    timedelta(hours=5),
    timedelta(days=1, hours=3),
    timedelta(days=2, hours=3),
    timedelta(days=3, hours=3),
    timedelta(days=4, hours=3),
    timedelta(days=5, hours=3),
    timedelta(days=6, hours=3),
    # Long enough ago that its last step fell on an earlier day: the journey is finished.
    timedelta(days=7, hours=3),
]


def _campaign(shop, now):
    campaign = services.campaign_create(
        shop=shop,
        name=CAMPAIGN_NAME,
        kind=Kind.ORDER_AMOUNT,
        value=Decimal("50000"),
        min_subtotal=Decimal("300000"),
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=80),
        budget=Decimal("5000000"),
        code_mode=CodeMode.UNIQUE,
        usage_limit_per_customer=1,
    )
    return services.campaign_publish(campaign=campaign)


def _leave_cart(customer, at) -> None:
    for channel in ("email", "web_push"):
        consent_record(
            customer=customer,
            channel=channel,
            granted=True,
            source="demo: checkout form",
            wording_version="2026-01",
            recorded_at=at - timedelta(days=30),
        )
    events_ingest(
        shop=customer.shop,
        events=[
            {
                "event_id": f"demo-cart-{customer.pk}-{at:%Y%m%d%H%M}",
                "type": "add_to_cart",
                "occurred_at": at,
                "customer_id": customer.external_id,
                "properties": {"sku": "AO-DAI-01", "name": "Áo dài lụa", "price": "450000", "quantity": 1},
            }
        ],
    )


def _middays_since(start, end, tzinfo) -> list:
    """12:00 in the shop's time zone on every day from `start` to `end`, within them."""
    day = timezone.localtime(start, tzinfo).date()
    middays = []
    while True:
        moment = datetime.combine(day, time(12), tzinfo)
        if moment > end:
            return middays
        if moment >= start:
            middays.append(moment)
        day += timedelta(days=1)


def seed(*, shops, stdout) -> None:
    now = timezone.now()
    for shop in shops:
        if Journey.objects.filter(shop=shop, name=JOURNEY_NAME).exists():
            continue
        customers = list(
            Customer.objects.current().filter(shop=shop).exclude(external_id=None).order_by("-pk")[: len(CART_AGES)]
        )
        with transaction.atomic():
            settings_row = journey_settings_for(shop)
            settings_row.storefront_url = f"https://{shop.slug}.example.vn"
            settings_row.save()
            journey = journey_create_cart_recovery(shop=shop, campaign=_campaign(shop, now), name=JOURNEY_NAME)
            journey_publish(journey=journey)
        # Each cart in its own commit: the journey enrols from the events once they are stored.
        for customer, age in zip(customers, CART_AGES, strict=False):
            _leave_cart(customer, now - age)
        # The runner walks the days since the oldest cart at the shop's midday, then runs now: each step
        # happens on its own day, outside quiet hours, whatever the hour the demo is loaded at.
        for moment in _middays_since(now - max(CART_AGES), now, shop.tzinfo):
            journeys_run_due(now=moment)
        journeys_run_due(now=now)
        stdout.write(f"Journeys: {shop.name}: the abandoned-cart journey is live with {len(customers)} customers.")
