"""The catalogue: categories and catalogue products with their variants and images.

Storefronts read what is for sale (archived products and variants off sale are not found);
back-office keys and staff also see those, with cost prices and stock counters, and write."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors, services
from orders.api.base import MONEY
from orders.api.catalogue_rows import catalogue_products_output, catalogue_rows
from orders.models import Category, Product, ProductGroup, ProductImage
from orders.services.catalogue import KEEP, MAX_OPTIONS, MAX_VARIANTS
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE, ShopScopedMixin
from sellercenter.api.fields import Base64FileField, BoundedDictField
from sellercenter.api.filters import FilterSet
from sellercenter.api.idempotency import idempotent
from sellercenter.api.permissions import is_back_office
from sellercenter.api.rows import ListFromRowsMixin
from sellercenter.api.transactions import api_write
from sellercenter.errors import NotFound


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent"]
        ref_name = "Category"


class ImageOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail_url", "width", "height", "alt_text", "position"]
        ref_name = "ProductImage"

    def _absolute(self, file) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(file.url) if request is not None else file.url

    def get_url(self, image) -> str:
        return self._absolute(image.image)

    def get_thumbnail_url(self, image) -> str:
        return self._absolute(image.thumbnail)


VARIANT_FIELDS = ["sku", "name", "options", "price", "available", "barcode", "is_active"]
PARCEL_FIELDS = ["weight_grams", "length_cm", "width_cm", "height_cm"]
STAFF_VARIANT_FIELDS = ["cost_price", "stock_on_hand", "stock_reserved", "low_stock_threshold"]


class VariantOutput(serializers.ModelSerializer):
    available = serializers.IntegerField(source="stock_available")

    class Meta:
        model = Product
        fields = [*VARIANT_FIELDS, *PARCEL_FIELDS]
        ref_name = "Variant"


class VariantStaffOutput(VariantOutput):
    class Meta:
        model = Product
        fields = [*VARIANT_FIELDS, *PARCEL_FIELDS, *STAFF_VARIANT_FIELDS]
        ref_name = "VariantStaff"


GROUP_FIELDS = ["id", "name", "description", "category", "option_names", "status", "variants", "images"]


class CatalogueProductOutput(serializers.ModelSerializer):
    category = CategoryOutput(allow_null=True)
    variants = VariantOutput(many=True)
    images = ImageOutput(many=True)

    class Meta:
        model = ProductGroup
        fields = GROUP_FIELDS
        ref_name = "CatalogueProduct"


class CatalogueProductStaffOutput(CatalogueProductOutput):
    variants = VariantStaffOutput(many=True)

    class Meta:
        model = ProductGroup
        fields = [*GROUP_FIELDS, "created_at", "updated_at"]
        ref_name = "CatalogueProductStaff"


def _output(request, pk: int) -> dict:
    """The product's answer (CatalogueProductOutput's data, the staff's for the back office) by the list's
    row functions, read after any change the view made: one query for it, one each for its variants
    and images."""
    back_office = is_back_office(request)
    groups = selectors.catalogue_product_list(shop=request.shop, for_sale_only=not back_office).filter(pk=pk)
    found = catalogue_products_output(list(catalogue_rows(groups)), request=request, back_office=back_office)
    if not found:
        raise selectors.catalogue_product_not_found()
    return found[0]


def _category(request, slug: str | None) -> Category | None:
    return selectors.category_get(shop=request.shop, slug=slug) if slug else None


class VariantInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    price = serializers.DecimalField(**MONEY, min_value=0)
    # Left out of an update, the optional fields keep the variant's values; null clears the cost.
    options = BoundedDictField(
        child=serializers.CharField(max_length=50), max_items=MAX_OPTIONS, max_bytes=1024, required=False
    )
    cost_price = serializers.DecimalField(**MONEY, min_value=0, required=False, allow_null=True)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    weight_grams = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    length_cm = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    width_cm = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    height_cm = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    is_active = serializers.BooleanField(required=False)
    stock = serializers.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        default=0,
        help_text=_("Units received into stock when the variant is created."),
    )

    class Meta:
        ref_name = "VariantInput"


def _variant_data(values: dict) -> services.VariantData:
    values = dict(values)
    values["initial_stock"] = values.pop("stock", 0)
    return services.VariantData(**values)


class ProductInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    category = serializers.SlugField(max_length=120, required=False, allow_null=True, default=None)
    option_names = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=MAX_OPTIONS, required=False, default=list
    )
    variants = VariantInput(many=True, max_length=MAX_VARIANTS)

    class Meta:
        ref_name = "CatalogueProductInput"

    def validate_variants(self, variants: list) -> list:
        # Here rather than allow_empty=False, so that the error is keyed `variants`.
        if not variants:
            raise serializers.ValidationError(_("Give at least one variant."))
        return variants


class ProductUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    category = serializers.SlugField(max_length=120, required=False, allow_null=True)
    option_names = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=MAX_OPTIONS, required=False
    )
    variants = VariantInput(many=True, max_length=MAX_VARIANTS, required=False)

    class Meta:
        ref_name = "CatalogueProductUpdateInput"


class CatalogueProductFilter(FilterSet):
    category = filters.CharFilter(label=_("category slug (its subcategories too)"))
    in_stock = filters.BooleanFilter(label=_("with something left to sell"))
    price_min = filters.NumberFilter(label=_("lowest price"))
    price_max = filters.NumberFilter(label=_("highest price"))
    q = filters.CharFilter(label=_("name contains (accents and case aside)"))
    status = filters.CharFilter(field_name="status")

    class Meta:
        model = ProductGroup
        fields = ["category", "in_stock", "price_min", "price_max", "q", "status"]

    def filter_queryset(self, queryset):
        data, request = self.form.cleaned_data, self.request
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        return selectors.catalogue_product_filter(
            queryset,
            shop=request.shop,
            for_sale_only=not is_back_office(request),
            q=data.get("q") or "",
            category=_category(request, data.get("category")),
            in_stock=data.get("in_stock"),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
        )


class CatalogueProductListView(generics.ListAPIView):
    """GET: the catalogue, filtered by `category` (its subcategories too), `in_stock`, `price_min` /
    `price_max` (some variant within the range) and `q` (the name, accents and case aside: "ao dai"
    finds "Áo dài"). POST (back office): a product with its variants (send an Idempotency-Key)."""

    required_scopes = {"GET": STOREFRONT_AND_BACK_OFFICE, "POST": BACK_OFFICE_ONLY}
    required_permissions = {"GET": "orders.view_productgroup", "POST": "orders.add_productgroup"}
    serializer_class = CatalogueProductStaffOutput
    filterset_class = CatalogueProductFilter

    def get_queryset(self):
        return selectors.catalogue_product_list(shop=self.request.shop, for_sale_only=not is_back_office(self.request))

    def get_serializer_class(self):
        return CatalogueProductStaffOutput if is_back_office(self.request) else CatalogueProductOutput

    def list(self, request, *args, **kwargs):
        # The serializer's JSON from the rows of one query (and one each for variants and images), no
        # serializer per product, variant or image.
        page = self.paginate_queryset(catalogue_rows(self.filter_queryset(self.get_queryset())))
        output = catalogue_products_output(page, request=request, back_office=is_back_office(request))
        return self.get_paginated_response(output)

    @extend_schema(request=ProductInput, responses={201: CatalogueProductStaffOutput}, operation_id="catalogue_create")
    @idempotent
    def post(self, request):
        data = ProductInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        group = services.catalogue_product_create(
            shop=request.shop,
            actor=actor_from_request(request),
            name=values["name"],
            description=values["description"],
            category=_category(request, values["category"]),
            option_names=values["option_names"],
            variants=[_variant_data(variant) for variant in values["variants"]],
        )
        return Response(_output(request, group.pk), status=201)


def _get(request, pk: int) -> ProductGroup:
    return selectors.catalogue_product_get(shop=request.shop, pk=pk, for_sale_only=not is_back_office(request))


class CatalogueProductDetailView(APIView):
    """GET: one catalogue product. PATCH (back office): change its name, description, category or
    options, and create or update the variants given (by SKU); variants not given stay as they are."""

    required_scopes = {"GET": STOREFRONT_AND_BACK_OFFICE, "PATCH": BACK_OFFICE_ONLY}
    required_permissions = {"GET": "orders.view_productgroup", "PATCH": "orders.change_productgroup"}

    @extend_schema(responses=CatalogueProductStaffOutput, operation_id="catalogue_retrieve")
    def get(self, request, pk):
        return Response(_output(request, pk))

    @extend_schema(request=ProductUpdateInput, responses=CatalogueProductStaffOutput, operation_id="catalogue_update")
    @api_write
    def patch(self, request, pk):
        data = ProductUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values, actor = data.validated_data, actor_from_request(request)
        group = services.catalogue_product_update(
            group=_get(request, pk),
            actor=actor,
            name=values.get("name"),
            description=values.get("description"),
            category=_category(request, values["category"]) if "category" in values else KEEP,
            option_names=values.get("option_names"),
        )
        variants = [_variant_data(variant) for variant in values.get("variants", [])]
        services.catalogue_variants_save(group=group, variants=variants, actor=actor)
        return Response(_output(request, pk))


class CatalogueProductStatusView(APIView):
    """POST `archive`: take the product and its variants off sale; `restore`: put them back."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.change_productgroup"

    @extend_schema(request=None, responses=CatalogueProductStaffOutput, operation_id="catalogue_status")
    @api_write
    def post(self, request, pk, action):
        service = services.catalogue_product_archive if action == "archive" else services.catalogue_product_restore
        service(group=_get(request, pk), actor=actor_from_request(request))
        return Response(_output(request, pk))


class VariantSaveView(APIView):
    """POST (back office): add a variant to a catalogue product, or update its variant with that SKU."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.change_productgroup"

    @extend_schema(
        request=VariantInput, responses={201: CatalogueProductStaffOutput}, operation_id="catalogue_variant_add"
    )
    @api_write
    def post(self, request, pk):
        data = VariantInput(data=request.data)
        data.is_valid(raise_exception=True)
        variant = _variant_data(data.validated_data)
        services.catalogue_variant_save(group=_get(request, pk), data=variant, actor=actor_from_request(request))
        return Response(_output(request, pk), status=201)


class ImageInput(serializers.Serializer):
    image = Base64FileField(
        max_length=settings.API_IMAGE_MAX_BODY_BYTES, help_text=_("The picture (JPEG, PNG or WebP) as base64.")
    )
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)

    class Meta:
        ref_name = "ProductImageInput"


class ImageUploadView(APIView):
    """POST (back office): add a JPEG, PNG or WebP picture to a catalogue product, its content as
    base64 in `image` (the API reads JSON only); its thumbnail is made at once. Answers the product."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.add_productimage"
    max_body_setting = "API_IMAGE_MAX_BODY_BYTES"

    @extend_schema(request=ImageInput, responses={201: CatalogueProductStaffOutput}, operation_id="catalogue_image_add")
    @api_write
    def post(self, request, pk):
        data = ImageInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.product_image_add(
            group=_get(request, pk),
            upload=values["image"],
            actor=actor_from_request(request),
            alt_text=values["alt_text"],
            position=values.get("position"),
        )
        return Response(_output(request, pk), status=201)


class ImageDetailView(APIView):
    """DELETE (back office): remove a picture and its files."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.delete_productimage"

    @extend_schema(request=None, responses={204: None}, operation_id="catalogue_image_remove")
    @api_write
    def delete(self, request, pk, image_id):
        image = ProductImage.objects.filter(shop=request.shop, group_id=pk, pk=image_id).first()
        if image is None:
            raise NotFound(_("This image does not exist."))
        services.product_image_remove(image=image, actor=actor_from_request(request))
        return Response(status=204)


class CategoryInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    parent = serializers.SlugField(max_length=120, required=False, allow_null=True, default=None)

    class Meta:
        ref_name = "CategoryInput"


class CategoryListView(ListFromRowsMixin, ShopScopedMixin, generics.ListAPIView):
    """GET: the shop's categories (`parent` is the id of the one above), the page built from query rows.
    POST (back office): a category."""

    required_scopes = {"GET": STOREFRONT_AND_BACK_OFFICE, "POST": BACK_OFFICE_ONLY}
    required_permissions = {"GET": "orders.view_category", "POST": "orders.add_category"}
    queryset = Category.objects.all()
    serializer_class = CategoryOutput

    @extend_schema(request=CategoryInput, responses={201: CategoryOutput}, operation_id="categories_create")
    @api_write
    def post(self, request):
        data = CategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        parent = None
        if values["parent"]:
            parent = selectors.category_get(shop=request.shop, slug=values["parent"], field="parent")
        category = services.category_save(shop=request.shop, name=values["name"], slug=values["slug"], parent=parent)
        return Response(CategoryOutput(category).data, status=201)
