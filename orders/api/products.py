"""The shop's SKUs (the variants of the catalogue) with their price and the stock still available
to order, and the back office's stock changes."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors, services
from orders.api.catalogue import VariantStaffOutput
from orders.models import STOCK_AVAILABLE, Product, StockMovementKind
from orders.services.stock import STOCK_SET_KINDS
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE, ShopScopedMixin
from sellercenter.api.filters import FilterSet
from sellercenter.api.rows import ListFromRowsMixin
from sellercenter.api.transactions import api_write
from sellercenter.errors import NotFound


class ProductOutput(serializers.ModelSerializer):
    """The shape storefronts have read since the first release; the catalogue API has the rest."""

    available = serializers.IntegerField(source="stock_available")

    class Meta:
        model = Product
        fields = ["sku", "name", "price", "available", "is_active"]
        ref_name = "Product"


class ProductFilter(FilterSet):
    sku = filters.BaseInFilter(field_name="sku")
    category = filters.CharFilter(label=_("category slug (its subcategories too)"), method="filter_variants")
    in_stock = filters.BooleanFilter(label=_("with something left to sell"), method="filter_variants")
    price_min = filters.NumberFilter(label=_("lowest price"), method="filter_variants")
    price_max = filters.NumberFilter(label=_("highest price"), method="filter_variants")
    q = filters.CharFilter(label=_("name contains (accents and case aside)"), method="filter_name")

    class Meta:
        model = Product
        fields = ["sku", "is_active", "category", "in_stock", "price_min", "price_max", "q"]

    def filter_variants(self, queryset, name, value):
        shop = self.request.shop
        if name == "category":
            value = selectors.category_get(shop=shop, slug=value)
        return queryset.filter(selectors.variant_filter_q(shop=shop, **{name: value}))

    def filter_name(self, queryset, name, value):
        return queryset.filter(selectors.variant_search_q(value)) if value.strip() else queryset


class ProductListView(ListFromRowsMixin, ShopScopedMixin, generics.ListAPIView):
    """GET: the shop's SKUs; `?sku=A,B` picks some, `?is_active=true` those for sale; `category`,
    `in_stock`, `price_min`, `price_max` and `q` filter as the catalogue does."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "orders.view_product"
    queryset = Product.objects.all()
    serializer_class = ProductOutput
    filterset_class = ProductFilter
    row_annotations = {"stock_available": STOCK_AVAILABLE}  # the page is built from query rows


def _get(request, sku: str) -> Product:
    found = Product.objects.filter(shop=request.shop, sku=sku).first()
    if found is None:
        raise NotFound(_("This SKU does not exist."))
    return found


class StockInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(kind, StockMovementKind(kind).label) for kind in STOCK_SET_KINDS],
        help_text=_("stocktake: the units counted; received: units added; damaged: units removed."),
    )
    quantity = serializers.IntegerField(min_value=0, max_value=1_000_000)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "StockInput"


class ProductDetailView(APIView):
    """GET (back office): one SKU with its cost price and stock counters."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.view_product"

    @extend_schema(responses=VariantStaffOutput, operation_id="products_retrieve")
    def get(self, request, sku):
        return Response(VariantStaffOutput(_get(request, sku)).data)


class StockSetView(APIView):
    """POST (back office): change a SKU's stock for a reason, written as one stock movement of that
    kind. Never below what orders reserved (409); a stocktake and a checkout at the same moment
    both land, in one order or the other."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.change_product"

    @extend_schema(request=StockInput, responses=VariantStaffOutput, operation_id="products_stock_set")
    @api_write
    def post(self, request, sku):
        data = StockInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.stock_set(
            product=_get(request, sku), actor=actor_from_request(request), **data.validated_data
        )
        return Response(VariantStaffOutput(product).data)
