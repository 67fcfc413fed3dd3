"""Return requests and their actions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders import services
from orders.admin.base import ExchangeForm, ReadOnlyInline, ReasonForm, ReceiveReturnForm
from orders.models import RETURN_RECORD_FIELDS, ReturnLine, ReturnRequest, ReturnStatus
from orders.pipeline import return_next_statuses
from sellercenter.admin_base import ObjectActionsMixin, ShopScopedAdmin


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["order_line", "quantity", "outcome", "refund_amount"]
    readonly_fields = fields


# name -> (label, service, form class, status it leads to)
RETURN_ACTIONS = {
    "approve": (_("Approve"), services.return_approve, None, ReturnStatus.APPROVED),
    "reject": (_("Reject"), services.return_reject, ReasonForm, ReturnStatus.REJECTED),
    "receive": (_("Items received"), services.return_receive, ReceiveReturnForm, ReturnStatus.RECEIVED),
    "refund": (_("Refund"), services.return_refund, None, ReturnStatus.REFUNDED),
    "exchange": (_("Send a replacement"), services.return_exchange, ExchangeForm, ReturnStatus.EXCHANGED),
}


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ObjectActionsMixin, ShopScopedAdmin):
    object_actions = {name: (label, service, form) for name, (label, service, form, _to) in RETURN_ACTIONS.items()}
    service_target = "return_request"
    list_display = ["__str__", "order", "kind", "reason", "status", "refund_amount", "requested_at"]
    list_filter = ["status", "kind", "reason"]
    list_select_related = ["order", "shop"]
    search_fields = ["=order__number"]
    show_full_result_count = False
    inlines = [ReturnLineInline]
    readonly_fields = [
        "order",
        *RETURN_RECORD_FIELDS,
    ]

    def available_actions(self, obj) -> list[str]:
        allowed = set(return_next_statuses(obj.status, obj.kind))
        return [name for name, (*_rest, target) in RETURN_ACTIONS.items() if target in allowed]

    def has_add_permission(self, request):
        return False  # opened through the storefront API, or by staff from the order's page

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["shop", *self.readonly_fields]
