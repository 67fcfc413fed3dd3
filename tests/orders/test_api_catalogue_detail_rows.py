"""One catalogue product is answered by the list's row functions (orders.api.catalogue_rows), on GET and
after every write that answers the product: through the API it must be exactly what
CatalogueProductOutput renders for a storefront and CatalogueProductStaffOutput for the back office,
key order included, the same as the product's item in the list, in the caller's time zone, in as many
queries whatever the number of variants and pictures."""

import base64
import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from orders import selectors, services
from orders.api.catalogue import CatalogueProductOutput, CatalogueProductStaffOutput
from orders.models import ProductGroup, ProductImage
from sellercenter.models import ApiScope
from sellercenter.money import Currency
from tests.conftest import api_pages, make_api_client
from tests.orders import catalogue_rows_setup
from tests.orders.catalogue_rows_setup import every_shape_of_product
from tests.orders.factories import catalogue_product, picture_file, staff_actor
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import queries_of, staff_client

pytestmark = pytest.mark.django_db
shop, media = catalogue_rows_setup.shop, catalogue_rows_setup.media  # a shop in dollars; a media folder per test
PRODUCTS = "/api/v1/catalogue/products"
STOREFRONT, BACK_OFFICE = ([ApiScope.STOREFRONT], False), ([ApiScope.BACK_OFFICE], True)


def _serialized(shop, pk: int, *, back_office: bool, tz=None) -> dict:
    """What the product's serializer renders of it as the selector reads it, in `tz`."""
    group = selectors.catalogue_product_get(shop=shop, pk=pk, for_sale_only=not back_office)
    output = CatalogueProductStaffOutput if back_office else CatalogueProductOutput
    request = APIRequestFactory().get(f"{PRODUCTS}/{pk}")
    with timezone.override(tz or timezone.get_default_timezone()):
        return json.loads(JSONRenderer().render(output(group, context={"request": request}).data))


def _keys(product: dict) -> list:
    """Every key list of the answer, nested ones included, in order."""
    nested = [list(item) for part in ("variants", "images") for item in product[part]]
    return [list(product), list(product["category"] or {}), *nested]


def _assert_serialized(answer: dict, expected: dict) -> None:
    assert answer == expected
    assert _keys(answer) == _keys(expected)


def _shown(client, pk: int) -> dict:
    response = client.get(f"{PRODUCTS}/{pk}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(("scopes", "back_office"), [STOREFRONT, BACK_OFFICE])
def test_every_product_is_what_its_serializer_renders_through_a_key(shop, scopes, back_office):
    every_shape_of_product(shop)
    client = make_api_client(shop, scopes=scopes)
    shown = selectors.catalogue_product_list(shop=shop, for_sale_only=not back_office)

    for pk in shown.values_list("pk", flat=True):
        _assert_serialized(_shown(client, pk), _serialized(shop, pk, back_office=back_office))
    hidden = ProductGroup.objects.filter(shop=shop).exclude(pk__in=shown.values("pk"))
    assert hidden.count() == (0 if back_office else 2)
    assert all(client.get(f"{PRODUCTS}/{pk}").status_code == 404 for pk in hidden.values_list("pk", flat=True))


@pytest.mark.parametrize(("scopes", "back_office"), [STOREFRONT, BACK_OFFICE])
def test_a_product_is_its_item_in_the_list(shop, scopes, back_office):
    every_shape_of_product(shop)
    client = make_api_client(shop, scopes=scopes)

    listed = api_pages(client, f"{PRODUCTS}?limit=50")

    assert listed and all(_shown(client, product["id"]) == product for product in listed)


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_read_the_back_office_shape_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone, currency=Currency.USD)
    every_shape_of_product(shop)
    client = staff_client(shop)

    for pk in ProductGroup.objects.filter(shop=shop).values_list("pk", flat=True):
        answer = _shown(client, pk)
        _assert_serialized(answer, _serialized(shop, pk, back_office=True, tz=shop.tzinfo))
    suffix = {"UTC": "Z", "America/New_York": ("-04:00", "-05:00"), "Asia/Kolkata": "+05:30"}[time_zone]
    assert answer["created_at"].endswith(suffix) and answer["updated_at"].endswith(suffix)


def _picture_body() -> dict:
    return {"image": base64.b64encode(picture_file(colour="#15803d").read()).decode(), "alt_text": "Áo xanh"}


GREEN = {"Màu sắc": "Xanh", "Kích cỡ": "S"}
WRITES = {
    "update": lambda client, pk: client.patch(
        f"{PRODUCTS}/{pk}",
        {"name": "Áo dài gấm", "variants": [{"sku": "AO-9", "price": "99.90", "options": GREEN}]},
        format="json",
    ),
    "archive": lambda client, pk: client.post(f"{PRODUCTS}/{pk}/archive"),
    "variant": lambda client, pk: client.post(
        f"{PRODUCTS}/{pk}/variants",
        {"sku": "AO-9", "price": "12.5", "cost_price": "4", "options": GREEN},
        format="json",
    ),
    "image": lambda client, pk: client.post(f"{PRODUCTS}/{pk}/images", _picture_body(), format="json"),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("time_zone", ["America/New_York", "Asia/Kolkata"])
def test_a_write_answers_what_the_serializer_renders_of_the_product_after_it(write, time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone, currency=Currency.USD)
    every_shape_of_product(shop)
    group = ProductGroup.objects.get(shop=shop, name="Áo dài lụa")

    for client, tz in ((make_api_client(shop, [ApiScope.BACK_OFFICE]), None), (staff_client(shop), shop.tzinfo)):
        response = WRITES[write](client, group.pk)
        assert response.status_code in (200, 201), response.content
        _assert_serialized(response.json(), _serialized(shop, group.pk, back_office=True, tz=tz))
        if write == "archive":
            services.catalogue_product_restore(group=ProductGroup.objects.get(pk=group.pk), actor=staff_actor())


def test_a_created_product_answers_what_the_serializer_renders(shop):
    services.category_for_path(shop=shop, path="Phụ kiện")
    body = {
        "name": "Nón lá",
        "category": "phu-kien",
        "option_names": ["Loại"],
        "variants": [{"sku": "NON-1", "price": "15", "options": {"Loại": "Thường"}, "stock": 3}],
    }

    response = make_api_client(shop).post(PRODUCTS, body, format="json", HTTP_IDEMPOTENCY_KEY="tao-non-la")

    assert response.status_code == 201, response.content
    _assert_serialized(response.json(), _serialized(shop, response.json()["id"], back_office=True))


def test_another_shops_product_is_not_found_as_before(shop, other_shop):
    theirs = catalogue_product(other_shop)
    client = make_api_client(shop)

    response = client.get(f"{PRODUCTS}/{theirs.pk}")

    # The same refusal as the writes', which still look the product up through the selector.
    refused_write = client.post(f"{PRODUCTS}/{theirs.pk}/archive")
    assert response.status_code == refused_write.status_code == 404
    assert response.json() == refused_write.json()
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("scopes", "_back_office"), [STOREFRONT, BACK_OFFICE])
def test_a_product_runs_as_many_queries_however_many_variants_and_pictures(shop, scopes, _back_office):
    group = catalogue_product(shop, options=(), variants=[services.VariantData(sku="KHAN-0", price=1)])
    client = make_api_client(shop, scopes=scopes)
    url = f"{PRODUCTS}/{group.pk}"
    client.get(url)  # the key's first use is recorded once
    one = queries_of(client, url)
    actor = staff_actor()
    for index in range(1, 10):
        services.catalogue_variant_save(
            group=group, data=services.VariantData(sku=f"KHAN-{index}", price=2), actor=actor
        )
    for position in range(4):
        services.product_image_add(group=group, upload=picture_file(), actor=actor, position=position)

    assert queries_of(client, url) == one
    answer = client.get(url).json()
    assert (len(answer["variants"]), len(answer["images"])) == (10, 4)


@pytest.mark.parametrize(("scopes", "back_office"), [STOREFRONT, BACK_OFFICE])
def test_a_picture_row_without_a_file_name_is_answered_as_in_the_list(shop, scopes, back_office):
    # Not something the service makes (an upload always stores both files), but a row can be left so
    # by hand: the serializer cannot render it (the old answer was a 500); the rows give the media
    # folder's URL, as the list does.
    group = catalogue_product(shop)
    ProductImage.objects.create(shop=shop, group=group, image="", thumbnail="", alt_text="Chưa có ảnh")
    client = make_api_client(shop, scopes=scopes)

    answer = _shown(client, group.pk)

    assert answer["images"][0]["url"] == answer["images"][0]["thumbnail_url"] == "http://testserver/media/"
    assert api_pages(client, f"{PRODUCTS}?limit=50") == [answer]
    with pytest.raises(ValueError, match="no file associated"):
        _serialized(shop, group.pk, back_office=back_office)
