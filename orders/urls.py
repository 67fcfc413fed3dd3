"""Orders API routes, mounted at /api/v1/ by sellercenter.api.router."""

from django.urls import path, re_path

from orders.api import carriers, catalogue, orders, payments, products, returns

ORDER_ACTIONS = "|".join(orders.ACTIONS)
RETURN_ACTIONS = "|".join(returns.ACTIONS)

urlpatterns = [
    path("products", products.ProductListView.as_view(), name="orders-products"),
    path("products/<str:sku>", products.ProductDetailView.as_view(), name="orders-products-detail"),
    path("products/<str:sku>/stock", products.StockSetView.as_view(), name="orders-products-stock"),
    path("catalogue/categories", catalogue.CategoryListView.as_view(), name="catalogue-categories"),
    path("catalogue/products", catalogue.CatalogueProductListView.as_view(), name="catalogue-products"),
    path(
        "catalogue/products/<int:pk>", catalogue.CatalogueProductDetailView.as_view(), name="catalogue-products-detail"
    ),
    re_path(
        r"^catalogue/products/(?P<pk>[0-9]+)/(?P<action>archive|restore)$",
        catalogue.CatalogueProductStatusView.as_view(),
        name="catalogue-products-status",
    ),
    path("catalogue/products/<int:pk>/variants", catalogue.VariantSaveView.as_view(), name="catalogue-variants"),
    path("catalogue/products/<int:pk>/images", catalogue.ImageUploadView.as_view(), name="catalogue-images"),
    path(
        "catalogue/products/<int:pk>/images/<int:image_id>",
        catalogue.ImageDetailView.as_view(),
        name="catalogue-images-detail",
    ),
    path("orders", orders.OrderListCreateView.as_view(), name="orders"),
    path("orders/quote", orders.CheckoutQuoteView.as_view(), name="orders-quote"),
    path("orders/export", orders.OrderExportView.as_view(), name="orders-export"),
    path("orders/metrics", orders.MetricsView.as_view(), name="orders-metrics"),
    path("orders/<str:number>", orders.OrderDetailView.as_view(), name="orders-detail"),
    path("orders/<str:number>/cancel", orders.OrderCancelView.as_view(), name="orders-cancel"),
    path("orders/<str:number>/edit", orders.OrderEditView.as_view(), name="orders-edit"),
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
