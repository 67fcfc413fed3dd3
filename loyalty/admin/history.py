"""The ledger and the tier history, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loyalty.models import PointsEntry, TierChange
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = [
        "occurred_at",
        "account",
        "kind",
        "points_shown",
        "pending_delta",
        "available_delta",
        "debt_delta",
        "source",
        "reason",
        "actor",
    ]
    list_select_related = ["account__customer", "actor", "shop"]
    list_filter = ["kind"]
    search_fields = ["source", "account__member_code", "account__customer__full_name"]
    date_hierarchy = "occurred_at"

    @admin.display(description=_("points"))
    def points_shown(self, obj):
        return obj.points


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["occurred_at", "account", "from_tier", "to_tier", "reason", "note", "actor"]
    list_select_related = ["account__customer", "from_tier", "to_tier", "actor", "shop"]
    list_filter = ["reason"]
    search_fields = ["account__member_code", "account__customer__full_name", "note"]
    date_hierarchy = "occurred_at"
