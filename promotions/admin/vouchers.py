"""Voucher codes (export)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from promotions.models import Voucher
from promotions.resources import VoucherResource
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin


class UsedFilter(admin.SimpleListFilter):
    title = _("used")
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(used_at__isnull=self.value() == "no")
        return queryset


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdminMixin, ExportMixin, ShopScopedAdmin):
    """Generated codes: read, filter by campaign or batch, export. Codes are made by the campaign's
    batch action, never typed in, and never deleted: a code may already be printed or sent to a
    customer; to stop codes, end the campaign."""

    resource_classes = [VoucherResource]
    list_display = ["code", "campaign", "batch", "used_order_ref", "used_at", "created_at"]
    list_filter = [("campaign", admin.RelatedOnlyFieldListFilter), UsedFilter, "batch"]
    list_select_related = ["campaign", "shop"]
    search_fields = ["code", "used_order_ref"]
