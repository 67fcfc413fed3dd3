"""The catalogue, staff order, order edit and marketplace import pages in Vietnamese (what staff read):
the labels of these pages are translated, and none is left in English."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders import services
from tests.orders.factories import catalogue_product, marketplace_catalogue, marketplace_file, place, staff_actor
from tests.orders.test_admin_staff_order import _form
from tests.visible_text import visible_text

pytestmark = pytest.mark.django_db
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}


def _text(response) -> set[str]:
    assert response.status_code == 200
    return set(visible_text(response.content.decode()))


def _check(response, vietnamese: set[str], english: set[str]) -> None:
    """Each of `vietnamese` is shown (within a text, e.g. the title), none of `english` is a text of its own."""
    shown = _text(response)
    assert not {label for label in vietnamese if not any(label in text for text in shown)}
    assert not english & shown, english & shown


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_staff_order_page_with_its_priced_cart(owner_client, shop):
    catalogue_product(shop, "Áo thun", sku_prefix="AT")

    page = owner_client.post(
        "/admin/orders/order/add/", _form(shop, [("AT-0", 1)], do="preview", payment_method="cash"), **VI
    )

    _check(
        page,
        {"Đơn hàng mới", "kênh bán", "Điện thoại", "Nhắn tin (Zalo, Messenger)", "Tiền mặt tại quầy"},
        {"Phone", "Chat (Zalo, Messenger)", "Cash at the counter", "Paid through the marketplace", "Create order"},
    )
    assert {"Giỏ hàng đã tính tiền", "Địa chỉ giao hàng", "Tính tiền", "Tạo đơn"} <= _text(page)
    assert "Số điện thoại" not in {str(label) for _value, label in page.context["form"].fields["channel"].choices}


def test_the_order_edit_page(owner_client, shop):
    catalogue_product(shop, "Áo thun", sku_prefix="AT")
    order = place(shop, lines=[("AT-0", 1)])

    page = owner_client.get(reverse("admin:orders_order_edit", args=[order.pk]), **VI)

    _check(
        page,
        {f"Sửa đơn {order.number}", "người nhận", "phí vận chuyển", "các dòng hàng", "Hủy"},
        {"Edit order", "Recipient", "Shipping fee", "Lines", "Cancel"},
    )


def test_the_marketplace_import_page_and_its_preview(owner_client, shop):
    marketplace_catalogue(shop)
    file = marketplace_file("shopee")

    empty = owner_client.get("/admin/orders/order/import-marketplace/", **VI)
    preview = owner_client.post(
        "/admin/orders/order/import-marketplace/",
        {"shop": shop.pk, "marketplace": "shopee", "file": SimpleUploadedFile(file.file_name, file.content)},
        **VI,
    )

    _check(empty, {"Nhập đơn từ sàn", "sàn:", "Xem trước"}, {"Import orders from a marketplace", "Preview"})
    _check(
        preview,
        {"Mã đơn trên kênh bán", "Sẽ làm gì", "Đơn hàng", "Trạng thái trên sàn", "Sau khi nhập", "Xác nhận nhập đơn"},
        {"Channel order id", "What happens", "Order", "Marketplace status", "Thứ tự", "Confirm the import"},
    )


def test_the_catalogue_product_page(owner_client, shop):
    group = catalogue_product(shop, "Áo thun", sku_prefix="AT")

    page = owner_client.get(reverse("admin:orders_productgroup_change", args=[group.pk]), **VI)

    _check(
        page,
        {"Phân loại hàng", "Giá vốn", "Mã vạch", "Ngưỡng sắp hết hàng", "Chọn giá trị", "Xem danh mục đã chọn"},
        {"Variants", "Cost price", "Barcode", "Low-stock threshold", "Select value", "View selected danh mục"},
    )


def test_stock_movements_of_released_reservations_are_not_called_confirmed(owner_client, shop):
    catalogue_product(shop, "Áo thun", sku_prefix="AT")
    services.order_cancel(order=place(shop, lines=[("AT-0", 1)]), actor=staff_actor(), reason="test")

    page = owner_client.get(reverse("admin:orders_stockmovement_changelist"), **VI)

    _check(page, {"Trả lại hàng giữ"}, {"Released", "Đã xác nhận"})
