"""Products and their stock counts, and the catalogue, to and from spreadsheets (django-import-export).

An imported row creates or updates the shop's product with its SKU through the services; a filled
`stock_on_hand` cell is a stock count, recorded as one adjustment movement (never a bare overwrite),
so imports leave the same audit trail as counts typed in the admin."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from orders import selectors, services
from orders.models import Product, ProductGroup, StockMovementKind
from sellercenter.admin_base import adopt_saved
from sellercenter.errors import DomainError
from sellercenter.spreadsheet import SpreadsheetSafeResource, spreadsheet_safe

IMPORTED = ("sku", "name", "price", "is_active")


class ProductResource(SpreadsheetSafeResource):
    stock_on_hand = fields.Field(attribute="stock_on_hand", column_name="stock_on_hand")

    class Meta:
        model = Product
        fields = ["sku", "name", "price", "is_active", "stock_on_hand", "stock_reserved"]
        import_id_fields = ["sku"]

    def __init__(self, shop=None, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.shop = shop
        self.actor = actor

    def get_import_fields(self):
        # What orders reserved is the pipeline's business: exported for reading, never imported.
        return [self.fields[name] for name in (*IMPORTED, "stock_on_hand")]

    def before_import_row(self, row, **kwargs):
        if self.shop is None:
            raise ValidationError({"shop": [_("Choose the shop to import into.")]})
        counted = row.get("stock_on_hand")
        if counted not in (None, ""):
            try:
                row["stock_on_hand"] = int(counted)
            except (TypeError, ValueError):
                raise ValidationError({"stock_on_hand": [_("Give a whole number of units.")]}) from None
            if row["stock_on_hand"] < 0:
                raise ValidationError({"stock_on_hand": [_("A count cannot be negative.")]})

    def get_instance(self, instance_loader, row):
        return Product.objects.filter(shop=self.shop, sku=str(row.get("sku") or "").strip()).first()

    def init_instance(self, row=None):
        return Product(shop=self.shop)

    def import_instance(self, instance, row, **kwargs):
        # The counted stock is kept aside: stock changes only through a count, in do_instance_save.
        instance.counted = row.get("stock_on_hand")
        on_hand = instance.stock_on_hand
        super().import_instance(instance, row, **kwargs)
        instance.stock_on_hand = on_hand

    def do_instance_save(self, instance, is_create):
        try:
            saved = services.product_upsert(
                shop=self.shop,
                sku=str(instance.sku or ""),
                name=str(instance.name or ""),
                price=instance.price if instance.price is not None else "",
                is_active=bool(instance.is_active),
            )
            if instance.counted not in (None, ""):
                services.stock_count_set(
                    product=saved, counted=instance.counted, actor=self.actor, reason=_("Stock count imported")
                )
        except DomainError as error:
            raise ValidationError(error.fields or {"sku": [str(error)]}) from None
        adopt_saved(instance, saved)


OPTION_SLOTS = (1, 2, 3)
CATEGORY_SEPARATOR = " / "
VARIANT_NUMBERS = ("low_stock_threshold", "weight_grams", "length_cm", "width_cm", "height_cm")
TRUE_WORDS = {"1", "true", "yes", "x", "co", "có"}


def _text(row, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _whole(row, name: str) -> int | None:
    """A cell of whole units: "12" in CSV, 12 or 12.0 in XLSX; empty is None."""
    text = _text(row, name)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= 1_000_000:
        raise ValidationError({name: [_("Give a whole number from 0 to 1000000.")]})
    return int(number)


# A service's name for a field -> the column that holds it; other names go to the whole row.
SERVICE_FIELDS = {
    "name": "product",
    "option_names": "option_1_name",
    "options": "option_1_value",
    "stock": "stock_on_hand",
    "quantity": "stock_on_hand",
    "counted": "stock_on_hand",
}


class CatalogueResource(SpreadsheetSafeResource):
    """The catalogue, one row per variant: its product (by `product_id`, or by name for a new one),
    the category path ("Thời trang nữ / Áo dài", created when missing), up to three options as name
    and value columns, then the SKU's own columns. A filled `stock_on_hand` is a stocktake.

    Rows are written through orders.services; the admin shows a preview first and applies the file
    only if every row is accepted (one refused row applies nothing, and its error names the row).
    Rows only ever touch the shop chosen on the import form: a SKU or product id of another shop is
    not found there."""

    product_id = fields.Field(attribute="group_id", column_name="product_id")
    product = fields.Field(column_name="product")
    category = fields.Field(column_name="category")
    description = fields.Field(column_name="description")
    option_1_name = fields.Field(column_name="option_1_name")
    option_1_value = fields.Field(column_name="option_1_value")
    option_2_name = fields.Field(column_name="option_2_name")
    option_2_value = fields.Field(column_name="option_2_value")
    option_3_name = fields.Field(column_name="option_3_name")
    option_3_value = fields.Field(column_name="option_3_value")

    class Meta:
        model = Product
        fields = [
            "product_id",
            "product",
            "category",
            "description",
            "option_1_name",
            "option_1_value",
            "option_2_name",
            "option_2_value",
            "option_3_name",
            "option_3_value",
            "sku",
            "price",
            "cost_price",
            "barcode",
            "stock_on_hand",
            *VARIANT_NUMBERS,
            "is_active",
        ]
        export_order = fields
        import_id_fields = ["sku"]

    def __init__(self, shop=None, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.shop = shop
        self.actor = actor
        self._category_paths: dict[int, str] = {}

    # --- export ---

    def dehydrate_product(self, variant) -> str:
        return variant.group.name if variant.group_id else variant.name

    def dehydrate_description(self, variant) -> str:
        return variant.group.description if variant.group_id else ""

    def dehydrate_category(self, variant) -> str:
        category_id = variant.group.category_id if variant.group_id else None
        if category_id is None:
            return ""
        if category_id not in self._category_paths:
            self._category_paths.update(selectors.category_paths(shop_id=variant.shop_id, separator=CATEGORY_SEPARATOR))
        return self._category_paths.get(category_id, "")

    def _option(self, variant, slot: int) -> tuple[str, str]:
        names = variant.group.option_names if variant.group_id else []
        if slot > len(names):
            return "", ""
        name = names[slot - 1]
        return name, variant.options.get(name, "")

    def export_field(self, field, instance, **kwargs):
        name = field.column_name
        if name.startswith("option_"):
            _prefix, slot, part = name.split("_", 2)
            option_name, value = self._option(instance, int(slot))
            return spreadsheet_safe(option_name if part == "name" else value)
        return super().export_field(field, instance, **kwargs)

    # --- import ---

    def before_import_row(self, row, **kwargs):
        if self.shop is None:
            raise ValidationError({"shop": [_("Choose the shop to import into.")]})

    def get_instance(self, instance_loader, row):
        return Product.objects.filter(shop=self.shop, sku=_text(row, "sku")).first()

    def init_instance(self, row=None):
        return Product(shop=self.shop)

    def import_instance(self, instance, row, **kwargs):
        # The row is applied by do_instance_save, through the services, not field by field.
        instance.row = row

    def do_instance_save(self, instance, is_create):
        try:
            saved = self._apply(instance.row, existing=None if is_create else instance)
        except DomainError as error:
            raise ValidationError(self._by_column(error)) from None
        adopt_saved(instance, saved)

    def _by_column(self, error: DomainError) -> dict:
        columns = {field.column_name for field in self.get_import_fields()}
        by_column: dict[str, list[str]] = {}
        for name, messages in (error.fields or {NON_FIELD_ERRORS: [str(error)]}).items():
            column = SERVICE_FIELDS.get(name, name)
            if column in columns:
                by_column.setdefault(column, []).extend(messages)
            else:
                prefix = "" if name == NON_FIELD_ERRORS else f"{name}: "
                by_column.setdefault(NON_FIELD_ERRORS, []).extend(f"{prefix}{message}" for message in messages)
        return by_column

    def _group(self, row, existing):
        product_id = _text(row, "product_id")
        if product_id:
            found = ProductGroup.objects.filter(shop=self.shop, pk=product_id) if product_id.isdigit() else None
            group = found.first() if found is not None else None
            if group is None:
                raise ValidationError({"product_id": [_("This product does not exist in the shop.")]})
            return group
        if existing is not None and existing.group_id:
            return existing.group
        name = _text(row, "product")
        return ProductGroup.objects.filter(shop=self.shop, name=name).order_by("pk").first() if name else None

    def _apply(self, row, existing):
        names = [_text(row, f"option_{slot}_name") for slot in OPTION_SLOTS]
        values = [_text(row, f"option_{slot}_value") for slot in OPTION_SLOTS]
        option_names = [name for name in names if name]
        category_path = _text(row, "category")
        category = services.KEEP
        if category_path:
            category = services.category_for_path(
                shop=self.shop, path=category_path, separator=CATEGORY_SEPARATOR.strip()
            )
        # An empty category or description cell leaves the product's as it is.
        group_fields = {
            "name": _text(row, "product"),
            "description": _text(row, "description") or None,
            "category": category,
            "option_names": option_names,
        }
        group = self._group(row, existing)
        if group is None:
            group_fields["description"] = group_fields["description"] or ""
            group_fields["category"] = None if category is services.KEEP else category
            group = services.catalogue_product_create(shop=self.shop, actor=self.actor, variants=[], **group_fields)
        else:
            group = services.catalogue_product_update(group=group, actor=self.actor, **group_fields)
        variant = services.catalogue_variant_save(
            group=group,
            data=services.VariantData(
                sku=_text(row, "sku"),
                price=_text(row, "price"),
                cost_price=_text(row, "cost_price") or None,
                barcode=_text(row, "barcode"),
                options={name: value for name, value in zip(names, values, strict=True) if name},
                is_active=_text(row, "is_active").lower() in TRUE_WORDS if _text(row, "is_active") else True,
                **{name: _whole(row, name) for name in VARIANT_NUMBERS},
            ),
            actor=self.actor,
        )
        counted = _whole(row, "stock_on_hand")
        if counted is not None:
            services.stock_set(
                product=variant,
                kind=StockMovementKind.STOCKTAKE,
                quantity=counted,
                actor=self.actor,
                note=_("Stock count imported"),
            )
        return variant
