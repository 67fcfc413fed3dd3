"""The SKU list builds its page from query rows (orders.api.products): through the public API it must
answer exactly what ProductOutput(many=True) renders, for every kind of SKU, page after page and
filtered, in a fixed number of queries."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from orders.api.products import ProductOutput
from orders.models import Product
from tests.conftest import api_pages, make_api_client
from tests.orders.factories import ProductFactory, place
from tests.sellercenter.factories import ShopFactory

pytestmark = pytest.mark.django_db


def _every_kind_of_sku(shop) -> None:
    """SKUs for sale and not, with units reserved by an order, none left, a price with half a dong."""
    ProductFactory(shop=shop, sku="AO-DAI-DO", name="Áo dài lụa đỏ", price=Decimal("450000"), stock_on_hand=12)
    ProductFactory(shop=shop, sku="KHAN-LUA", name="Khăn lụa", price=Decimal("99999.50"), stock_on_hand=0)
    ProductFactory(shop=shop, sku="NON-LA", name="Nón lá", price=Decimal("0"), is_active=False)
    for index in range(7):
        ProductFactory(shop=shop, sku=f"TUI-{index}", name=f"Túi cói {index}", price=Decimal(f"{120 + index}000"))
    place(shop, lines=[("AO-DAI-DO", 3), ("TUI-2", 1)])


def _serialized(queryset) -> list:
    return json.loads(JSONRenderer().render(ProductOutput(queryset.order_by("-pk"), many=True).data))


def test_the_sku_list_answers_what_the_serializer_renders(shop):
    _every_kind_of_sku(shop)
    ProductFactory(shop=ShopFactory(slug="shop-khac"), sku="AO-DAI-DO", name="Áo của shop khác")
    api = make_api_client(shop)

    listed = api_pages(api, "/api/v1/products?limit=3")

    expected = _serialized(Product.objects.filter(shop=shop))
    assert listed == expected
    assert [list(row) for row in listed] == [list(row) for row in expected]
    assert {row["sku"]: row["available"] for row in listed}["AO-DAI-DO"] == 9  # 12 on hand, 3 reserved
    assert {row["sku"]: row["price"] for row in listed}["KHAN-LUA"] == "99999.50"


@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        ("sku=KHAN-LUA,NON-LA", {"sku__in": ["KHAN-LUA", "NON-LA"]}),
        ("is_active=false", {"is_active": False}),
        ("q=túi cói", {"sku__startswith": "TUI-"}),
    ],
)
def test_a_filtered_sku_list_answers_what_the_serializer_renders(shop, query, lookup):
    _every_kind_of_sku(shop)

    listed = api_pages(make_api_client(shop), f"/api/v1/products?{query}")

    assert listed == _serialized(Product.objects.filter(shop=shop, **lookup))
    assert listed


def test_a_page_of_skus_is_one_query_whatever_its_size(shop):
    _every_kind_of_sku(shop)
    api = make_api_client(shop)
    api.get("/api/v1/products?limit=1")  # the key's first use is recorded once

    def page_queries(limit: int) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get(f"/api/v1/products?limit={limit}").json()["results"]) == limit
        return [query["sql"] for query in queries.captured_queries if 'FROM "orders_product"' in query["sql"]]

    assert len(page_queries(1)) == len(page_queries(10)) == 1
