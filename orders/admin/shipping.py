"""Shipping in the admin: carrier accounts (credentials entered once, never shown again), shipments
with the carrier's label, tracking events as received, COD remittances with their import, and the
provinces and wards. Writes go through orders.services."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders import services
from orders.models import (
    CarrierAccount,
    CodRemittance,
    CodRemittanceLine,
    Province,
    Shipment,
    TrackingEvent,
    Ward,
)
from orders.shipping.carriers.base import CarrierError
from sellercenter.admin_base import (
    ModelAdmin,
    ReadOnlyAdminMixin,
    ShopScopedAdmin,
    ShopScopedForm,
    ShopScopedTabularInline,
    adopt_saved,
)
from sellercenter.money import money_format


class CarrierAccountForm(ShopScopedForm):
    # Write-only: the saved values are never sent back to the browser; blank keeps them.
    token = forms.CharField(
        label=_("API token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank to keep the saved token."),
    )
    webhook_secret = forms.CharField(
        label=_("webhook secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("GHTK: the hash agreed for the status webhook. Leave blank to keep it."),
    )

    class Meta:
        model = CarrierAccount
        fields = [
            "shop",
            "carrier",
            "name",
            "base_url",
            "carrier_shop_id",
            "service",
            "pickup_name",
            "pickup_phone",
            "pickup_street",
            "pickup_ward",
            "is_default",
            "is_active",
        ]


@admin.register(CarrierAccount)
class CarrierAccountAdmin(ShopScopedAdmin):
    form = CarrierAccountForm
    list_display = ["name", "carrier", "is_default", "is_active", "pickup_ward"]
    list_filter = ["carrier", "is_active"]
    list_select_related = ["shop", "pickup_ward__province"]
    readonly_fields = ["webhook_url", "credentials_saved"]

    def get_fields(self, request, obj=None):
        return [*self.form.Meta.fields, "token", "webhook_secret", "credentials_saved", "webhook_url"]

    @admin.display(description=_("credentials"))
    def credentials_saved(self, obj):
        return gettext("saved (hidden)") if obj and obj.credentials else gettext("none yet")

    @admin.display(description=_("webhook URL to register with the carrier"))
    def webhook_url(self, obj):
        if not obj or not obj.pk:
            return gettext("shown once the account is saved")
        # The path on this site's public address (https://<host>); GHTK also gets the agreed hash.
        path = reverse("api:carriers-webhook", args=[obj.webhook_key])
        return (
            f"https://<host>{path}?hash=<{gettext('webhook secret')}>"
            if obj.carrier == "ghtk"
            else f"https://<host>{path}"
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}
        shop = fields.pop("shop", None) or obj.shop
        credentials = {name: form.cleaned_data.get(name, "") for name in ("token", "webhook_secret")}
        saved = self.call_service(
            request,
            services.carrier_account_save,
            shop=shop,
            carrier=fields.pop("carrier"),
            credentials=credentials,
            account=obj if change else None,
            **fields,
        )
        if saved is not None:
            adopt_saved(obj, saved)


class TrackingEventInline(ReadOnlyAdminMixin, ShopScopedTabularInline):
    model = TrackingEvent
    fields = ["occurred_at", "carrier_status", "milestone", "note", "source", "received_at", "outcome"]
    readonly_fields = fields
    extra = 0
    ordering = ["-occurred_at"]


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["tracking_number", "order", "account", "status", "cod_display", "fee_quoted", "fee_charged"]
    list_filter = ["status", "carrier"]
    list_select_related = ["shop", "order", "account"]
    search_fields = ["=tracking_number", "=order__number"]
    show_full_result_count = False
    inlines = [TrackingEventInline]
    readonly_fields = [
        "order",
        "account",
        "tracking_number",
        "status",
        "carrier_status",
        "cod_amount",
        "insurance_value",
        "weight_grams",
        "fee_quoted",
        "fee_charged",
        "error",
        "booked_at",
        "last_event_at",
        "delivered_at",
        "label_link",
    ]
    fields = readonly_fields

    @admin.display(description=_("COD"), ordering="cod_amount")
    def cod_display(self, obj):
        return money_format(obj.cod_amount, obj.shop.currency)

    @admin.display(description=_("label"))
    def label_link(self, obj):
        if not obj.tracking_number or obj.carrier == "manual":
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:orders_shipment_label", args=[obj.pk]), gettext("print")
        )

    def get_urls(self):
        label = path(
            "<path:object_id>/label/", self.admin_site.admin_view(self.label_view), name="orders_shipment_label"
        )
        return [label, *super().get_urls()]

    def label_view(self, request, object_id):
        """The carrier's own label: GHN's print page, GHTK's PDF."""
        shipment = self.get_object(request, object_id)
        if not self.has_view_permission(request, shipment):
            raise PermissionDenied
        try:
            label = services.shipment_label(shipment=shipment)
        except CarrierError as error:
            self.message_user(
                request, gettext("The carrier gave no label: %(error)s") % {"error": error.message}, messages.ERROR
            )
            return redirect(reverse("admin:orders_shipment_change", args=[shipment.pk]))
        if label is None or not (label.url or label.pdf):
            return redirect(reverse("admin:orders_shipment_change", args=[shipment.pk]))
        if label.url:
            return redirect(label.url)
        response = HttpResponse(label.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{shipment.tracking_number}.pdf"'
        return response


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["occurred_at", "tracking_number", "carrier_status", "milestone", "source", "outcome"]
    list_filter = ["milestone", "source"]
    list_select_related = ["shop"]
    search_fields = ["=tracking_number"]
    show_full_result_count = False


class RemittanceLineInline(ReadOnlyAdminMixin, ShopScopedTabularInline):
    model = CodRemittanceLine
    fields = ["tracking_number", "order", "outcome", "cod_expected", "cod_collected", "fee_quoted", "fee"]
    readonly_fields = fields
    extra = 0


class RemittanceImportForm(forms.Form):
    account = forms.ModelChoiceField(label=_("carrier account"), queryset=CarrierAccount.objects.none())
    reference = forms.CharField(label=_("statement reference"), max_length=100)
    transferred_on = forms.DateField(label=_("transferred on"), initial=date.today)
    file = forms.FileField(label=_("statement file (CSV or XLSX)"))

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts


@admin.register(CodRemittance)
class CodRemittanceAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["reference", "account", "transferred_on", "cod_total", "fee_total", "transfer_amount", "problems"]
    list_select_related = ["shop", "account"]
    inlines = [RemittanceLineInline]
    change_list_template = "admin/orders/codremittance/change_list.html"
    fields = ["account", "reference", "transferred_on", "cod_total", "fee_total", "transfer_amount", "file_name"]
    readonly_fields = fields

    @admin.display(description=_("to look at"))
    def problems(self, obj):
        return obj.lines.exclude(outcome="matched").count()

    def get_urls(self):
        upload = path("import/", self.admin_site.admin_view(self.import_view), name="orders_codremittance_import")
        return [upload, *super().get_urls()]

    def import_view(self, request):
        """Upload a carrier's COD statement; the differences are listed on the page it leads to."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        accounts = self.admin_site._registry[CarrierAccount].get_queryset(request).exclude(carrier="manual")
        form = RemittanceImportForm(request.POST or None, request.FILES or None, accounts=accounts)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            remittance = self.call_service(
                request,
                services.cod_remittance_import,
                account=form.cleaned_data["account"],
                reference=form.cleaned_data["reference"],
                transferred_on=form.cleaned_data["transferred_on"],
                file=services.RemittanceFile(content=upload.read(), file_name=upload.name),
                user=request.user,
            )
            if remittance is not None:
                return redirect(reverse("admin:orders_codremittance_change", args=[remittance.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": gettext("Import a COD statement")}
        return TemplateResponse(request, "admin/orders/codremittance/import.html", context)

    def has_import_permission(self, request) -> bool:
        # Rows are never edited by hand (read-only admin): "change" is the right to import a statement.
        return request.user.has_perm("orders.change_codremittance")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["code", "name", "ghn_province_id", "ghtk_name"]
    search_fields = ["name", "code"]


@admin.register(Ward)
class WardAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["code", "name", "province", "ghn_district_id", "ghn_ward_code", "ghtk_district"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["name", "code"]
