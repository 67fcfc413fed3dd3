"""Campaigns: status, spend, the form checked by the service's rules, actions, results, voucher batches."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.models import Channel
from promotions import selectors, services
from promotions.models import Campaign, CodeMode, Kind, Status
from promotions.quotes import Reason
from sellercenter.actor import Actor
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved, form_add_domain_error
from sellercenter.errors import InvalidInput
from sellercenter.money import money_format
from sellercenter.selectors import shops_for_user

STATUS_COLOURS = {
    Status.DRAFT: "#777",
    Status.SCHEDULED: "#2b6cb0",
    Status.ACTIVE: "#2f855a",
    Status.PAUSED: "#b7791f",
    Status.ENDED: "#4a5568",
    Status.EXHAUSTED: "#c53030",
}


CHART_DAYS = 30


CHART_HEIGHT = 100


def _formatted_rows(rows, currency: str) -> list[tuple]:
    return [(row, money_format(row.cost, currency), money_format(row.revenue, currency)) for row in rows]


class CampaignForm(ShopScopedForm):
    skus = forms.CharField(
        label=_("SKUs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a SKU discount: one SKU per line, or separated by commas."),
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )

    class Meta:
        model = Campaign
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "skus" in self.fields and self.instance.pk:
            self.initial["skus"] = "\n".join(self.instance.skus)

    def clean_skus(self) -> list[str]:
        raw = self.cleaned_data.get("skus") or ""
        return [sku.strip() for sku in raw.replace(",", "\n").splitlines() if sku.strip()]

    def terms(self) -> dict:
        """The campaign terms the form edits (the read-only ones are not in it)."""
        terms = {name: self.cleaned_data[name] for name in services.TERMS if name in self.cleaned_data}
        if "tiers" in terms:
            terms["tiers"] = list(terms["tiers"])
        return terms

    def clean(self):
        cleaned = super().clean()
        shop = cleaned.get("shop") or (self.instance.shop if self.instance.shop_id else None)
        if shop is None or self.errors:
            return cleaned
        existing = self.instance if self.instance.pk else None
        base = services.campaign_terms(existing) if existing else services.OPTIONAL_TERMS
        try:
            services.campaign_validate(shop=shop, terms={**base, **self.terms()}, campaign=existing)
        except InvalidInput as error:
            form_add_domain_error(self, error)
        return cleaned


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(current_status=self.value()) if self.value() else queryset


class BudgetFilter(admin.SimpleListFilter):
    title = _("budget")
    parameter_name = "budget"

    def lookups(self, request, model_admin):
        return [("running_out", _("Runs out before the end"))]

    def queryset(self, request, queryset):
        if self.value() != "running_out":
            return queryset
        now = timezone.now()
        # Few campaigns run at once: the pace is checked on them in Python.
        running = queryset.model.objects.filter(pk__in=queryset.values("pk")).running(now)
        return queryset.filter(pk__in=[c.pk for c in running if c.runs_out_before_end(now)])


def status_badge(status: str):
    return format_html(
        '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px;white-space:nowrap">{}</span>',
        STATUS_COLOURS[status],
        Status(status).label,
    )


class ShopTimeZoneMixin:
    """Render the change form and the list in the shop's time zone: the object's shop, or the
    staff member's only shop (the server's zone for the marketplace operator's lists)."""

    def _time_zone(self, request, object_id=None):
        if object_id:
            shop_zone = self.model.objects.filter(pk=object_id).values_list("shop__time_zone", flat=True).first()
            if shop_zone:
                return shop_zone
        shops = list(shops_for_user(request.user)[:2])
        return shops[0].tzinfo if len(shops) == 1 else timezone.get_current_timezone()

    def _in_shop_time(self, request, object_id, view, *args, **kwargs):
        with timezone.override(self._time_zone(request, object_id)):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._in_shop_time(request, object_id, super().changeform_view, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._in_shop_time(request, None, super().changelist_view, extra_context)


@admin.register(Campaign)
class CampaignAdmin(ShopTimeZoneMixin, ShopScopedAdmin):
    form = CampaignForm
    list_display = ["name", "shop", "kind", "status_display", "budget_bar", "starts_at", "ends_at", "uses", "code_mode"]
    list_filter = [StatusFilter, BudgetFilter, "kind", "code_mode"]
    list_select_related = ["shop"]
    search_fields = ["name", "code"]
    filter_horizontal = ["tiers"]
    autocomplete_fields = []
    actions = ["publish", "pause", "resume", "end", "duplicate", "generate_vouchers"]
    base_readonly = ["status_display", "budget_bar", "uses", "vouchers_summary", "results"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status()

    def _warn_gifts(self, request, campaigns) -> None:
        """A running gift campaign whose gift ran out gives nothing: say so where staff look."""
        for campaign, reason in selectors.gifts_unavailable(campaigns=campaigns):
            self.message_user(
                request,
                gettext("%(campaign)s: %(reason)s (gift %(sku)s)")
                % {"campaign": campaign.name, "reason": Reason(reason).label, "sku": campaign.gift_sku},
                level=messages.WARNING,
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and request.method == "GET":
            self._warn_gifts(request, self.get_queryset(request).filter(pk=object_id).select_related("shop"))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            gifts = self.get_queryset(request).filter(kind=Kind.FREE_GIFT).running(timezone.now())
            self._warn_gifts(request, gifts.select_related("shop"))
        return super().changelist_view(request, extra_context)

    def get_fieldsets(self, request, obj=None):
        """What the campaign is and its results on top; its settings as tabs under them."""
        tabs = [
            (_("Offer"), ["kind", "value", "skus", "gift_sku", "gift_quantity", "min_subtotal", "max_discount"]),
            (_("Dates (shop time)"), ["starts_at", "ends_at"]),
            (_("Budget and limits"), ["budget", "budget_bar", "uses", "usage_limit_total", "usage_limit_per_customer"]),
            (_("Who may use it"), ["tiers", "segment", "channels", "first_order_only"]),
            (_("Stacking and codes"), ["exclusive", "priority", "code_mode", "code", "vouchers_summary"]),
        ]
        fieldsets = [(None, {"fields": ["shop", "name", "description", "status_display"]})]
        if obj is not None:
            fieldsets.append((_("Results"), {"fields": ["results"]}))
        return [*fieldsets, *((name, {"fields": fields, "classes": ["tab"]}) for name, fields in tabs)]

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), *self.base_readonly]
        if obj is not None and obj.status not in (Status.DRAFT, Status.SCHEDULED):
            # What it offers and to whom is fixed once it started; only the live terms stay editable.
            readonly += [name for name in services.TERMS if name not in services.LIVE_TERMS]
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            campaign = services.campaign_update(campaign=obj, actor=Actor.staff(request.user), **form.terms())
        else:
            campaign = services.campaign_create(
                shop=form.cleaned_data["shop"], actor=Actor.staff(request.user), **form.terms()
            )
        adopt_saved(obj, campaign)

    def save_related(self, request, form, formsets, change):
        # The service already set the tiers; only inlines (none today) are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # --- columns and read-only fields ---

    @admin.display(description=_("status"), ordering="current_status")
    def status_display(self, obj):
        if obj.pk is None:
            return "-"
        return status_badge(getattr(obj, "current_status", None) or obj.status)

    @admin.display(description=_("spent / budget"))
    def budget_bar(self, obj):
        if obj.pk is None:
            return "-"
        share = min(100, int(obj.spent * 100 / obj.budget)) if obj.budget else 0
        colour = "#c53030" if share >= 90 else "#2f855a"
        currency = obj.shop.currency
        return format_html(
            '<div style="width:140px;background:#e2e8f0;border-radius:4px" title="{}%">'
            '<div style="width:{}%;background:{};height:8px;border-radius:4px"></div></div>'
            '<small style="white-space:nowrap">{} / {}</small>',
            share,
            share,
            colour,
            money_format(obj.spent, currency),
            money_format(obj.budget, currency),
        )

    @admin.display(description=_("uses"), ordering="uses_count")
    def uses(self, obj):
        if obj.usage_limit_total:
            return f"{obj.uses_count} / {obj.usage_limit_total}"
        return obj.uses_count

    @admin.display(description=_("voucher codes"))
    def vouchers_summary(self, obj):
        if obj.pk is None or obj.code_mode != CodeMode.UNIQUE:
            return "-"
        total = obj.vouchers.count()
        used = obj.vouchers.filter(used_at__isnull=False).count()
        listing = reverse("admin:promotions_voucher_changelist") + f"?campaign__id__exact={obj.pk}"
        generate = reverse("admin:promotions_campaign_generate_vouchers", args=[obj.pk])
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            gettext("%(total)d codes, %(used)d used") % {"total": total, "used": used},
            listing,
            gettext("list and export"),
            generate,
            gettext("generate a batch"),
        )

    @admin.display(description=_("results"))
    def results(self, obj):
        results = selectors.campaign_results(campaign=obj)
        currency = results.currency
        recent = results.daily[-CHART_DAYS:]
        top = max((day.cost for day in recent), default=0) or 1
        bars = []
        for index, day in enumerate(recent):
            height = int(day.cost * CHART_HEIGHT / top)
            title = f"{day.day:%d/%m}: {money_format(day.cost, currency)} ({day.redemptions})"
            bars.append({"x": index * 12, "y": CHART_HEIGHT - height, "height": height, "title": title})
        return render_to_string(
            "admin/promotions/campaign/results.html",
            {
                "results": results,
                "money": {
                    name: money_format(getattr(results, name), currency)
                    for name in ("budget", "spent", "remaining", "cost", "revenue", "pace_per_day")
                },
                "rows": {
                    gettext("By member tier"): _formatted_rows(results.by_tier, currency),
                    gettext("By channel"): _formatted_rows(results.by_channel, currency),
                },
                "bars": bars,
                "chart_width": max(len(bars) * 12, 12),
                "first_day": recent[0].day if recent else None,
                "last_day": recent[-1].day if recent else None,
            },
        )

    # --- actions ---

    def _transition(self, request, queryset, service, done_message, permission="promotions.change_campaign"):
        """Run `service` on each selected campaign whose shop lets the user's role do it (as the API)."""
        self.call_service_for_each(
            request,
            queryset.select_related("shop"),
            service,
            target="campaign",
            done_message=lambda count: done_message,
            permission=permission,
        )

    @admin.action(description=_("Publish selected drafts"), permissions=["change"])
    def publish(self, request, queryset):
        self._transition(request, queryset, services.campaign_publish, gettext("%(count)d campaign(s) published."))

    @admin.action(description=_("Pause selected campaigns"), permissions=["change"])
    def pause(self, request, queryset):
        self._transition(request, queryset, services.campaign_pause, gettext("%(count)d campaign(s) paused."))

    @admin.action(description=_("Resume selected campaigns"), permissions=["change"])
    def resume(self, request, queryset):
        self._transition(request, queryset, services.campaign_resume, gettext("%(count)d campaign(s) resumed."))

    @admin.action(description=_("End selected campaigns now"), permissions=["change"])
    def end(self, request, queryset):
        self._transition(request, queryset, services.campaign_end, gettext("%(count)d campaign(s) ended."))

    @admin.action(description=_("Duplicate selected campaigns as drafts"), permissions=["add"])
    def duplicate(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.campaign_duplicate,
            gettext("%(count)d draft copy(ies) made."),
            permission="promotions.add_campaign",
        )

    @admin.action(description=_("Generate a batch of voucher codes"), permissions=["change"])
    def generate_vouchers(self, request, queryset):
        campaigns = list(queryset[:2])
        if len(campaigns) != 1:
            self.message_user(request, gettext("Select exactly one campaign."), level=messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("admin:promotions_campaign_generate_vouchers", args=[campaigns[0].pk]))

    # --- the voucher batch page ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/vouchers/generate/",
                self.admin_site.admin_view(self.generate_vouchers_view),
                name="promotions_campaign_generate_vouchers",
            ),
            *super().get_urls(),
        ]

    def generate_vouchers_view(self, request, object_id):
        campaign = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        form = VoucherBatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            vouchers = self.call_service(request, services.vouchers_generate, campaign=campaign, **form.cleaned_data)
            if vouchers is not None:
                self.message_user(
                    request,
                    ngettext("%(count)d code generated.", "%(count)d codes generated.", len(vouchers))
                    % {"count": len(vouchers)},
                    level=messages.SUCCESS,
                )
                listing = reverse("admin:promotions_voucher_changelist")
                query = urlencode({"campaign__id__exact": campaign.pk, "batch": vouchers[0].batch})
                return HttpResponseRedirect(f"{listing}?{query}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "form": form,
            "title": gettext("Generate voucher codes"),
        }
        return TemplateResponse(request, "admin/promotions/campaign/generate_vouchers.html", context)


class VoucherBatchForm(forms.Form):
    count = forms.IntegerField(label=_("how many codes"), min_value=1, max_value=services.MAX_VOUCHERS_PER_BATCH)
    prefix = forms.CharField(
        label=_("prefix"), max_length=12, required=False, help_text=_("E.g. TET26: codes look like TET26K7QM2XRP4A.")
    )
