"""The statements list and detail, and the overview: shop-scoped, back office only."""

from datetime import timedelta
from decimal import Decimal

import pytest

from finance import services
from tests.finance.factories import FeeRuleFactory, adjustment, complete, delivered
from tests.finance.test_services_statements import AFTER_WEEK_1, WEEK_1, WEEK_2

pytestmark = pytest.mark.django_db


def test_the_statements_of_the_shop_newest_first(api, other_api, shop, other_shop):
    first = adjustment(shop, "42000", at=WEEK_1).statement
    services.statement_close(statement=first, now=AFTER_WEEK_1)
    adjustment(shop, "1000", at=WEEK_2)
    adjustment(other_shop, "5000", at=WEEK_1)

    response = api.get("/api/v1/finance/statements")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["reference"] for row in results] == ["ST-HOA-MAI-20250310", "ST-HOA-MAI-20250303"]
    assert results[1]["status"] == "closed" and results[1]["payout_amount"] == "42000.00"
    assert results[1]["period_from"] == "2025-03-03" and results[1]["paid_on"] is None
    assert api.get("/api/v1/finance/statements?status=closed").json()["results"][0]["id"] == first.pk
    assert other_api.get(f"/api/v1/finance/statements/{first.pk}").status_code == 404
    assert api.get(f"/api/v1/finance/statements/{first.pk}").json()["total_net"] == "42000.00"


def test_the_statement_list_runs_a_fixed_number_of_queries(api, shop, django_assert_num_queries):
    for week in range(6):
        adjustment(shop, "1000", at=WEEK_1 + timedelta(weeks=week))
    # key lookup, key touch, count-free cursor page with its payouts joined
    with django_assert_num_queries(3):
        assert len(api.get("/api/v1/finance/statements").json()["results"]) == 6


def test_the_overview_sums_revenue_and_deductions_per_week_and_payout_state(api, shop):
    FeeRuleFactory(shop=shop)
    delivered(shop)
    complete(delivered(shop))
    adjustment(shop, "-5000")

    response = api.get("/api/v1/finance/overview?period=weekly")

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "VND" and body["period"] == "weekly"
    bucket = body["buckets"][-1]
    assert bucket["line_count"] == 3
    assert Decimal(bucket["gross"]) == Decimal("300000") and Decimal(bucket["commission"]) == Decimal("-12000")
    states = {key: Decimal(value) for key, value in body["payout_states"].items()}
    assert states == {"pending": Decimal("136250"), "to_be_paid": Decimal("131250"), "paid": Decimal("0")}


def test_the_overview_refuses_an_unknown_period_and_a_reversed_range(api):
    assert "period" in api.get("/api/v1/finance/overview?period=daily").json()["error"]["fields"]
    response = api.get("/api/v1/finance/overview?from=2025-03-10&to=2025-03-01")
    assert response.status_code == 400 and "to" in response.json()["error"]["fields"]


def test_the_overview_is_the_shops_own(api, other_api, shop):
    adjustment(shop, "5000")

    body = other_api.get("/api/v1/finance/overview?period=monthly").json()

    assert body["buckets"] == [] and body["payout_states"]["to_be_paid"] == "0.00"
