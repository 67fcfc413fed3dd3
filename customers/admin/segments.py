"""Segments: the rule builder and its live count, member counts and the members' export."""

import json

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from customers import selectors, services
from customers.admin.segment_builder import SegmentRulesWidget, rule_error_text, rule_errors
from customers.models import Segment
from customers.segment_rules import rules_validate
from sellercenter.access import has_shop_permission
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved
from sellercenter.db_router import reads_from_replica
from sellercenter.errors import InvalidInput
from sellercenter.models import Shop
from sellercenter.selectors import shops_for_user
from sellercenter.spreadsheet import csv_streaming_response


class SegmentAdminForm(ShopScopedForm):
    class Meta:
        model = Segment
        fields = ["shop", "name", "description", "match", "rules"]
        widgets = {"rules": SegmentRulesWidget}
        help_texts = {
            "rules": gettext_lazy(
                "Build the conditions row by row; the JSON view shows the same rules in the rule language "
                "(kinds: attribute, event, purchases, consent, discount_share, tag, address; see the README)."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["rules"].widget
        widget.count_url = reverse("admin:customers_segment_count")
        widget.shop_id = self.instance.shop_id

    def clean(self):
        cleaned = super().clean()
        if "rules" in cleaned and "match" in cleaned:
            try:
                cleaned["rules"] = rules_validate(cleaned["rules"], match=cleaned["match"])
            except InvalidInput as error:
                for entry in rule_errors(error):
                    self.add_error("match" if entry["field"] == "match" else "rules", rule_error_text(entry))
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


def _count_refused(errors: list[dict]) -> JsonResponse:
    return JsonResponse(
        {
            "detail": _("The segment rules are not valid."),
            "errors": errors,
            "messages": [rule_error_text(e) for e in errors],
        },
        status=400,
    )


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
        count = path("count/", self.admin_site.admin_view(self.count_view), name="customers_segment_count")
        return [export, count, *super().get_urls()]

    @admin.display(description=gettext_lazy("members"))
    def members(self, obj):
        return obj.member_count

    @admin.display(description=gettext_lazy("members now"))
    def live_count(self, obj):
        if obj.pk is None:
            return "—"
        with reads_from_replica():  # a count that tolerates a few seconds of lag
            count = selectors.segment_customers(segment=obj).count()
        url = reverse("admin:customers_segment_members_csv", args=[obj.pk])
        return format_html('{} — <a href="{}">{}</a>', count, url, _("export the members to CSV"))

    def members_csv_view(self, request, pk: int):
        segment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, segment):
            raise PermissionDenied
        return members_csv([segment])

    def count_view(self, request):
        """How many customers of the shop the posted rules match now, for the builder (JSON).
        POST `rules` (the rule language's JSON), `match` and `shop` (needed only when the user has more
        than one shop); refusals are 400 with each message naming the rule row, other shops are 404."""
        if request.method != "POST":
            return JsonResponse({"detail": _("Use POST.")}, status=405)
        shop, refusal = self._count_shop(request)
        if refusal is not None:
            return refusal
        try:
            rules = json.loads(request.POST.get("rules") or "[]")
        except (ValueError, RecursionError):
            return _count_refused([{"field": "rules", "row": None, "key": "", "message": _("Give valid JSON.")}])
        segment = Segment(shop=shop, rules=rules, match=request.POST.get("match") or Segment.Match.ALL)
        try:
            with reads_from_replica():  # a count that tolerates a few seconds of lag
                count = selectors.segment_customers(segment=segment).count()
        except InvalidInput as error:
            return _count_refused(rule_errors(error))
        return JsonResponse({"count": count})

    def _count_shop(self, request) -> tuple[Shop | None, JsonResponse | None]:
        """The shop to count in: the one posted (among the user's shops), else the user's only shop."""
        shops = shops_for_user(request.user)
        value = request.POST.get("shop") or ""
        if value:
            shop = shops.filter(pk=int(value)).first() if value.isdigit() and len(value) < 10 else None
            if shop is None:
                return None, JsonResponse({"detail": _("Not found.")}, status=404)
        else:
            candidates = [] if request.user.is_superuser else list(shops[:2])
            if len(candidates) != 1:
                return None, _count_refused([{"field": "shop", "row": None, "key": "", "message": _("Choose a shop.")}])
            shop = candidates[0]
        if not any(has_shop_permission(request.user, f"customers.{a}_segment", shop) for a in ("view", "change")):
            raise PermissionDenied
        return shop, None

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
