"""The catalogue list's page built from `values()` rows: the same JSON as CatalogueProductOutput(many=True)
(CatalogueProductStaffOutput's for the back office) without a model instance or a serializer per
product, variant and image; one product's answer (GET and the writes) is the same functions over its
one row. The serializers stay the views' serializer classes, so the OpenAPI document is built from
them as before; tests/orders/test_api_catalogue_rows.py and test_api_catalogue_detail_rows.py compare
the outputs."""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from orders import selectors
from orders.models import STOCK_AVAILABLE, ProductImage
from sellercenter.api.rows import moment_text, money_text

PRODUCT_COLUMNS = (
    "pk",  # the cursor's position is read from the row by the pagination's ordering ("-pk")
    "name",
    "description",
    "category_id",
    "category__name",
    "category__slug",
    "category__parent_id",
    "option_names",
    "status",
    "created_at",
    "updated_at",
)
# VariantOutput's fields that are the variant's own columns, by how they render; in its order.
VARIANT_TEXT = ("sku", "name", "options")
VARIANT_AFTER_AVAILABLE = ("barcode", "is_active", "weight_grams", "length_cm", "width_cm", "height_cm")
STAFF_STOCK = ("stock_on_hand", "stock_reserved", "low_stock_threshold")
VARIANT_COLUMNS = ("group_id", *VARIANT_TEXT, "price", *VARIANT_AFTER_AVAILABLE, "cost_price", *STAFF_STOCK)
IMAGE_SIZE = ("width", "height", "alt_text", "position")
IMAGE_COLUMNS = ("group_id", "pk", "image", "thumbnail", *IMAGE_SIZE)


def catalogue_rows(queryset: QuerySet) -> QuerySet:
    """The catalogue products of `queryset` (filtered, not yet paged) as the rows
    `catalogue_products_output` takes: one query with the category joined."""
    return queryset.select_related(None).prefetch_related(None).values(*PRODUCT_COLUMNS)


def catalogue_products_output(rows: list[dict], *, request, back_office: bool) -> list[dict]:
    """CatalogueProductOutput(many=True).data of a page of `catalogue_rows`, its variants and images in
    two more queries; for the back office CatalogueProductStaffOutput's, with the variants off sale."""
    pks = [row["pk"] for row in rows]
    variants = _variants_by_product(pks, back_office=back_office) if pks else {}
    images = _images_by_product(pks, request) if pks else {}
    tz = timezone.get_current_timezone()
    return [_product(row, variants.get(row["pk"], []), images.get(row["pk"], []), tz, back_office) for row in rows]


def _variants_by_product(pks: list[int], *, back_office: bool) -> dict[int, list[dict]]:
    found = selectors.catalogue_variants(for_sale_only=not back_office).filter(group_id__in=pks)
    variant = _staff_variant if back_office else _variant
    variants = defaultdict(list)
    for row in found.annotate(available=STOCK_AVAILABLE).values("available", *VARIANT_COLUMNS):
        variants[row["group_id"]].append(variant(row))
    return variants


def _images_by_product(pks: list[int], request) -> dict[int, list[dict]]:
    # ImageOutput's URLs: the file's URL in its field's storage, made absolute for the request.
    fields = ProductImage._meta
    image_storage, thumbnail_storage = fields.get_field("image").storage, fields.get_field("thumbnail").storage
    images = defaultdict(list)
    for row in ProductImage.objects.filter(group_id__in=pks).values(*IMAGE_COLUMNS):
        output = {
            "id": row["pk"],
            "url": request.build_absolute_uri(image_storage.url(row["image"])),
            "thumbnail_url": request.build_absolute_uri(thumbnail_storage.url(row["thumbnail"])),
        }
        output.update((name, row[name]) for name in IMAGE_SIZE)
        images[row["group_id"]].append(output)
    return images


def _variant(row: dict) -> dict:
    output = {name: row[name] for name in VARIANT_TEXT}
    output["price"] = money_text(row["price"])
    output["available"] = row["available"]
    output.update((name, row[name]) for name in VARIANT_AFTER_AVAILABLE)
    return output


def _staff_variant(row: dict) -> dict:
    output = _variant(row)
    output["cost_price"] = None if row["cost_price"] is None else money_text(row["cost_price"])
    output.update((name, row[name]) for name in STAFF_STOCK)
    return output


def _category(row: dict) -> dict | None:
    if row["category_id"] is None:
        return None
    return {
        "id": row["category_id"],
        "name": row["category__name"],
        "slug": row["category__slug"],
        "parent": row["category__parent_id"],
    }


def _product(row: dict, variants: list[dict], images: list[dict], tz, back_office: bool) -> dict:
    output = {
        "id": row["pk"],
        "name": row["name"],
        "description": row["description"],
        "category": _category(row),
        "option_names": row["option_names"],
        "status": row["status"],
        "variants": variants,
        "images": images,
    }
    if back_office:
        output["created_at"] = moment_text(row["created_at"], tz)
        output["updated_at"] = moment_text(row["updated_at"], tz)
    return output
