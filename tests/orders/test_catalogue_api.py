"""The catalogue API: back-office writes (products with variants, archive, stock for a reason), the
storefront's reads with their filters, and the SKU list's filters."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services
from orders.models import Product, ProductGroup, StockMovement, StockMovementKind
from sellercenter.models import ApiKey, ApiScope
from tests.conftest import make_api_client
from tests.orders.factories import ProductFactory, catalogue_product, place

pytestmark = pytest.mark.django_db
PRODUCTS = "/api/v1/catalogue/products"


@pytest.fixture
def storefront(shop):
    return make_api_client(shop, scopes=[ApiScope.STOREFRONT])


def _body(**changes):
    body = {
        "name": "Áo dài lụa tơ tằm",
        "description": "Lụa tơ tằm Bảo Lộc, may đo tại Huế.",
        "option_names": ["Màu sắc", "Kích cỡ"],
        "variants": [
            {
                "sku": "AO-DAI-DO-M",
                "price": "1250000",
                "cost_price": "600000",
                "options": {"Màu sắc": "Đỏ", "Kích cỡ": "M"},
                "stock": 5,
            },
            {
                "sku": "AO-DAI-DO-L",
                "price": "1250000",
                "options": {"Màu sắc": "Đỏ", "Kích cỡ": "L"},
                "barcode": "8930001",
            },
        ],
    }
    body.update(changes)
    return body


def test_the_back_office_creates_a_product_with_its_variants(api, shop):
    services.category_for_path(shop=shop, path="Thời trang nữ / Áo dài")

    response = api.post(PRODUCTS, _body(category="ao-dai"), format="json", HTTP_IDEMPOTENCY_KEY="tao-ao-dai")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["category"]["slug"] == "ao-dai"
    assert [v["sku"] for v in data["variants"]] == ["AO-DAI-DO-M", "AO-DAI-DO-L"]
    first = data["variants"][0]
    assert (first["name"], first["available"], first["cost_price"]) == ("Áo dài lụa tơ tằm (Đỏ, M)", 5, "600000.00")
    assert StockMovement.objects.get().kind == StockMovementKind.RECEIVED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"variants": []}, "variants"),
        ({"category": "khong-co"}, "category"),
        ({"option_names": ["Màu sắc"]}, "variants.0.options"),
        ({"variants": [{"sku": "A", "price": "-5"}]}, "variants.0.price"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(api, changes, field):
    response = api.post(PRODUCTS, _body(**changes), format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    assert not ProductGroup.objects.exists()


def test_a_storefront_key_reads_but_cannot_write(storefront):
    assert storefront.post(PRODUCTS, _body(), format="json").status_code == 403
    assert storefront.get(PRODUCTS).status_code == 200


def test_the_back_office_updates_a_product_and_its_variants(api, shop):
    group = catalogue_product(shop)
    variant = {"sku": "AO-LUA-0", "price": "500000", "weight_grams": 300}
    added = {"sku": "AO-LUA-XANH-M", "price": "480000", "options": {"Màu sắc": "Xanh", "Kích cỡ": "M"}}

    response = api.patch(f"{PRODUCTS}/{group.pk}", {"name": "Áo dài gấm", "variants": [variant, added]}, format="json")

    assert response.status_code == 200, response.json()
    changed = Product.objects.get(sku="AO-LUA-0")
    assert (changed.name, changed.price, changed.weight_grams) == ("Áo dài gấm (Đỏ, M)", Decimal("500000"), 300)
    assert changed.cost_price == Decimal("225000")  # left out: kept
    assert group.variants.count() == 5


def test_archived_products_leave_the_storefront_but_not_the_back_office(api, storefront, shop):
    group = catalogue_product(shop)

    assert api.post(f"{PRODUCTS}/{group.pk}/archive").json()["status"] == "archived"

    assert storefront.get(f"{PRODUCTS}/{group.pk}").status_code == 404
    assert storefront.get(PRODUCTS).json()["results"] == []
    assert [p["id"] for p in api.get(PRODUCTS).json()["results"]] == [group.pk]
    assert api.post(f"{PRODUCTS}/{group.pk}/restore").json()["status"] == "active"


def test_storefronts_never_see_cost_prices_or_stock_counters(storefront, shop):
    group = catalogue_product(shop)

    variant = storefront.get(f"{PRODUCTS}/{group.pk}").json()["variants"][0]

    assert "cost_price" not in variant and "stock_on_hand" not in variant
    assert variant["available"] == 10


def test_another_shops_product_is_not_found(api, other_shop):
    theirs = catalogue_product(other_shop)

    assert api.get(f"{PRODUCTS}/{theirs.pk}").status_code == 404
    assert api.patch(f"{PRODUCTS}/{theirs.pk}", {"name": "Của tôi"}, format="json").status_code == 404
    assert api.post(f"{PRODUCTS}/{theirs.pk}/archive").status_code == 404
    assert (
        api.post("/api/v1/products/AO-LUA-0/stock", {"kind": "received", "quantity": 1}, format="json").status_code
        == 404
    )
    assert ProductGroup.objects.get().name == "Áo dài lụa"


@pytest.mark.parametrize(("kind", "quantity", "on_hand"), [("stocktake", 3, 3), ("received", 4, 14), ("damaged", 1, 9)])
def test_stock_is_set_for_a_reason(api, shop, kind, quantity, on_hand):
    ProductFactory(shop=shop, sku="AO-1", stock_on_hand=10)

    response = api.post(
        "/api/v1/products/AO-1/stock", {"kind": kind, "quantity": quantity, "note": "Kho Hà Nội"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["stock_on_hand"] == on_hand
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.reason) == (kind, "Kho Hà Nội")


def test_a_stock_movement_names_the_api_key_that_made_it(api, shop):
    ProductFactory(shop=shop, sku="AO-1", stock_on_hand=10)

    response = api.post("/api/v1/products/AO-1/stock", {"kind": "received", "quantity": 2}, format="json")

    assert response.status_code == 200, response.json()
    movement = StockMovement.objects.get()
    assert (movement.actor_kind, movement.user, movement.api_key) == ("staff", None, ApiKey.objects.get(shop=shop))


def test_stock_set_refuses_bad_input_and_going_below_reserved(api, shop):
    ProductFactory(shop=shop, sku="AO-1", stock_on_hand=5)
    place(shop, lines=[("AO-1", 4)])

    below = api.post("/api/v1/products/AO-1/stock", {"kind": "stocktake", "quantity": 3}, format="json")
    bad_kind = api.post("/api/v1/products/AO-1/stock", {"kind": "reserved", "quantity": 3}, format="json")
    zero = api.post("/api/v1/products/AO-1/stock", {"kind": "damaged", "quantity": 0}, format="json")

    assert below.status_code == 409
    assert "kind" in bad_kind.json()["error"]["fields"]
    assert "quantity" in zero.json()["error"]["fields"]
    assert Product.objects.get().stock_on_hand == 5


def _ids(client, **params):
    response = client.get(PRODUCTS, params)
    assert response.status_code == 200, response.json()
    return {item["name"] for item in response.json()["results"]}


@pytest.fixture
def shelf(shop):
    dresses = services.category_for_path(shop=shop, path="Thời trang nữ / Áo dài")
    scarves = services.category_for_path(shop=shop, path="Phụ kiện")
    catalogue_product(shop, "Áo dài lụa", category=dresses, price="1250000", sku_prefix="AO")
    catalogue_product(
        shop,
        "Khăn lụa Vạn Phúc",
        category=scarves,
        options=(),
        variants=[services.VariantData(sku="KHAN", price="180000", initial_stock=0)],
    )
    catalogue_product(
        shop,
        "Nón lá Huế",
        category=scarves,
        options=(),
        variants=[services.VariantData(sku="NON-RE", price="95000", initial_stock=3)],
    )
    return dresses.parent


def test_storefront_filters_by_category_with_its_children(storefront, shelf):
    assert _ids(storefront, category="thoi-trang-nu") == {"Áo dài lụa"}
    assert _ids(storefront, category="phu-kien") == {"Khăn lụa Vạn Phúc", "Nón lá Huế"}
    assert storefront.get(PRODUCTS, {"category": "khong-co"}).status_code == 400


def test_storefront_filters_by_stock_and_price(storefront, shelf):
    assert _ids(storefront, in_stock="true") == {"Áo dài lụa", "Nón lá Huế"}
    assert _ids(storefront, in_stock="false") == {"Khăn lụa Vạn Phúc"}
    assert _ids(storefront, price_min="100000", price_max="200000") == {"Khăn lụa Vạn Phúc"}
    assert _ids(storefront, price_min="1000000") == {"Áo dài lụa"}


def test_a_price_range_is_met_by_one_variant_not_two(storefront, shop):
    catalogue_product(
        shop,
        "Nón lá",
        options=("Loại",),
        variants=[
            services.VariantData(sku="NON-RE", price="95000", options={"Loại": "Thường"}),
            services.VariantData(sku="NON-DAT", price="900000", options={"Loại": "Bài thơ"}),
        ],
    )

    assert _ids(storefront, price_min="200000", price_max="500000") == set()
    assert _ids(storefront, price_min="800000", price_max="950000") == {"Nón lá"}


@pytest.mark.parametrize("query", ["ao dai", "ÁO DÀI", "Áo dài", "dai lua"])
def test_search_without_accents_finds_the_name_with_them(storefront, shelf, query):
    assert _ids(storefront, q=query) == {"Áo dài lụa"}


def test_the_list_runs_a_fixed_number_of_queries(storefront, shop, django_assert_num_queries):
    params = {"q": "ao dai", "in_stock": "true"}
    catalogue_product(shop, "Áo dài 1", sku_prefix="A1")
    storefront.get(PRODUCTS, params)  # the key's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert storefront.get(PRODUCTS, params).status_code == 200
    for index in range(2, 6):
        catalogue_product(shop, f"Áo dài {index}", sku_prefix=f"A{index}")

    with django_assert_num_queries(len(one.captured_queries)):
        response = storefront.get(PRODUCTS, params)

    assert len(response.json()["results"]) == 5


def test_the_sku_list_keeps_its_shape_and_gains_the_filters(storefront, shelf):
    everything = storefront.get("/api/v1/products").json()["results"]
    found = storefront.get("/api/v1/products", {"q": "ao dai", "in_stock": "true", "price_max": "2000000"})

    assert {"sku", "name", "price", "available", "is_active"} <= set(everything[0])
    assert {item["sku"] for item in found.json()["results"]} == {"AO-0", "AO-1", "AO-2", "AO-3"}
    assert {i["sku"] for i in storefront.get("/api/v1/products", {"category": "phu-kien"}).json()["results"]} == {
        "KHAN",
        "NON-RE",
    }


@pytest.mark.parametrize("query", ["dam maxi", "Đầm", "ĐẦM MAXI"])
def test_the_sku_list_folds_accents_and_the_letter_d(storefront, shop, query):
    catalogue_product(shop, "Đầm maxi", sku_prefix="DAM")
    catalogue_product(shop, "Áo dài lụa", sku_prefix="AO")

    found = storefront.get("/api/v1/products", {"q": query})

    assert {item["sku"] for item in found.json()["results"]} == {"DAM-0", "DAM-1", "DAM-2", "DAM-3"}
