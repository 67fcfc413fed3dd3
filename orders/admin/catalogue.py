"""The catalogue: categories, and catalogue products with their variants and images as tabs of one
page. Saves go through orders.services.catalogue; a refusal the forms could not foresee (a SKU
taken meanwhile) rolls the whole page back and says why."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Max, Min
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from orders import selectors, services
from orders.models import CatalogueStatus, Category, Product, ProductGroup, ProductImage
from orders.pipeline import Actor
from orders.resources import CatalogueResource
from sellercenter.admin_base import (
    ShopImportMixin,
    ShopScopedAdmin,
    ShopScopedForm,
    ShopScopedTabularInline,
    adopt_saved,
    domain_error_message,
    form_add_domain_error,
)
from sellercenter.errors import DomainError, InvalidInput
from sellercenter.money import money_format
from sellercenter.spreadsheet import EXPORT_FORMATS, IMPORT_FORMATS

OPTION_SLOTS = 3
VARIANT_DETAILS = ("low_stock_threshold", "weight_grams", "length_cm", "width_cm", "height_cm", "is_active")


@admin.register(Category)
class CategoryAdmin(ShopScopedAdmin):
    list_display = ["name", "slug", "parent", "shop"]
    list_select_related = ["parent", "shop"]
    search_fields = ["name", "slug"]
    fields = ["shop", "name", "slug", "parent"]

    def save_model(self, request, obj, form, change):
        saved = services.category_save(
            shop=obj.shop,
            name=obj.name,
            slug=obj.slug,
            parent=obj.parent,
            category=Category.objects.get(pk=obj.pk) if change else None,
        )
        adopt_saved(obj, saved)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return _refusal_rolls_back(
            self,
            request,
            lambda: super(CategoryAdmin, self).changeform_view(request, object_id, form_url, extra_context),
        )


def _refusal_rolls_back(model_admin, request, view):
    """Run the admin's change page; a service's refusal at save time undoes everything it saved."""
    try:
        with transaction.atomic():
            return view()
    except DomainError as error:
        model_admin.message_user(request, domain_error_message(error), level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class VariantForm(forms.ModelForm):
    """A variant's row: its value for each of the product's options (in the product's order)."""

    option_1 = forms.CharField(label=_("option value 1"), max_length=50, required=False)
    option_2 = forms.CharField(label=_("option value 2"), max_length=50, required=False)
    option_3 = forms.CharField(label=_("option value 3"), max_length=50, required=False)

    class Meta:
        model = Product
        fields = [
            "sku",
            "price",
            "cost_price",
            "barcode",
            "low_stock_threshold",
            "weight_grams",
            "length_cm",
            "width_cm",
            "height_cm",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index, value in enumerate(self.instance.options.values(), start=1):
            self.initial[f"option_{index}"] = value
        if self.instance.pk:
            self.fields["sku"].disabled = True

    def option_values(self) -> list[str]:
        return [self.cleaned_data.get(f"option_{index}", "").strip() for index in range(1, OPTION_SLOTS + 1)]

    def validate_unique(self):
        # The shop is the product's; the service checks SKU and barcode within it.
        pass


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        names = self.instance.option_names or []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form in self.deleted_forms:
                continue
            values = form.option_values()
            if any(values[len(names) :]) or not all(values[: len(names)]):
                message = gettext("Give a value for each option of the product: %(names)s.") % {
                    "names": ", ".join(names) or gettext("none")
                }
                form.add_error(None, message)


class VariantInline(ShopScopedTabularInline):
    model = Product
    form = VariantForm
    formset = VariantFormSet
    fk_name = "group"
    extra = 0
    can_delete = False
    verbose_name = _("variant")
    verbose_name_plural = _("variants")
    readonly_fields = ["stock_on_hand", "stock_reserved"]
    fields = ["sku", "option_1", "option_2", "option_3", *VariantForm.Meta.fields[1:], *readonly_fields]


class ImageInline(ShopScopedTabularInline):
    model = ProductImage
    extra = 0
    verbose_name = _("image")
    verbose_name_plural = _("images")
    fields = ["preview", "image", "alt_text", "position"]
    readonly_fields = ["preview"]

    @admin.display(description=_("thumbnail"))
    def preview(self, obj):
        if not obj.pk or not obj.thumbnail:
            return "-"
        return format_html('<img src="{}" alt="{}" style="max-height:80px">', obj.thumbnail.url, obj.alt_text)

    def get_readonly_fields(self, request, obj=None):
        # A stored image is replaced by removing it and uploading another (its thumbnail goes with it).
        return [*super().get_readonly_fields(request, obj), "image"] if obj is not None else ["preview"]


class ProductGroupForm(ShopScopedForm):
    option_names_text = forms.CharField(
        label=_("variant options"),
        required=False,
        help_text=_("Up to three, separated by commas, in display order: Màu sắc, Kích cỡ."),
    )

    class Meta:
        model = ProductGroup
        fields = ["shop", "name", "description", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["option_names_text"] = ", ".join(self.instance.option_names or [])

    def clean(self):
        cleaned = super().clean()
        names = [name.strip() for name in (cleaned.get("option_names_text") or "").split(",") if name.strip()]
        try:
            cleaned["option_names"] = services.catalogue_option_names_clean(names)
        except InvalidInput as error:
            form_add_domain_error(self, error, renamed={"option_names": "option_names_text"})
        self.instance.option_names = cleaned.get("option_names", self.instance.option_names)
        return cleaned


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CatalogueStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(ProductGroup)
class ProductGroupAdmin(ShopImportMixin, ShopScopedAdmin):
    """Catalogue products: `Import` / `Export` read and write one row per variant (CatalogueResource)."""

    resource_classes = [CatalogueResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    form = ProductGroupForm
    inlines = [VariantInline, ImageInline]
    list_display = ["name", "category", "variant_count", "price_range", "status_display", "shop"]
    list_filter = [StatusFilter, "category"]
    list_select_related = ["category", "shop"]
    search_fields = ["name"]
    readonly_fields = ["status_display", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["shop", "name", "category", "option_names_text", "description"]}),
        (_("status"), {"fields": readonly_fields}),
    ]
    actions = ["archive", "restore"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                variant_total=Count("variants"), price_low=Min("variants__price"), price_high=Max("variants__price")
            )
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(selectors.catalogue_search_q(search_term)), False

    @admin.display(description=_("variants"), ordering="variant_total")
    def variant_count(self, obj):
        return obj.variant_total

    @admin.display(description=_("price"))
    def price_range(self, obj):
        if obj.price_low is None:
            return "-"
        low, high = (money_format(amount, obj.shop.currency) for amount in (obj.price_low, obj.price_high))
        return low if low == high else f"{low} – {high}"

    @admin.display(description=_("status"))
    def status_display(self, obj):
        return obj.get_status_display() if obj.pk else "-"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return _refusal_rolls_back(
            self,
            request,
            lambda: super(ProductGroupAdmin, self).changeform_view(request, object_id, form_url, extra_context),
        )

    def save_model(self, request, obj, form, change):
        data, actor = form.cleaned_data, Actor.staff(request.user)
        fields = {
            "name": data["name"],
            "description": data.get("description") or "",
            "category": data.get("category"),
            "option_names": data.get("option_names", []),
        }
        if change:
            saved = services.catalogue_product_update(group=ProductGroup.objects.get(pk=obj.pk), actor=actor, **fields)
        else:
            # Its variants are the inline's rows, saved right after.
            saved = services.catalogue_product_create(shop=data["shop"], actor=actor, variants=[], **fields)
        adopt_saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        group, actor = ProductGroup.objects.get(pk=form.instance.pk), Actor.staff(request.user)
        if formset.model is Product:
            self._save_variants(group, formset, actor)
        else:
            self._save_images(group, formset, actor)

    def _save_variants(self, group, formset, actor):
        for variant_form in formset.forms:
            if not variant_form.has_changed():
                continue
            data = variant_form.cleaned_data
            options = dict(zip(group.option_names, variant_form.option_values(), strict=False))
            fields = {name: data.get(name) for name in VARIANT_DETAILS}
            variant = services.catalogue_variant_save(
                group=group,
                data=services.VariantData(
                    sku=data.get("sku") or variant_form.instance.sku,
                    price=data["price"],
                    cost_price=data.get("cost_price"),
                    barcode=data.get("barcode") or "",
                    options=options,
                    **fields,
                ),
                actor=actor,
            )
            target = formset.changed_objects if variant_form.instance.pk else formset.new_objects
            target.append((variant, variant_form.changed_data) if variant_form.instance.pk else variant)

    def _save_images(self, group, formset, actor):
        for image_form in formset.deleted_forms:
            if image_form.instance.pk:
                services.product_image_remove(image=image_form.instance, actor=actor)
                formset.deleted_objects.append(image_form.instance)
        for image_form in formset.forms:
            if image_form in formset.deleted_forms or not image_form.has_changed():
                continue
            data = image_form.cleaned_data
            if image_form.instance.pk:
                image = services.product_image_update(
                    image=image_form.instance, actor=actor, alt_text=data["alt_text"], position=data["position"]
                )
                formset.changed_objects.append((image, image_form.changed_data))
            elif data.get("image"):
                image = services.product_image_add(
                    group=group, upload=data["image"], actor=actor, alt_text=data["alt_text"], position=data["position"]
                )
                formset.new_objects.append(image)

    @admin.action(description=_("Archive (take off sale)"), permissions=["change"])
    def archive(self, request, queryset):
        self._for_each(
            request,
            queryset,
            services.catalogue_product_archive,
            lambda count: ngettext("%(count)d product archived.", "%(count)d products archived.", count),
        )

    @admin.action(description=_("Put back on sale"), permissions=["change"])
    def restore(self, request, queryset):
        self._for_each(
            request,
            queryset,
            services.catalogue_product_restore,
            lambda count: ngettext(
                "%(count)d product put back on sale.", "%(count)d products put back on sale.", count
            ),
        )

    def _for_each(self, request, queryset, service, done_message):
        self.call_service_for_each(
            request,
            queryset,
            service,
            target="group",
            done_message=done_message,
            permission="orders.change_productgroup",
        )

    def get_data_for_export(self, request, queryset, **kwargs):
        # The changelist lists products; the file has one row per variant of those products.
        variants = selectors.catalogue_export_rows(groups=queryset)
        return super().get_data_for_export(request, variants, **kwargs)

    def import_resource_kwargs(self, request) -> dict:
        return {"actor": Actor.staff(request.user)}
