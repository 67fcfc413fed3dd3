"""Admin lists count only up to the paginator's cap: a long list says "more than 10.000" and the
count query stops reading at the cap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellercenter.admin_base import CappedCountPaginator
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db
PRODUCTS = "/admin/orders/product/"


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)


def test_a_list_longer_than_the_cap_says_more_than_and_pages_to_the_cap(shop, owner_client, small_cap):
    for _ in range(5):
        ProductFactory(shop=shop)

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(f"{PRODUCTS}?p=1", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    assert response.context["cl"].paginator.capped
    page = response.content.decode()
    assert "hơn 3" in page
    assert "hơn 3 kết quả" in page and "4 kết quả" not in page  # the header too, not the cap plus one
    # Past the cap there are no pages: the list says how to reach the other rows (products have both).
    assert "Chỉ xem được 3 dòng đầu: hãy dùng ô tìm kiếm hoặc bộ lọc để thu hẹp danh sách." in page
    counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "orders_product" in q["sql"]
    ]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts


def test_a_list_within_the_cap_shows_its_count(shop, owner_client, small_cap):
    ProductFactory(shop=shop)
    ProductFactory(shop=shop)

    response = owner_client.get(PRODUCTS)

    assert not response.context["cl"].paginator.capped
    assert response.context["cl"].result_count == 2
    assert "Only the first" not in response.content.decode()
