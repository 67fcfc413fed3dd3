"""Reviews (staff reply, never edit or delete) and web push subscriptions (read-only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from customers import services
from customers.models import PushSubscription, Review
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin


@admin.register(Review)
class ReviewAdmin(ShopScopedAdmin):
    """Reviews are the customers' words: staff answer them (in public), never edit or delete them."""

    list_display = ["line", "customer", "rating", "short_comment", "replied_at", "created_at"]
    list_filter = ["rating", ("replied_at", admin.EmptyFieldListFilter)]
    list_select_related = ["line", "customer", "shop"]
    search_fields = ["comment", "line__sku", "line__order_ref", "customer__full_name"]
    fields = ["shop", "line", "customer", "rating", "comment", "created_at", "reply", "replied_at", "replied_by"]
    readonly_fields = ["line", "customer", "rating", "comment", "created_at", "replied_at", "replied_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("comment"))
    def short_comment(self, obj):
        return obj.comment[:80]

    def save_model(self, request, obj, form, change):
        if "reply" in form.changed_data:
            self.call_service(request, services.review_reply, review=obj, reply=obj.reply, replied_by=request.user)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["customer", "anonymous_id", "short_endpoint", "created_at", "last_sent_at"]
    list_select_related = ["customer", "shop"]
    search_fields = ["customer__full_name", "anonymous_id"]
    exclude = ["p256dh", "auth"]

    @admin.display(description=gettext_lazy("endpoint"))
    def short_endpoint(self, obj):
        return obj.endpoint[:60]
