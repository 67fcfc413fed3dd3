"""The catalogue list builds its page from query rows (orders.api.catalogue_rows): through the public API
it must answer exactly what CatalogueProductOutput(many=True) renders for a storefront and
CatalogueProductStaffOutput(many=True) for the back office, field for field and in the same key order,
for every shape of product, page after page and filtered, in a fixed number of queries."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient, APIRequestFactory

from orders import selectors
from orders.api.catalogue import CatalogueProductOutput, CatalogueProductStaffOutput
from orders.models import CatalogueStatus, ProductGroup, ProductImage
from sellercenter.api.rows import moment_text
from sellercenter.models import ApiScope
from sellercenter.money import Currency
from tests.conftest import api_pages, make_api_client
from tests.orders import catalogue_rows_setup
from tests.orders.catalogue_rows_setup import every_shape_of_product
from tests.sellercenter.factories import ShopFactory, staff_user

pytestmark = pytest.mark.django_db
shop, media = catalogue_rows_setup.shop, catalogue_rows_setup.media  # a shop in dollars; a media folder per test
PRODUCTS = "/api/v1/catalogue/products"


def _serialized(shop, *, back_office: bool, **filters) -> list:
    """What the list's serializer renders for the same (filtered) products, newest first."""
    groups = selectors.catalogue_product_filter(
        selectors.catalogue_product_list(shop=shop, for_sale_only=not back_office),
        shop=shop,
        for_sale_only=not back_office,
        **filters,
    )
    output = CatalogueProductStaffOutput if back_office else CatalogueProductOutput
    request = APIRequestFactory().get(PRODUCTS)
    data = output(groups.order_by("-pk"), many=True, context={"request": request}).data
    return json.loads(JSONRenderer().render(data))


def _all_pages(client, query: str = "", limit: int = 50) -> list:
    return api_pages(client, f"{PRODUCTS}?limit={limit}&{query}")


def _assert_same(listed: list, expected: list) -> None:
    assert listed == expected
    assert [list(product) for product in listed] == [list(product) for product in expected]
    for part in ("variants", "images"):
        listed_keys = [list(item) for product in listed for item in product[part]]
        assert listed_keys == [list(item) for product in expected for item in product[part]]
    listed_categories = [list(product["category"] or {}) for product in listed]
    assert listed_categories == [list(product["category"] or {}) for product in expected]


def test_the_shapes_of_product_are_all_there(shop):
    every_shape_of_product(shop)
    groups = ProductGroup.objects.filter(shop=shop)

    assert groups.count() == 8
    assert groups.filter(category__parent__isnull=False).exists() and groups.filter(category=None).exists()
    assert groups.filter(status=CatalogueStatus.ARCHIVED).exists()
    assert groups.exclude(variants__is_active=True).exists()
    assert groups.filter(name="Áo dài lụa", variants__is_active=False).exists()
    assert groups.filter(variants__stock_reserved__gt=0).exists()
    assert groups.filter(variants__cost_price=None).exists()
    assert ProductImage.objects.filter(group__name="Áo dài lụa").count() == 3
    assert groups.filter(images=None).exists()


@pytest.mark.parametrize(("scopes", "back_office"), [([ApiScope.STOREFRONT], False), (None, True)])
def test_the_list_answers_what_the_serializer_renders_through_a_key(shop, scopes, back_office):
    every_shape_of_product(shop)

    listed = _all_pages(make_api_client(shop, scopes=scopes))

    expected = _serialized(shop, back_office=back_office)
    _assert_same(listed, expected)
    hidden = {"Túi cói", "Quạt giấy"}
    assert hidden & {product["name"] for product in listed} == (hidden if back_office else set())
    skus = {variant["sku"]: variant for product in listed for variant in product["variants"]}
    assert ("AO-3" in skus) is back_office
    assert (skus["KHAN"]["price"], skus["NON-THO"]["price"], skus["AO-0"]["available"]) == ("19.50", "17.50", 7)
    assert [image["position"] for image in next(p for p in listed if p["name"] == "Áo dài lụa")["images"]] == [0, 1, 2]
    assert skus["KHAN"].get("cost_price", "not shown") == (None if back_office else "not shown")


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_get_the_back_office_shape_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone, currency=Currency.USD)
    every_shape_of_product(shop)
    client = APIClient()
    client.force_login(staff_user(shop, username="chu.cua.hang"))

    listed = _all_pages(client)

    with timezone.override(shop.tzinfo):
        expected = _serialized(shop, back_office=True)
    _assert_same(listed, expected)
    suffix = "Z" if time_zone == "UTC" else moment_text(timezone.now(), shop.tzinfo)[-6:]
    assert all(product["created_at"].endswith(suffix) for product in listed)


@pytest.mark.parametrize(("scopes", "back_office"), [([ApiScope.STOREFRONT], False), (None, True)])
def test_the_next_pages_follow_the_rows_cursor(shop, scopes, back_office):
    every_shape_of_product(shop)
    client = make_api_client(shop, scopes=scopes)

    first = client.get(f"{PRODUCTS}?limit=2").json()
    listed = _all_pages(client, limit=2)

    expected = _serialized(shop, back_office=back_office)
    assert first["results"] == expected[:2] and first["next"]
    assert listed == expected
    previous = client.get(client.get(first["next"]).json()["previous"]).json()
    assert previous["results"] == expected[:2]


FILTERS = [
    ("category=thoi-trang-nu", {"category": "thoi-trang-nu"}, {"Áo dài lụa"}),
    ("category=phu-kien", {"category": "phu-kien"}, {"Khăn lụa Vạn Phúc"}),
    ("in_stock=false", {"in_stock": False}, {"Khăn lụa Vạn Phúc"}),
    ("in_stock=true&price_min=10&price_max=16", {"in_stock": True, "price_min": 10, "price_max": 16}, {"Nón lá Huế"}),
    ("price_min=19.50&price_max=19.50", {"price_min": Decimal("19.50"), "price_max": Decimal("19.50")},
     {"Khăn lụa Vạn Phúc"}),
    ("q=ao dai", {"q": "ao dai"}, {"Áo dài lụa", "Áo dài trơn 0", "Áo dài trơn 1", "Áo dài trơn 2"}),
]  # fmt: skip


@pytest.mark.parametrize(("query", "filters", "names"), FILTERS, ids=[query for query, *_ in FILTERS])
@pytest.mark.parametrize(("scopes", "back_office"), [([ApiScope.STOREFRONT], False), (None, True)])
def test_a_filtered_list_answers_what_the_serializer_renders(shop, query, filters, names, scopes, back_office):
    every_shape_of_product(shop)
    if "category" in filters:
        filters = {**filters, "category": selectors.category_get(shop=shop, slug=filters["category"])}

    listed = _all_pages(make_api_client(shop, scopes=scopes), query, limit=2)

    _assert_same(listed, _serialized(shop, back_office=back_office, **filters))
    assert names <= {product["name"] for product in listed}


def test_the_back_office_filters_by_status(shop):
    every_shape_of_product(shop)

    listed = _all_pages(make_api_client(shop), "status=archived")

    expected = _serialized(shop, back_office=True)
    _assert_same(listed, [product for product in expected if product["status"] == CatalogueStatus.ARCHIVED])
    assert [product["name"] for product in listed] == ["Túi cói"]


@pytest.mark.parametrize("scopes", [[ApiScope.STOREFRONT], None])
def test_a_page_is_three_queries_whatever_its_size(shop, scopes):
    every_shape_of_product(shop)
    client = make_api_client(shop, scopes=scopes)
    client.get(f"{PRODUCTS}?limit=1")  # the key's first use is recorded once

    def page_queries(limit: int) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"{PRODUCTS}?limit={limit}").json()["results"]) == limit
        tables = ('"orders_productgroup"', '"orders_product"', '"orders_productimage"')
        sql = [query["sql"] for query in queries.captured_queries]
        return len(sql), [statement for statement in sql if any(f"FROM {table}" in statement for table in tables)]

    one, five = page_queries(1), page_queries(5)
    assert one[0] == five[0]
    assert len(one[1]) == len(five[1]) == 3
