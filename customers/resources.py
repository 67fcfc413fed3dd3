"""Customers to and from spreadsheets (django-import-export): the admin's CSV/XLSX import and export.

An imported row updates the shop's customer with the same external id, else the same e-mail, else
the same phone (typed any way), and creates one only when none matches; rows are written through
the customers services, so phones are normalised and bad values are reported per row."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from customers import services
from customers.models import Customer
from customers.phones import phone_to_e164
from customers.services.profiles import PROFILE_FIELDS, profile_clean
from sellercenter.admin_base import adopt_saved
from sellercenter.errors import DomainError
from sellercenter.spreadsheet import SpreadsheetSafeResource

IMPORTED_FIELDS = [name for name in PROFILE_FIELDS if name != "referred_by"]


class TagsField(fields.Field):
    """Tags as one cell: `vip, khách sỉ`."""

    def get_value(self, instance):
        return ", ".join(tag.name for tag in instance.tags.all()) if instance.pk else ""

    def save(self, instance, row, is_m2m=False, **kwargs):
        cell = row.get(self.column_name) or ""
        instance.imported_tags = [tag for tag in str(cell).split(",") if tag.strip()]


class CustomerResource(SpreadsheetSafeResource):
    tags = TagsField(column_name="tags", attribute="tags")

    class Meta:
        model = Customer
        fields = ["id", "external_id", *IMPORTED_FIELDS, "tags", "orders_count", "total_spent", "journey_stage"]
        import_id_fields = []
        skip_unchanged = True
        report_skipped = True

    def __init__(self, shop=None, **kwargs):
        super().__init__(**kwargs)
        self.shop = shop

    def get_import_fields(self):
        # The id, purchase facts and stage are exported for reading; they are never imported.
        return [self.fields[name] for name in ("external_id", *IMPORTED_FIELDS, "tags")]

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).prefetch_related("tags")

    def before_import_row(self, row, **kwargs):
        if self.shop is None:
            raise ValidationError({"shop": [_("Choose the shop to import into.")]})
        for name in ("external_id", *IMPORTED_FIELDS):
            if row.get(name) is None:
                row[name] = ""
            row[name] = str(row[name]).strip()
        row["email"] = row["email"].lower()
        if row["phone"]:
            try:
                row["phone"] = phone_to_e164(row["phone"])
            except ValidationError as error:
                raise ValidationError({"phone": error.messages}) from None

    def get_instance(self, instance_loader, row):
        """The shop's current profile with the row's external id, else e-mail, else phone."""
        customers = Customer.objects.current().filter(shop=self.shop)
        for name in ("external_id", "email", "phone"):
            if row.get(name):
                match = customers.filter(**{name: row[name]}).first()
                if match is not None:
                    return match
        return None

    def init_instance(self, row=None):
        return Customer(shop=self.shop)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        given = {name: getattr(instance, name) for name in IMPORTED_FIELDS}
        try:
            profile_clean(shop=self.shop, fields=given)
        except DomainError as error:
            raise ValidationError(error.fields) from None

    def do_instance_save(self, instance, is_create):
        profile = {name: getattr(instance, name) for name in IMPORTED_FIELDS}
        tags = getattr(instance, "imported_tags", [])
        if is_create:
            saved = services.customer_create(
                shop=self.shop, external_id=instance.external_id or None, tags=tags, **profile
            )
        else:
            # Like an upsert: an empty cell never clears what the profile already holds.
            filled = {name: value for name, value in profile.items() if value not in ("", None)}
            saved = services.customer_update(customer=instance, **filled)
            services.customer_tags_add(customer=saved, tags=tags)
        adopt_saved(instance, saved)
