"""Redemptions (read-only)."""

from django.contrib import admin

from promotions.models import Redemption
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """What each order used, read-only: orders record and release redemptions through the services."""

    list_display = [
        "order_ref",
        "campaign",
        "customer",
        "amount",
        "order_total",
        "channel",
        "tier",
        "created_at",
        "released_at",
    ]
    list_filter = ["channel", ("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["campaign", "customer", "tier", "shop"]
    search_fields = ["order_ref", "code", "campaign__name"]
    date_hierarchy = "created_at"
