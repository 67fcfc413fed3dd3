"""The catalogue's admin import and export: one row per variant, a preview, all or nothing, only the
chosen shop, and an export that imports back unchanged."""

import io

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Category, Product, ProductGroup, StockMovement, StockMovementKind
from orders.pipeline import Actor
from orders.resources import CatalogueResource
from tests.orders.factories import ProductFactory, catalogue_product

pytestmark = pytest.mark.django_db
CSV, XLSX = "0", "1"
HEADER = (
    "product_id,product,category,description,option_1_name,option_1_value,option_2_name,option_2_value,"
    "option_3_name,option_3_value,sku,price,cost_price,barcode,stock_on_hand,low_stock_threshold,weight_grams,"
    "length_cm,width_cm,height_cm,is_active"
)
GOOD = [
    ",Áo dài lụa,Thời trang nữ / Áo dài,Lụa Bảo Lộc,Màu sắc,Đỏ,Kích cỡ,M,,,"
    "AO-DO-M,1250000,600000,8930001,12,3,450,,,,1",
    ",Áo dài lụa,Thời trang nữ / Áo dài,Lụa Bảo Lộc,Màu sắc,Đỏ,Kích cỡ,L,,,AO-DO-L,1250000,600000,,8,,,,,,1",
    ",Nón lá Huế,Phụ kiện,,,,,,,,NON-LA,95000,,,30,,,,,,1",
]
IMPORT, PROCESS = "/admin/orders/productgroup/import/", "/admin/orders/productgroup/process_import/"


def _file(rows, name="catalogue.csv"):
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _preview(client, shop, upload, file_format=CSV):
    return client.post(IMPORT, {"resource": "0", "format": file_format, "shop": shop.pk, "import_file": upload})


def _import(client, shop, rows):
    preview = _preview(client, shop, _file(rows))
    assert preview.status_code == 200
    form = preview.context.get("confirm_form")
    if form is None:
        return preview
    return client.post(PROCESS, form.initial)


def test_a_preview_changes_nothing_and_confirming_applies_the_variant_matrix(owner_client, shop):
    preview = _preview(owner_client, shop, _file(GOOD))

    assert preview.context["confirm_form"] is not None
    assert not ProductGroup.objects.exists()

    owner_client.post(PROCESS, preview.context["confirm_form"].initial)

    dress = ProductGroup.objects.get(name="Áo dài lụa")
    assert dress.option_names == ["Màu sắc", "Kích cỡ"]
    assert dress.category.parent.name == "Thời trang nữ"
    assert {v.sku: v.options["Kích cỡ"] for v in dress.variants.all()} == {"AO-DO-M": "M", "AO-DO-L": "L"}
    red_m = Product.objects.get(sku="AO-DO-M")
    assert (red_m.stock_on_hand, red_m.barcode) == (12, "8930001")
    assert (red_m.low_stock_threshold, red_m.weight_grams) == (3, 450)
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {StockMovementKind.STOCKTAKE}
    assert ProductGroup.objects.count() == 2


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        (",Áo dài lụa,,,Màu sắc,Xanh,Kích cỡ,M,,,AO-XANH,abc,,,,,,,,,1", "price"),
        (",Áo dài lụa,,,Màu sắc,Đỏ,Kích cỡ,M,,,AO-DO-M2,1250000,,,,,,,,,1", "option_1_value"),
        (",Áo dài lụa,,,Màu sắc,Xanh,Kích cỡ,M,,,AO-XANH,1250000,,,-3,,,,,,1", "stock_on_hand"),
        (",Khăn,,,,,,,,,KHAN,99000,,8930001,,,,,,,1", "barcode"),
    ],
)
def test_one_bad_row_applies_nothing_and_the_preview_names_it(owner_client, shop, bad_row, column):
    preview = _preview(owner_client, shop, _file([*GOOD, bad_row]))

    assert preview.context.get("confirm_form") is None
    result = preview.context["result"]
    invalid = result.invalid_rows
    assert [row.number for row in invalid] == [4]
    assert column in invalid[0].field_specific_errors or column in str(invalid[0].non_field_specific_errors)
    assert not ProductGroup.objects.exists()
    assert not Product.objects.exists()


def test_applying_a_file_with_a_bad_row_applies_none_of_its_rows(shop):
    # What the admin's confirm step runs: the whole file in one transaction, rolled back on any refusal.
    dataset = tablib.Dataset().load("\r\n".join([HEADER, *GOOD, ",Khăn,,,,,,,,,KHAN,-1,,,,,,,,,1"]), format="csv")

    result = CatalogueResource(shop=shop, actor=Actor.system("tests")).import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )

    assert [row.number for row in result.invalid_rows] == [4]
    assert not ProductGroup.objects.exists()
    assert not Product.objects.exists()


def test_an_import_never_touches_another_shops_skus(owner_client, shop, other_shop):
    theirs = ProductFactory(shop=other_shop, sku="NON-LA", price="50000", stock_on_hand=4)
    their_group = catalogue_product(other_shop, "Của Sen Việt", options=(), variants=None, sku_prefix="SV")

    _import(owner_client, shop, GOOD)
    stolen = _preview(owner_client, shop, _file([f"{their_group.pk},Của tôi,,,,,,,,,SV-9,1000,,,,,,,,,1"]))

    theirs.refresh_from_db()
    assert (theirs.price, theirs.stock_on_hand) == (50000, 4)
    assert Product.objects.get(shop=shop, sku="NON-LA").price == 95000
    assert "product_id" in stolen.context["result"].invalid_rows[0].field_specific_errors
    assert ProductGroup.objects.get(pk=their_group.pk).name == "Của Sen Việt"


def _export(client, file_format):
    response = client.post(reverse("admin:orders_productgroup_export"), {"format": file_format, "resource": "0"})
    assert response.status_code == 200, response.content[:300]
    return response.content


def test_an_export_imports_back_without_a_change(owner_client, shop):
    _import(owner_client, shop, GOOD)
    movements = StockMovement.objects.count()

    exported = _export(owner_client, CSV).decode("utf-8-sig")
    rows = exported.strip().splitlines()
    preview = _preview(owner_client, shop, SimpleUploadedFile("lai.csv", exported.encode(), content_type="text/csv"))
    owner_client.post(PROCESS, preview.context["confirm_form"].initial)

    assert rows[0].replace('"', "") == HEADER
    assert len(rows) == 4
    assert ProductGroup.objects.count() == 2 and Product.objects.count() == 3
    assert Category.objects.count() == 3
    assert StockMovement.objects.count() == movements  # same counts: no stocktake movement
    assert Product.objects.get(sku="AO-DO-M").options == {"Màu sắc": "Đỏ", "Kích cỡ": "M"}


def test_an_xlsx_export_has_one_row_per_variant_with_numbers(owner_client, shop, other_shop):
    _import(owner_client, shop, GOOD)
    catalogue_product(other_shop, "Của Sen Việt")

    sheet = openpyxl.load_workbook(io.BytesIO(_export(owner_client, XLSX))).active
    rows = list(sheet.iter_rows(values_only=True))

    assert len(rows) == 4
    header = rows[0]
    by_sku = {row[header.index("sku")]: row for row in rows[1:]}
    assert set(by_sku) == {"AO-DO-M", "AO-DO-L", "NON-LA"}
    assert by_sku["AO-DO-L"][header.index("option_2_value")] == "L"
    assert by_sku["NON-LA"][header.index("category")] == "Phụ kiện"
