"""Segments: live counts and the members' export."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from customers import selectors, services
from customers.models import Segment
from customers.segment_rules import rules_validate
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved, form_add_domain_error
from sellercenter.errors import InvalidInput
from sellercenter.spreadsheet import csv_streaming_response


class SegmentAdminForm(ShopScopedForm):
    class Meta:
        model = Segment
        fields = ["shop", "name", "description", "match", "rules"]
        help_texts = {
            "rules": gettext_lazy(
                'A list of rules, e.g. [{"kind": "event", "type": "add_to_cart", "within_days": 1, '
                '"after_last_order": true}]. Kinds: attribute, event, purchases, consent, discount_share, tag, '
                "address (see the README)."
            )
        }

    def clean(self):
        cleaned = super().clean()
        if "rules" in cleaned and "match" in cleaned:
            try:
                cleaned["rules"] = rules_validate(cleaned["rules"], match=cleaned["match"])
            except InvalidInput as error:
                form_add_domain_error(self, error)
        return cleaned


class SegmentChangeList(ChangeList):
    """Counts the members of every segment on the page in one query."""

    def get_results(self, request):
        super().get_results(request)
        counts = selectors.segments_member_counts(segments=list(self.result_list))
        for segment in self.result_list:
            segment.member_count = counts[segment.pk]


def members_csv(segments: list[Segment]):
    header = [
        _("segment"),
        _("customer id"),
        _("external id"),
        _("full name"),
        _("e-mail"),
        _("phone"),
        _("journey stage"),
        pgettext("customer profile", "orders"),
        _("total spent"),
        _("last order at"),
    ]
    rows = (
        (
            segment.name,
            customer.pk,
            customer.external_id,
            customer.full_name,
            customer.email,
            customer.phone,
            customer.journey_stage,
            customer.orders_count,
            customer.total_spent,
            customer.last_order_at.isoformat() if customer.last_order_at else "",
        )
        for segment in segments
        for customer in selectors.segment_customers(segment=segment).order_by("pk").iterator(chunk_size=2000)
    )
    name = segments[0].name if len(segments) == 1 else _("segments")
    return csv_streaming_response(f"{name}.csv", header, rows)


@admin.register(Segment)
class SegmentAdmin(ShopScopedAdmin):
    form = SegmentAdminForm
    list_display = ["name", "members", "builtin", "match", "description"]
    list_filter = ["builtin", "match"]
    list_select_related = ["shop"]
    search_fields = ["name"]
    actions = ["export_members"]
    readonly_fields = ["builtin", "live_count"]

    def get_changelist(self, request, **kwargs):
        return SegmentChangeList

    def get_urls(self):
        export = path(
            "<int:pk>/members.csv",
            self.admin_site.admin_view(self.members_csv_view),
            name="customers_segment_members_csv",
        )
        return [export, *super().get_urls()]

    @admin.display(description=gettext_lazy("members"))
    def members(self, obj):
        return obj.member_count

    @admin.display(description=gettext_lazy("members now"))
    def live_count(self, obj):
        if obj.pk is None:
            return "—"
        count = selectors.segment_customers(segment=obj).count()
        url = reverse("admin:customers_segment_members_csv", args=[obj.pk])
        return format_html('{} — <a href="{}">{}</a>', count, url, _("export the members to CSV"))

    def members_csv_view(self, request, pk: int):
        segment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, segment):
            raise PermissionDenied
        return members_csv([segment])

    @admin.action(description=gettext_lazy("Export members to CSV"), permissions=["view"])
    def export_members(self, request, queryset):
        return members_csv(list(queryset.select_related("shop")))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in ("name", "description", "match", "rules")}
        if change:
            segment = services.segment_update(segment=obj, **fields)
        else:
            segment = services.segment_create(shop=data["shop"], **fields)
        adopt_saved(obj, segment)
