"""The ledger and the tier history, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loyalty.models import PointsEntry, TierChange
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin, actor_shown


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
        actor_shown,
    ]
    list_select_related = ["account__customer", "user", "api_key", "shop"]
    list_filter = ["kind", "actor_kind"]
    search_fields = ["source", "account__member_code", "account__customer__full_name"]
    date_hierarchy = "occurred_at"

    @admin.display(description=_("points"))
    def points_shown(self, obj):
        return obj.points


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["occurred_at", "account", "from_tier", "to_tier", "reason", "note", actor_shown]
    list_select_related = ["account__customer", "from_tier", "to_tier", "user", "api_key", "shop"]
    list_filter = ["reason"]
    search_fields = ["account__member_code", "account__customer__full_name", "note"]
    date_hierarchy = "occurred_at"
