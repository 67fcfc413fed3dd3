"""Orders API routes, mounted at /api/v1/ by sellercenter.api.router."""

from django.urls import path, re_path

from orders.api import carriers, orders, payments, products, returns
from sellercenter.db_router import replica_reads

ORDER_ACTIONS = "|".join(orders.ACTIONS)
RETURN_ACTIONS = "|".join(returns.ACTIONS)

urlpatterns = [
    path("products", products.ProductListView.as_view(), name="orders-products"),
    path("orders", orders.OrderListCreateView.as_view(), name="orders"),
    path("orders/quote", orders.CheckoutQuoteView.as_view(), name="orders-quote"),
    path("orders/export", orders.OrderExportView.as_view(), name="orders-export"),
    path("orders/metrics", replica_reads(orders.MetricsView.as_view()), name="orders-metrics"),
    path("orders/<str:number>", orders.OrderDetailView.as_view(), name="orders-detail"),
    path("orders/<str:number>/cancel", orders.OrderCancelView.as_view(), name="orders-cancel"),
    re_path(
        rf"^orders/(?P<number>[^/]+)/(?P<action>{ORDER_ACTIONS})$",
        orders.OrderActionView.as_view(),
        name="orders-action",
    ),
    path("carriers/webhooks/<str:key>", carriers.CarrierWebhookView.as_view(), name="carriers-webhook"),
    path("payments/notify", payments.PaymentNotifyView.as_view(), name="payments-notify"),
    path("returns", returns.ReturnListCreateView.as_view(), name="returns"),
    path("returns/<int:pk>", returns.ReturnDetailView.as_view(), name="returns-detail"),
    re_path(
        rf"^returns/(?P<pk>[0-9]+)/(?P<action>{RETURN_ACTIONS})$",
        returns.ReturnActionView.as_view(),
        name="returns-action",
    ),
]
