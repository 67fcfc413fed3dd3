"""Payouts: recorded by hand or imported from the bank's file."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from import_export.admin import ImportExportMixin

from finance import services
from finance.models import Payout, StatementStatus
from finance.resources import PayoutResource
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved, form_add_domain_error
from sellercenter.errors import InvalidInput
from sellercenter.spreadsheet import EXPORT_FORMATS, IMPORT_FORMATS


class PayoutForm(ShopScopedForm):
    """A payout recorded by hand: the same checks as the import."""

    class Meta:
        model = Payout
        fields = ["statement", "amount", "paid_on", "bank_reference"]

    def clean(self):
        cleaned = super().clean()
        statement = cleaned.get("statement")
        if statement is None or self.errors:
            return cleaned
        try:
            services.payout_check(
                statement=statement,
                amount=cleaned.get("amount"),
                paid_on=cleaned.get("paid_on"),
                bank_reference=cleaned.get("bank_reference") or "",
            )
        except InvalidInput as error:
            form_add_domain_error(self, error)
        return cleaned


@admin.register(Payout)
class PayoutAdmin(ImportExportMixin, ShopScopedAdmin):
    """Payouts. `Import` reads the bank's file (CSV or XLSX: statement_reference, amount, paid_on,
    bank_reference), shows a preview, and applies it only if every row matches its statement."""

    resource_classes = [PayoutResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    form = PayoutForm
    list_display = ["statement", "shop", "amount", "paid_on", "bank_reference", "recorded_by", "recorded_at"]
    list_select_related = ["statement", "shop", "recorded_by"]
    search_fields = ["bank_reference", "statement__reference"]
    date_hierarchy = "paid_on"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "statement" and field is not None:
            field.queryset = field.queryset.filter(status=StatementStatus.CLOSED)
        return field

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*PayoutForm.Meta.fields, "shop", "recorded_by", "recorded_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return PayoutForm.Meta.fields if obj is None else self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        payout = services.payout_record(
            statement=data["statement"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            bank_reference=data["bank_reference"],
            user=request.user,
        )
        adopt_saved(obj, payout)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Something changed between the preview and the confirmation: the file was rolled back.
            self.message_user(request, gettext("Nothing was imported: the file no longer matches."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:finance_payout_changelist"))
        return super().process_result(result, request)
