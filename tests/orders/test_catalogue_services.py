"""orders.services.catalogue and the catalogue's stock changes: variants, options, barcodes, archive,
categories, and stock set for a reason."""

from decimal import Decimal

import pytest

from orders import services
from orders.models import CatalogueStatus, Category, Product, ProductGroup, StockMovement, StockMovementKind
from orders.pipeline import Actor
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.text import fold_accents, search_key
from tests.orders.factories import ProductFactory, catalogue_product, place

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tests")


def _variant(sku, **fields):
    return services.VariantData(sku=sku, price=fields.pop("price", "450000"), **fields)


def test_search_key_folds_vietnamese_accents_and_case():
    assert search_key("  Áo DÀI   lụa Đà Nẵng ") == "ao dai lua da nang"
    assert fold_accents("Đỗ Thị Hường") == "Do Thi Huong"


def test_a_product_is_created_with_its_variants_named_and_received_into_stock(shop):
    group = catalogue_product(shop, stock=7)

    variants = list(group.variants.order_by("sku"))
    assert group.search_key == "ao dai lua"
    assert [v.name for v in variants][:2] == ["Áo dài lụa (Đỏ, M)", "Áo dài lụa (Đỏ, L)"]
    assert variants[0].options == {"Màu sắc": "Đỏ", "Kích cỡ": "M"}
    assert variants[0].cost_price == Decimal("225000")
    assert {v.stock_on_hand for v in variants} == {7}
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {StockMovementKind.RECEIVED}


@pytest.mark.parametrize(
    ("variant", "field"),
    [
        (_variant("X-1", options={"Màu sắc": "Đỏ"}), "variants.1.options"),
        (_variant("X-1", options={"Màu sắc": "Xanh", "Kích cỡ": "M"}, price="-1"), "variants.1.price"),
        (_variant("X-0", options={"Màu sắc": "Xanh", "Kích cỡ": "M"}), "variants.1.sku"),
        (_variant("X-1", options={"Màu sắc": "Đỏ", "Kích cỡ": "M"}), "variants.1.options"),
        (_variant("", options={"Màu sắc": "Xanh", "Kích cỡ": "M"}), "variants.1.sku"),
        (_variant("X-1", options={"Màu sắc": "Xanh", "Kích cỡ": "M"}, barcode="893000"), "variants.1.barcode"),
    ],
)
def test_a_refused_variant_is_named_and_nothing_is_created(shop, variant, field):
    first = _variant("X-0", options={"Màu sắc": "Đỏ", "Kích cỡ": "M"}, barcode="893000")

    with pytest.raises(InvalidInput) as refused:
        services.catalogue_product_create(
            shop=shop, actor=ACTOR, name="Áo", option_names=["Màu sắc", "Kích cỡ"], variants=[first, variant]
        )

    assert field in refused.value.fields
    assert not ProductGroup.objects.exists()
    assert not Product.objects.exists()


def test_a_sku_or_barcode_of_another_shop_does_not_collide(shop, other_shop):
    theirs = catalogue_product(other_shop, options=(), variants=[_variant("AO-1", barcode="893001")])

    mine = catalogue_product(shop, options=(), variants=[_variant("AO-1", barcode="893001")])

    assert mine.variants.get().sku == theirs.variants.get().sku == "AO-1"


def test_a_sku_of_another_product_is_refused(shop):
    catalogue_product(shop, options=(), variants=[_variant("AO-1")])
    other = catalogue_product(shop, "Khăn", options=(), variants=[_variant("KHAN-1")])

    with pytest.raises(InvalidInput) as refused:
        services.catalogue_variant_save(group=other, data=_variant("AO-1"), actor=ACTOR)

    assert "sku" in refused.value.fields


def test_options_cannot_change_under_the_variants(shop):
    group = catalogue_product(shop)

    with pytest.raises(InvalidInput) as refused:
        services.catalogue_product_update(group=group, actor=ACTOR, option_names=["Màu sắc"])

    assert "option_names" in refused.value.fields


def test_renaming_a_product_renames_its_variants(shop):
    group = catalogue_product(shop)

    services.catalogue_product_update(group=group, actor=ACTOR, name="Áo dài gấm")

    assert group.variants.get(sku="AO-LUA-0").name == "Áo dài gấm (Đỏ, M)"
    assert ProductGroup.objects.get().search_key == "ao dai gam"


def test_archiving_takes_every_variant_off_sale_and_restoring_puts_them_back(shop):
    group = catalogue_product(shop)

    services.catalogue_product_archive(group=group, actor=ACTOR)
    assert group.status == CatalogueStatus.ARCHIVED
    assert not group.variants.filter(is_active=True).exists()

    services.catalogue_product_restore(group=group, actor=ACTOR)
    assert group.status == CatalogueStatus.ACTIVE
    assert group.variants.filter(is_active=True).count() == 4


def test_a_sku_that_comes_alone_gets_a_catalogue_product(shop):
    product = services.product_upsert(shop=shop, sku="NON-LA", name="Nón lá Huế", price="95000")

    assert product.group.name == "Nón lá Huế"
    assert product.group.search_key == "non la hue"


def test_categories_nest_and_never_inside_themselves(shop):
    child = services.category_for_path(shop=shop, path="Thời trang nữ / Áo dài")
    top = child.parent

    assert (top.name, top.slug, child.slug) == ("Thời trang nữ", "thoi-trang-nu", "ao-dai")
    assert services.category_for_path(shop=shop, path="Thời trang nữ/Áo dài") == child
    with pytest.raises(InvalidInput) as refused:
        services.category_save(shop=shop, name=top.name, slug=top.slug, parent=child, category=top)
    assert "parent" in refused.value.fields
    with pytest.raises(InvalidInput):
        services.category_save(shop=shop, name="Áo dài", slug="ao-dai")
    assert Category.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "quantity", "on_hand"),
    [(StockMovementKind.STOCKTAKE, 4, 4), (StockMovementKind.RECEIVED, 5, 15), (StockMovementKind.DAMAGED, 2, 8)],
)
def test_stock_is_set_for_a_reason_with_one_movement_of_that_kind(shop, kind, quantity, on_hand):
    product = ProductFactory(shop=shop, stock_on_hand=10)

    services.stock_set(product=product, kind=kind, quantity=quantity, actor=ACTOR, note="Kiểm kho tháng 6")

    movement = StockMovement.objects.get()
    assert product.stock_on_hand == on_hand
    assert (movement.kind, movement.on_hand_delta) == (kind, on_hand - 10)


def test_stock_never_goes_below_what_orders_reserved(shop):
    product = ProductFactory(shop=shop, sku="AO-1", stock_on_hand=5)
    place(shop, lines=[("AO-1", 3)])

    with pytest.raises(Conflict):
        services.stock_set(product=product, kind=StockMovementKind.STOCKTAKE, quantity=2, actor=ACTOR)
    with pytest.raises(Conflict):
        services.stock_set(product=product, kind=StockMovementKind.DAMAGED, quantity=3, actor=ACTOR)
    with pytest.raises(InvalidInput) as refused:
        services.stock_set(product=product, kind=StockMovementKind.RECEIVED, quantity=0, actor=ACTOR)

    assert "quantity" in refused.value.fields
    product.refresh_from_db()
    assert (product.stock_on_hand, product.stock_reserved) == (5, 3)


def test_a_sku_without_a_product_joins_the_product_that_names_it(shop):
    legacy = ProductFactory(shop=shop, sku="KHAN-LUA", stock_on_hand=4)
    group = catalogue_product(shop, "Khăn lụa", options=(), variants=[_variant("KHAN-LUA", price="180000")])

    legacy.refresh_from_db()
    assert (legacy.group, legacy.price, legacy.stock_on_hand) == (group, Decimal("180000"), 4)


def test_the_migration_gives_every_sku_a_product_of_its_own(shop):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("orders.migrations.0008_catalogue")
    selling = ProductFactory(shop=shop, name="Nón lá Huế")
    stopped = ProductFactory(shop=shop, name="Khăn cũ", is_active=False)

    migration.give_every_product_a_parent(apps, None)

    selling.refresh_from_db()
    stopped.refresh_from_db()
    assert (selling.group.name, selling.group.search_key, selling.group.status) == (
        "Nón lá Huế",
        "non la hue",
        "active",
    )
    assert stopped.group.status == CatalogueStatus.ARCHIVED
