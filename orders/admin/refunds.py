"""Refunds due: what the shop owes its customers after a cancellation, a failed payment or a return,
and the record of the transfer sent back."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders import selectors, services
from orders.admin.base import RefundDoneForm
from orders.models import RefundDue, RefundDueStatus
from sellercenter.admin_base import ObjectActionsMixin, ShopScopedAdmin
from sellercenter.money import money_format


class RefundLateFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("yes", _("Late")), ("waiting", _("Waiting for the returned items"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.refund_late_q(timezone.now()))
        if self.value() == "waiting":
            return queryset.filter(status=RefundDueStatus.DUE, due_at__isnull=True)
        return queryset


@admin.register(RefundDue)
class RefundDueAdmin(ObjectActionsMixin, ShopScopedAdmin):
    """What the shop owes its customers: the due ones first, by deadline; the late ones by filter."""

    object_actions = {"complete": (_("Record the refund"), services.refund_due_complete, RefundDoneForm)}
    service_target = "refund_due"
    list_display = ["order", "source", "amount_display", "method", "due_at", "late", "status", "done_at", "reference"]
    list_filter = ["status", RefundLateFilter, "source", "method"]
    list_select_related = ["order", "shop"]
    search_fields = ["=order__number", "=reference"]
    show_full_result_count = False
    readonly_fields = [
        "order",
        "source",
        "return_request",
        "payment",
        "amount",
        "currency",
        "method",
        "status",
        "created_at",
        "due_at",
        "done_at",
        "done_by",
        "done_actor_kind",
        "reference",
    ]

    def available_actions(self, obj) -> list[str]:
        return ["complete"] if obj.status == RefundDueStatus.DUE else []

    def has_add_permission(self, request):
        return False  # opened by the cancellation, payment and return services

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["shop", *self.readonly_fields]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return money_format(obj.amount, obj.currency)

    @admin.display(description=_("late"), boolean=True)
    def late(self, obj):
        return obj.is_late()
