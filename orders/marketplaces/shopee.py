"""Shopee's order report (Kênh Người Bán > Đơn hàng > Xuất), in Vietnamese: one row per product of
an order, the order's amounts and fees repeated on each of its rows."""

from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from orders.marketplaces.base import Marketplace
from orders.models import OrderStatus as S

SHOPEE = Marketplace(
    channel=Channel.SHOPEE,
    label=_("Shopee"),
    columns={
        "order_id": "Mã đơn hàng",
        "status": "Trạng thái Đơn hàng",
        "placed_at": "Ngày đặt hàng",
        "sku": "SKU phân loại hàng",
        "quantity": "Số lượng",
        "unit_price": "Giá gốc",
        "sale_price": "Giá ưu đãi",
        "order_total": "Tổng giá trị đơn hàng (VND)",
        "shipping_fee": "Phí vận chuyển mà người mua trả",
        "commission": "Phí cố định",
        "service_fee": "Phí Dịch vụ",
        "payment_fee": "Phí thanh toán",
        "buyer": "Người Mua",
        "recipient_name": "Tên Người nhận",
        "phone": "Số điện thoại",
        "province": "Tỉnh/Thành phố",
        "district": "Quận/Huyện",
        "street": "Địa chỉ nhận hàng",
        "tracking_number": "Mã vận đơn",
        "carrier": "Đơn Vị Vận Chuyển",
        "note": "Nhận xét từ Người mua",
    },
    statuses={
        "Chờ xác nhận": S.CONFIRMED,
        "Chờ lấy hàng": S.CONFIRMED,
        "Đang giao": S.SHIPPED,
        "Đã giao": S.DELIVERED,
        "Hoàn thành": S.DELIVERED,
        "Đã hủy": S.CANCELLED,
    },
    ignored_statuses=("Chưa thanh toán",),
)
