"""Read-only records: events, purchases, merges, personal data requests."""

from django.contrib import admin

from customers.models import CustomerEvent, CustomerMerge, CustomerPurchase, PersonalDataRequest
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin


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


@admin.register(PersonalDataRequest)
class PersonalDataRequestAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["created_at", "kind", "customer", "requested_by", "api_key", "reason"]
    list_filter = ["kind"]
    list_select_related = ["customer", "requested_by", "api_key"]
