"""Journey test data built through the services: the abandoned-cart template live, a voucher
campaign, customers with consent and a browser subscribed to push, and carts left on a given day."""

import uuid
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.services import consent_record, events_ingest, push_subscription_register
from promotions.journeys.definitions import journey_publish, journey_settings_for
from promotions.journeys.template import journey_create_cart_recovery
from promotions.models import CodeMode, Kind
from tests.customers.factories import CustomerFactory
from tests.promotions.factories import CampaignFactory

VOUCHER_VALUE = Decimal("50000")
STOREFRONT = "https://hoamai.example.vn"
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def journey_start() -> datetime:
    """10:00 in Hà Nội, more than a week ago: every step of a journey started then lies in the past of
    the real clock, so clicks and orders made now come after all of them (and outside quiet hours)."""
    day = timezone.localtime(timezone.now(), HANOI).date() - timedelta(days=8)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=HANOI)


def recovery_campaign(shop, *, start: datetime, budget=Decimal("10000000")):
    """50.000 ₫ off the order, unique single-use codes, running from a week before `start`."""
    return CampaignFactory(
        shop=shop,
        name="Quà giỏ hàng",
        kind=Kind.ORDER_AMOUNT,
        value=VOUCHER_VALUE,
        code_mode=CodeMode.UNIQUE,
        budget=budget,
        starts_at=start - timedelta(days=7),
        ends_at=start + timedelta(days=60),
        published_at=start - timedelta(days=8),
    )


def live_cart_journey(shop, *, start: datetime, campaign=None):
    settings_row = journey_settings_for(shop)
    settings_row.storefront_url = STOREFRONT
    settings_row.save()
    journey = journey_create_cart_recovery(shop=shop, campaign=campaign or recovery_campaign(shop, start=start))
    return journey_publish(journey=journey)


def customer_with_consent(shop, *, channels=("email", "web_push"), push_service=None, at: datetime, **fields):
    """A customer who granted consent on `channels` a day before `at`, with a browser subscribed to
    `push_service` (if given)."""
    customer = CustomerFactory(shop=shop, **fields)
    for channel in channels:
        consent_record(
            customer=customer,
            channel=channel,
            granted=True,
            source="checkout form",
            wording_version="2026-01",
            recorded_at=at - timedelta(days=1),
        )
    if push_service is not None:
        endpoint, browser = push_service.subscribe(customer.external_id)
        push_subscription_register(
            shop=shop, customer=customer, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth_b64
        )
    return customer


def cart_event(customer, *, sku: str, at: datetime, kind="add_to_cart", name="Áo dài lụa", price="450000"):
    return {
        "event_id": f"evt-{uuid.uuid4().hex[:12]}",
        "type": kind,
        "occurred_at": at,
        "customer_id": customer.external_id,
        "properties": {"sku": sku, "name": name, "price": price, "quantity": 1},
    }


def leave_cart(customer, *, sku: str, at: datetime, **fields) -> None:
    events_ingest(shop=customer.shop, events=[cart_event(customer, sku=sku, at=at, **fields)])
