"""What the catalogue's row tests share (tests/orders/test_api_catalogue_rows.py for the list,
test_api_catalogue_detail_rows.py for one product): a shop in dollars, a media folder per test, and
every shape of product."""

from decimal import Decimal

import pytest

from orders import services
from sellercenter.money import Currency
from tests.orders.factories import catalogue_product, picture_file, place, staff_actor
from tests.sellercenter.factories import ShopFactory


@pytest.fixture
def shop(db):
    # A shop in dollars: its prices keep their cents (a shop in dong has its prices rounded to the dong).
    return ShopFactory(name="Thời Trang Hoa Mai", slug="hoa-mai", currency=Currency.USD)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _variant(sku: str, price: str, **fields) -> services.VariantData:
    return services.VariantData(sku=sku, price=Decimal(price), **fields)


def every_shape_of_product(shop) -> None:
    """Products with several variants and options, some off sale, units reserved by an order; with no
    picture and with several out of upload order; in a subcategory, a top category and none; prices
    with cents and a cost not known; one archived and one with no variant for sale (neither
    shown to storefronts)."""
    actor = staff_actor()
    dresses = services.category_for_path(shop=shop, path="Thời trang nữ / Áo dài")
    accessories = services.category_for_path(shop=shop, path="Phụ kiện")
    dress = catalogue_product(shop, "Áo dài lụa", category=dresses, price="125", sku_prefix="AO")
    services.catalogue_variant_save(group=dress, data=_variant("AO-3", "125", is_active=False), actor=actor)
    for position, colour in ((2, "#b91c1c"), (0, "#ffffff"), (1, "#1d4ed8")):
        services.product_image_add(
            group=dress, upload=picture_file(colour=colour), actor=actor, alt_text=f"Áo {colour}", position=position
        )
    place(shop, lines=[("AO-0", 3)])
    catalogue_product(
        shop,
        "Khăn lụa Vạn Phúc",
        category=accessories,
        options=(),
        variants=[_variant("KHAN", "19.50", cost_price=None, barcode="8930001", initial_stock=0)],
    )
    hat = catalogue_product(
        shop,
        "Nón lá Huế",
        options=("Loại",),
        variants=[
            _variant("NON-RE", "15", options={"Loại": "Thường"}, cost_price=Decimal("6"), initial_stock=4),
            _variant("NON-THO", "17.50", options={"Loại": "Bài thơ"}, weight_grams=120, initial_stock=2),
        ],
    )
    services.product_image_add(group=hat, upload=picture_file(image_format="JPEG", name="non.jpg"), actor=actor)
    bag = catalogue_product(shop, "Túi cói", category=accessories, price="32", sku_prefix="TUI")
    services.catalogue_product_archive(group=bag, actor=actor)
    fan = catalogue_product(
        shop, "Quạt giấy", options=(), variants=[_variant("QUAT", "4.50", is_active=False, initial_stock=8)]
    )
    services.catalogue_product_update(group=fan, actor=actor, description="Quạt giấy làng Chàng Sơn.")
    for index in range(3):
        catalogue_product(shop, f"Áo dài trơn {index}", price=f"{40 + index}.99", sku_prefix=f"TRON{index}")
