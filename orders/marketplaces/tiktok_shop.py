"""TikTok Shop's order export (Seller Center > Orders > Export), in English: one row per SKU of an
order, with the SKU's discounts for all its units; the order's amounts repeated on each row."""

from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from orders.marketplaces.base import Marketplace
from orders.models import OrderStatus as S

TIKTOK_SHOP = Marketplace(
    channel=Channel.TIKTOK_SHOP,
    label=_("TikTok Shop"),
    columns={
        "order_id": "Order ID",
        "status": "Order Status",
        "placed_at": "Created Time",
        "sku": "Seller SKU",
        "quantity": "Quantity",
        "unit_price": "SKU Unit Original Price",
        "line_discount": "SKU Seller Discount",
        "platform_discount": "SKU Platform Discount",
        "order_total": "Order Amount",
        "shipping_fee": "Shipping Fee After Discount",
        "buyer": "Buyer Username",
        "recipient_name": "Recipient",
        "phone": "Phone #",
        "province": "Province",
        "district": "District",
        "ward": "Villages",
        "street": "Detail Address",
        "carrier": "Shipping Provider Name",
        "tracking_number": "Tracking ID",
        "note": "Buyer Message",
        "commission": "Commission Fee",
        "service_fee": "Service Fee",
        "payment_fee": "Transaction Fee",
    },
    statuses={
        "Awaiting Shipment": S.CONFIRMED,
        "Awaiting Collection": S.CONFIRMED,
        "In Transit": S.SHIPPED,
        "Delivered": S.DELIVERED,
        "Completed": S.DELIVERED,
        "Cancelled": S.CANCELLED,
    },
    ignored_statuses=("Unpaid",),
    date_formats=("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"),
)
