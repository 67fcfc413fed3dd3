"""Statements: close, mark paid, the overview chart."""

from datetime import timedelta

from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from finance import selectors, services
from finance.admin.base import SpreadsheetExportMixin
from finance.models import Statement, StatementLine, StatementPeriod, StatementStatus
from finance.resources import StatementResource
from sellercenter.admin_base import ShopScopedAdmin
from sellercenter.money import money_format
from sellercenter.selectors import shops_for_user


@admin.register(Statement)
class StatementAdmin(SpreadsheetExportMixin, ShopScopedAdmin):
    resource_classes = [StatementResource]
    change_list_template = "admin/finance/statement/change_list.html"
    list_display = [
        "reference",
        "shop",
        "period_from",
        "period_to",
        "status",
        "total_net",
        "closing_balance",
        "payout_amount",
        "paid_on",
        "lines_link",
    ]
    list_filter = ["status", "period_kind"]
    list_select_related = ["shop", "payout"]
    search_fields = ["reference"]
    date_hierarchy = "period_start"
    actions = ["close_selected"]
    readonly_fields = ["paid_on", "bank_reference"]
    fieldsets = [
        (None, {"fields": ["shop", "reference", "period_kind", "period_from", "period_to", "status", "currency"]}),
        (
            _("Totals"),
            {
                "fields": [
                    "opening_balance",
                    "total_gross",
                    "total_seller_discount",
                    "total_shipping_charged",
                    "total_shipping_cost",
                    "total_commission",
                    "total_payment_fee",
                    "total_service_fee",
                    "total_fixed_fee",
                    "total_refund",
                    "total_adjustment",
                    "total_vat_withheld",
                    "total_pit_withheld",
                    "total_net",
                    "closing_balance",
                    "payout_amount",
                    "line_count",
                ]
            },
        ),
        (_("Closing and payout"), {"fields": ["closed_at", "digest", "settled_at", "paid_on", "bank_reference"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # "change" is the right to close statements (the action); a statement's page is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("paid on"))
    def paid_on(self, obj):
        payout = getattr(obj, "payout", None)
        return payout.paid_on if payout else None

    @admin.display(description=_("bank reference"))
    def bank_reference(self, obj):
        payout = getattr(obj, "payout", None)
        return payout.bank_reference if payout else ""

    @admin.display(description=pgettext_lazy("statement", "lines"))
    def lines_link(self, obj):
        url = reverse("admin:finance_statementline_changelist") + f"?statement__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.line_count)

    @admin.action(description=_("Close selected statements whose period is over"), permissions=["change"])
    def close_selected(self, request, queryset):
        self.call_service_for_each(
            request,
            queryset.filter(status=StatementStatus.OPEN).order_by("shop_id", "period_start"),
            services.statement_close,
            arguments=lambda statement: {"statement": statement},
            done_message=lambda count: ngettext("%(count)d statement closed.", "%(count)d statements closed.", count),
        )

    def get_urls(self):
        overview = path("overview/", self.admin_site.admin_view(self.overview_view), name="finance_statement_overview")
        return [overview, *super().get_urls()]

    def overview_view(self, request):
        """Revenue and deductions per week or month, with a chart, for one of the user's shops."""
        if not self.has_view_permission(request):
            raise Http404
        shops = list(shops_for_user(request.user).filter(is_active=True))
        shop = next((s for s in shops if str(s.pk) == request.GET.get("shop")), shops[0] if shops else None)
        period = request.GET.get("period")
        period = period if period in StatementPeriod.values else StatementPeriod.WEEKLY
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Finance overview"),
            "shops": shops,
            "shop": shop,
            "period": period,
            "periods": StatementPeriod.choices,
        }
        if shop is not None:
            context.update(_overview_chart(shop, period))
        return TemplateResponse(request, "admin/finance/overview.html", context)


CHART_DEDUCTIONS = (
    "seller_discount",
    "shipping_cost",
    "commission",
    "payment_fee",
    "service_fee",
    "fixed_fee",
    "refund",
    "vat_withheld",
    "pit_withheld",
)


def _overview_chart(shop, period: str) -> dict:
    """The overview's figures and bar heights (percent of the largest bucket), for a CSS chart."""
    date_to = timezone.localdate(timezone=shop.tzinfo)
    span = timedelta(weeks=12) if period == StatementPeriod.WEEKLY else timedelta(days=365)
    overview = selectors.finance_overview(shop=shop, period=period, date_from=date_to - span, date_to=date_to)
    bars = []
    for bucket in overview.buckets:
        revenue = (bucket["gross"] or 0) + (bucket["shipping_charged"] or 0)
        deductions = -sum((bucket[column] or 0) for column in CHART_DEDUCTIONS)
        bars.append({"start": bucket["start"], "revenue": revenue, "deductions": deductions, "net": bucket["net"]})
    peak = max([abs(value) for bar in bars for value in (bar["revenue"], bar["deductions"])] or [1]) or 1
    for bar in bars:
        bar["revenue_pct"] = round(100 * max(bar["revenue"], 0) / peak)
        bar["deductions_pct"] = round(100 * max(bar["deductions"], 0) / peak)
        bar["revenue_text"] = money_format(bar["revenue"], shop.currency)
        bar["deductions_text"] = money_format(bar["deductions"], shop.currency)
        bar["net_text"] = money_format(bar["net"] or 0, shop.currency)
    states = [
        (label, money_format(overview.by_payout_state[value], shop.currency))
        for value, label in StatementLine._meta.get_field("payout_state").choices
    ]
    return {"bars": bars, "payout_states": states, "date_from": date_to - span, "date_to": date_to}
