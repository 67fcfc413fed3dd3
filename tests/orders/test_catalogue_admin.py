"""The catalogue admin: a product with its variants and images as tabs of one page, saved through
the services; archiving as an action; accent-insensitive search."""

import pytest
from django.urls import reverse

from orders.models import CatalogueStatus, Product, ProductGroup, ProductImage
from tests.orders.factories import catalogue_product, picture_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _formsets(variants=(), images=()):
    data = {}
    for prefix, rows in (("variants", variants), ("images", images)):
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"})
        data.update({f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def _variant(sku, colour, **fields):
    row = {"sku": sku, "option_1": colour, "price": "1250000", "low_stock_threshold": "5", "weight_grams": "500"}
    row.update({"length_cm": "20", "width_cm": "15", "height_cm": "5", "is_active": "on", **fields})
    return row


def test_a_product_is_added_with_variants_and_a_picture(owner_client, shop):
    data = {"shop": shop.pk, "name": "Áo dài lụa", "option_names_text": "Màu sắc", "description": ""}
    data.update(
        _formsets(
            variants=[_variant("AO-DO", "Đỏ"), _variant("AO-TRANG", "Trắng", cost_price="500000")],
            images=[{"image": picture_file(), "alt_text": "Áo đỏ", "position": "0"}],
        )
    )

    response = owner_client.post(reverse("admin:orders_productgroup_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    group = ProductGroup.objects.get()
    assert group.option_names == ["Màu sắc"]
    assert {v.sku: v.options for v in group.variants.all()} == {
        "AO-DO": {"Màu sắc": "Đỏ"},
        "AO-TRANG": {"Màu sắc": "Trắng"},
    }
    assert ProductImage.objects.get().thumbnail.name.endswith("-thumb.webp")
    page = owner_client.get(reverse("admin:orders_productgroup_change", args=[group.pk]))
    assert page.status_code == 200
    assert ProductImage.objects.get().thumbnail.url in page.content.decode()


def test_a_variant_missing_an_option_value_is_shown_on_the_form_and_nothing_saved(owner_client, shop):
    data = {"shop": shop.pk, "name": "Áo dài lụa", "option_names_text": "Màu sắc, Kích cỡ", "description": ""}
    data.update(_formsets(variants=[_variant("AO-DO", "Đỏ")]))

    response = owner_client.post(reverse("admin:orders_productgroup_add"), data)

    assert response.status_code == 200
    assert "Kích cỡ" in response.content.decode()
    assert not ProductGroup.objects.exists()


def test_a_taken_barcode_rolls_the_whole_page_back(owner_client, shop):
    catalogue_product(shop, "Khăn", options=(), variants=None, sku_prefix="KHAN")
    Product.objects.filter(sku="KHAN-0").update(barcode="8930001")
    data = {"shop": shop.pk, "name": "Áo dài lụa", "option_names_text": "Màu sắc", "description": ""}
    data.update(_formsets(variants=[_variant("AO-DO", "Đỏ", barcode="8930001")]))

    response = owner_client.post(reverse("admin:orders_productgroup_add"), data, follow=True)

    assert "8930001" not in Product.objects.exclude(sku="KHAN-0").values_list("barcode", flat=True)
    assert not ProductGroup.objects.filter(name="Áo dài lụa").exists()
    assert "barcode" in response.content.decode()


def test_archiving_from_the_list(owner_client, shop):
    group = catalogue_product(shop)

    owner_client.post(
        reverse("admin:orders_productgroup_changelist"), {"action": "archive", "_selected_action": [group.pk]}
    )

    group.refresh_from_db()
    assert group.status == CatalogueStatus.ARCHIVED
    assert not group.variants.filter(is_active=True).exists()


def test_the_list_finds_names_without_accents(owner_client, shop):
    catalogue_product(shop, "Áo dài lụa", sku_prefix="AO")
    catalogue_product(shop, "Nón lá Huế", options=(), variants=None, sku_prefix="NON")

    page = owner_client.get(reverse("admin:orders_productgroup_changelist"), {"q": "ao dai"})

    assert [group.name for group in page.context["cl"].result_list] == ["Áo dài lụa"]


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("ao thun", {"AT-0", "AT-1", "AT-2", "AT-3"}),
        ("DAM MAXI", {"DAM-0"}),
        ("đầm", {"DAM-0"}),
        ("at-2", {"AT-2"}),
        ("8931234567890", {"DAM-0"}),
    ],
)
def test_the_variant_list_finds_names_without_accents_and_skus_and_barcodes_exactly(owner_client, shop, query, skus):
    catalogue_product(shop, "Áo thun", sku_prefix="AT")
    dress = catalogue_product(shop, "Đầm maxi", options=(), sku_prefix="DAM")
    dress.variants.update(barcode="8931234567890")

    page = owner_client.get(reverse("admin:orders_product_changelist"), {"q": query})

    assert page.status_code == 200
    assert {product.sku for product in page.context["cl"].result_list} == skus
