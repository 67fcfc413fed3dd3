"""Statement lines (read-only) and manual adjustments."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finance import services
from finance.admin.base import SpreadsheetExportMixin
from finance.models import StatementLine, StatementStatus
from finance.resources import StatementLineResource
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved, form_add_domain_error
from sellercenter.errors import InvalidInput


class AdjustmentForm(ShopScopedForm):
    """An adjustment entered by staff: the service checks it before anything is saved."""

    class Meta:
        model = StatementLine
        fields = ["shop", "adjustment", "reason", "order", "corrects"]
        labels = {"adjustment": _("amount")}
        help_texts = {"adjustment": _("Positive: owed to the shop; negative: owed by the shop.")}

    def clean(self):
        cleaned = super().clean()
        shop = cleaned.get("shop")
        if shop is None or self.errors:
            return cleaned
        try:
            services.adjustment_validate(
                shop=shop,
                amount=cleaned.get("adjustment"),
                reason=cleaned.get("reason") or "",
                order=cleaned.get("order"),
                corrects=cleaned.get("corrects"),
            )
        except InvalidInput as error:
            form_add_domain_error(self, error, renamed={"amount": "adjustment"})
        return cleaned


@admin.register(StatementLine)
class StatementLineAdmin(SpreadsheetExportMixin, ShopScopedAdmin):
    resource_classes = [StatementLineResource]
    list_display = [
        "booked_on",
        "kind",
        "order_number",
        "statement",
        "payout_state",
        "gross",
        "commission",
        "payment_fee",
        "refund",
        "net",
    ]  # The other amount columns are on the line's page and in the CSV: the list fits 1440 px.
    list_filter = ["kind", "payout_state"]
    list_select_related = ["shop", "statement"]
    search_fields = ["order_number", "statement__reference", "reason"]
    date_hierarchy = "booked_on"
    raw_id_fields = ["order"]
    form = AdjustmentForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return AdjustmentForm.Meta.fields
        return [field.name for field in StatementLine._meta.concrete_fields if field.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "corrects" and field is not None:
            field.queryset = field.queryset.exclude(status=StatementStatus.OPEN)
        return field

    def has_change_permission(self, request, obj=None):
        return False  # lines are never edited: a correction is a new adjustment

    def has_delete_permission(self, request, obj=None):
        return False

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("statement")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        line = services.adjustment_create(
            shop=data["shop"],
            amount=data["adjustment"],
            reason=data["reason"],
            user=request.user,
            order=data.get("order"),
            corrects=data.get("corrects"),
        )
        adopt_saved(obj, line)
