"""Data shared by the metrics tests of the selectors and of the API."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customers import services
from tests.customers.factories import CustomerFactory, EventFactory


def at(year, month, day, hour=5):
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def known_data(shop):
    """Purchases and sessions around March-April 2026, described in test_metrics_on_known_data."""

    def orders(*moments, amount="100000"):
        customer = CustomerFactory(shop=shop)
        for moment in moments:
            services.customer_record_purchase(
                customer=customer, amount=Decimal(amount), ordered_at=moment, discounted=False
            )
        return customer

    orders(at(2026, 3, 5), at(2026, 4, 10))  # A: March cohort, back in April
    orders(at(2026, 3, 20))  # B: March cohort
    orders(at(2026, 4, 2), at(2026, 4, 15))  # C: April cohort, two orders
    d = orders(at(2026, 3, 15))  # D: first order in February (below), not new
    services.customer_record_purchase(
        customer=d, amount=Decimal("300000"), ordered_at=at(2026, 2, 10), discounted=False
    )
    orders(at(2026, 5, 2))  # E: after the range
    orders(datetime(2026, 2, 28, 17, 30, tzinfo=UTC))  # F: 00:30 on 1 March in Hồ Chí Minh City: in
    g = orders(at(2026, 3, 8))  # G: cancelled
    services.customer_reverse_purchase(customer=g, amount=Decimal("100000"), discounted=False)

    for session, types in {
        "s1": ["page_view", "add_to_cart", "order_placed"],
        "s2": ["add_to_cart"],
        "s3": ["page_view"],
    }.items():
        for event_type in types:
            EventFactory(customer=None, shop=shop, session_id=session, type=event_type, occurred_at=at(2026, 3, 3))
    EventFactory(customer=None, shop=shop, session_id="s4", type="add_to_cart", occurred_at=at(2026, 5, 3))
    EventFactory(customer=None, shop=shop, session_id="", type="page_view", occurred_at=at(2026, 3, 3))
