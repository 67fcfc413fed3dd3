from datetime import date
from decimal import Decimal

import pytest

from customers.selectors import customer_metrics

pytestmark = pytest.mark.django_db


def test_metrics_on_known_data(shop, known_data):
    metrics = customer_metrics(shop=shop, date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))

    assert metrics["new_customers"] == 4
    assert metrics["customers_with_orders"] == 5
    assert metrics["repeat_customers"] == 3
    assert metrics["repeat_customer_rate"] == Decimal("0.6000")
    assert metrics["average_lifetime_value"] == Decimal("200000")
    assert metrics["retention_by_cohort"] == [
        {"cohort": "2026-03", "customers": 3, "retention": [Decimal("1.0000"), Decimal("0.3333")]},
        {"cohort": "2026-04", "customers": 1, "retention": [Decimal("1.0000")]},
    ]
    assert (metrics["sessions"], metrics["sessions_with_order"]) == (3, 1)
    assert metrics["conversion_rate"] == Decimal("0.3333")
    assert (metrics["sessions_with_cart"], metrics["sessions_with_abandoned_cart"]) == (2, 1)
    assert metrics["cart_abandonment_rate"] == Decimal("0.5000")


def test_an_empty_range_has_no_rates(shop):
    metrics = customer_metrics(shop=shop, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))

    assert metrics["new_customers"] == 0
    assert metrics["repeat_customer_rate"] is None
    assert metrics["conversion_rate"] is None
    assert metrics["cart_abandonment_rate"] is None
    assert metrics["average_lifetime_value"] is None
    assert metrics["retention_by_cohort"] == []


def test_metrics_see_only_the_shops_data(shop, other_shop, known_data):
    metrics = customer_metrics(shop=other_shop, date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))

    assert (metrics["new_customers"], metrics["sessions"], metrics["customers_with_orders"]) == (0, 0, 0)
