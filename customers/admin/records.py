"""Read-only records: events, purchases, merges, personal data requests."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from customers import services
from customers.models import CustomerEvent, CustomerMerge, CustomerPurchase, PersonalDataRequest
from sellercenter.admin_base import (
    ReadOnlyAdminMixin,
    ShopScopedAdmin,
    ShopScopedForm,
    adopt_saved,
    form_add_domain_error,
)
from sellercenter.errors import DomainError


@admin.register(CustomerEvent)
class CustomerEventAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["occurred_at", "type", "customer", "channel", "session_id", "event_id"]
    list_filter = ["type", "channel"]
    list_select_related = ["customer"]
    search_fields = ["event_id", "anonymous_id", "session_id", "customer_external_id"]
    show_full_result_count = False


@admin.register(CustomerPurchase)
class CustomerPurchaseAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["ordered_at", "customer", "reference", "amount", "discounted", "reversed_at"]
    list_filter = ["discounted", ("reversed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["customer"]
    search_fields = ["reference", "customer__full_name", "customer__phone"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["merged_at", "target", "source", "merged_by"]
    list_select_related = ["target", "source", "merged_by"]
    search_fields = ["target__full_name", "target__email", "target__phone"]


class RequestStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", gettext_lazy("Open")), ("done", gettext_lazy("Carried out"))]

    def queryset(self, request, queryset):
        if self.value() in ("open", "done"):
            return queryset.filter(completed_at__isnull=self.value() == "open")
        return queryset


class PersonalDataRequestForm(ShopScopedForm):
    class Meta:
        model = PersonalDataRequest
        fields = ["customer", "kind", "reason"]

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None and not self.errors:
            try:
                services.customer_check_current(customer)
            except DomainError as error:
                form_add_domain_error(self, error)
        return cleaned


@admin.register(PersonalDataRequest)
class PersonalDataRequestAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """Staff record a request received (by phone, e-mail, at the counter) here; it stays open until
    the customer's export or erasure action carries it out. Requests are never changed or deleted."""

    form = PersonalDataRequestForm
    list_display = ["created_at", "kind", "customer", "completed_at", "requested_by", "api_key", "reason"]
    list_filter = [RequestStatusFilter, "kind"]
    list_select_related = ["customer", "requested_by", "api_key"]
    autocomplete_fields = ["customer"]

    def has_add_permission(self, request, obj=None):
        return self._has_shop_perm(request, "add", obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        opened = services.personal_data_request_open(
            customer=data["customer"], kind=data["kind"], requested_by=request.user, reason=data.get("reason", "")
        )
        adopt_saved(obj, opened)
