import pytest

from customers.models import Segment
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_metrics_for_a_date_range(api, known_data):
    response = api.get("/api/v1/customers/metrics?date_from=2026-03-01&date_to=2026-04-30")

    assert response.status_code == 200
    body = response.json()
    assert body["new_customers"] == 4
    assert body["repeat_customer_rate"] == "0.6000"
    assert body["retention_by_cohort"][0] == {"cohort": "2026-03", "customers": 3, "retention": ["1.0000", "0.3333"]}
    assert body["cart_abandonment_rate"] == "0.5000"


def test_metrics_default_to_the_last_30_days(api):
    body = api.get("/api/v1/customers/metrics").json()

    assert body["conversion_rate"] is None
    assert body["date_from"] < body["date_to"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2026-05-01&date_to=2026-04-01", "date_from"),
        ("date_from=2024-01-01&date_to=2026-01-01", "date_to"),
        ("date_from=yesterday", "date_from"),
    ],
)
def test_bad_ranges_are_refused(api, query, field):
    response = api.get(f"/api/v1/customers/metrics?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_metrics_and_segments_are_back_office_only(shop):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])

    assert storefront.get("/api/v1/customers/metrics").status_code == 403
    assert storefront.get("/api/v1/customers/segments").status_code == 403


def test_segments_list_and_member_count(api, shop, other_shop):
    CustomerFactory(shop=shop)
    browsers = Segment.objects.get(shop=shop, builtin="browsers")
    theirs = Segment.objects.get(shop=other_shop, builtin="browsers")

    listed = api.get("/api/v1/customers/segments").json()["results"]
    detail = api.get(f"/api/v1/customers/segments/{browsers.pk}").json()

    assert {row["id"] for row in listed} == set(Segment.objects.filter(shop=shop).values_list("pk", flat=True))
    assert detail["member_count"] == 0
    assert detail["builtin"] == "browsers"
    assert api.get(f"/api/v1/customers/segments/{theirs.pk}").status_code == 404
