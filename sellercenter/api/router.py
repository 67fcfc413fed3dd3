"""`/api/v1/`: every app's endpoints. This module is the roof: it may import every app."""

from django.urls import include, path

from sellercenter.api.views import ShopView
from sellercenter.insights.api import InsightsView

urlpatterns = [
    path("shop", ShopView.as_view(), name="shop"),
    path("insights", InsightsView.as_view(), name="insights"),
    path("", include("customers.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("promotions/", include("promotions.urls")),
    path("", include("orders.urls")),
    path("finance/", include("finance.urls")),
]
