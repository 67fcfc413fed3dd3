"""The shop's products with their price and the stock still available to order."""

from django_filters import rest_framework as filters
from rest_framework import generics, serializers

from orders.models import Product
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE, ShopScopedMixin


class ProductOutput(serializers.ModelSerializer):
    available = serializers.IntegerField(source="stock_available")

    class Meta:
        model = Product
        fields = ["sku", "name", "price", "available", "is_active"]
        ref_name = "Product"


class ProductFilter(filters.FilterSet):
    sku = filters.BaseInFilter(field_name="sku")

    class Meta:
        model = Product
        fields = ["sku", "is_active"]


class ProductListView(ShopScopedMixin, generics.ListAPIView):
    """GET: the shop's products; `?sku=A,B` picks some, `?is_active=true` those for sale."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "orders.view_product"
    queryset = Product.objects.all()
    serializer_class = ProductOutput
    filterset_class = ProductFilter
