"""Products and their stock counts to and from spreadsheets (django-import-export).

An imported row creates or updates the shop's product with its SKU through the services; a filled
`stock_on_hand` cell is a stock count, recorded as one adjustment movement (never a bare overwrite),
so imports leave the same audit trail as counts typed in the admin."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from orders import services
from orders.models import Product
from sellercenter.admin_base import adopt_saved
from sellercenter.errors import DomainError
from sellercenter.spreadsheet import SpreadsheetSafeResource

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
