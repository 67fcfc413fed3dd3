"""Consent records: staff record a grant or a withdrawal; records are never changed."""

from django.contrib import admin

from customers import services
from customers.models import ConsentRecord
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved, form_add_domain_error
from sellercenter.errors import DomainError


class ConsentRecordForm(ShopScopedForm):
    class Meta:
        model = ConsentRecord
        fields = ["customer", "channel", "granted", "source", "wording_version", "recorded_at", "evidence"]

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None and not self.errors:
            try:
                services.consent_check(**{name: cleaned.get(name) for name in self.Meta.fields})
            except DomainError as error:
                form_add_domain_error(self, error)
        return cleaned


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ShopScopedAdmin):
    """Consent history. Staff record a grant or a withdrawal here (e.g. from a phone call); records
    are never changed or deleted: they are the proof."""

    form = ConsentRecordForm
    list_display = ["customer", "channel", "granted", "recorded_at", "source", "wording_version", "recorded_by"]
    list_filter = ["channel", "granted", "source"]
    list_select_related = ["customer", "recorded_by"]
    search_fields = ["customer__full_name", "customer__email", "customer__phone", "source", "wording_version"]
    autocomplete_fields = ["customer"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        record = services.consent_record(
            recorded_by=request.user, **{name: data.get(name) for name in ConsentRecordForm.Meta.fields}
        )
        adopt_saved(obj, record)
