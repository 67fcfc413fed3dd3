"""Lazada's order export (Seller Center > Orders > Export), in English: one row per unit sold, without
a quantity column; the shipping fee is split over the rows of the order."""

from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from orders.marketplaces.base import Marketplace
from orders.models import OrderStatus as S

LAZADA = Marketplace(
    channel=Channel.LAZADA,
    label=_("Lazada"),
    columns={
        "order_id": "orderNumber",
        "status": "status",
        "placed_at": "createTime",
        "sku": "sellerSku",
        "unit_price": "unitPrice",
        "line_discount": "sellerDiscountTotal",
        "shipping_fee": "shippingFee",
        "buyer": "customerName",
        "recipient_name": "shippingName",
        "phone": "billingPhone",
        "street": "shippingAddress",
        "district": "shippingCity",
        "province": "shippingRegion",
        "carrier": "shippingProvider",
        "tracking_number": "trackingCode",
        "commission": "commission",
        "payment_fee": "paymentFee",
    },
    statuses={
        "pending": S.CONFIRMED,
        "packed": S.CONFIRMED,
        "ready_to_ship": S.CONFIRMED,
        "shipped": S.SHIPPED,
        "delivered": S.DELIVERED,
        "confirmed": S.DELIVERED,
        "canceled": S.CANCELLED,
        "cancelled": S.CANCELLED,
    },
    ignored_statuses=("unpaid",),
    one_unit_per_row=True,
    summed=frozenset({"shipping_fee", "commission", "payment_fee"}),
    date_formats=("%d %b %Y %H:%M", "%d %b %Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"),
)
