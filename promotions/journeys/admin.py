"""Admin for journeys: their versions, steps and results (with the funnel chart), the shop's journey
settings, and the enrolments and messages as read-only records. Status changes and edits go through
the journey services (editing a live journey makes a new version)."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from promotions.journeys import definitions
from promotions.journeys.results import journey_results
from promotions.models import Enrolment, Journey, JourneySettings, JourneyStep, Message
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin
from sellercenter.money import money_format

CHART_BAR = 26
CHART_GAP = 6
CHART_HEIGHT = 120
FUNNEL = (("reached", "#a0aec0"), ("sent", "#3182ce"), ("clicked", "#38a169"), ("ordered", "#d69e2e"))
EDITABLE = ("name", "trigger_delay", "trigger_count", "exit_on_order", "exit_on_cart_emptied")


# Steps carry no shop of their own: the journey they belong to is already the user's shop's.
class JourneyStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = JourneyStep
    extra = 0
    fields = ["position", "kind", "name", "delay", "until_local_time", "channel", "subject", "campaign", "condition"]
    readonly_fields = fields
    ordering = ["position"]


def funnel_chart(steps: list[dict]) -> dict:
    """Bars for each action step's reached, sent, clicked and ordered counts, scaled to the largest."""
    shown = [s for s in steps if s["kind"] in ("send", "voucher")]
    top = max((s[name] for s in shown for name, _colour in FUNNEL), default=0) or 1
    group = len(FUNNEL) * CHART_BAR + CHART_GAP * 3
    groups = []
    for index, step in enumerate(shown):
        bars = []
        for offset, (name, colour) in enumerate(FUNNEL):
            height = int(step[name] * CHART_HEIGHT / top)
            x = 40 + index * group + offset * CHART_BAR
            bars.append(
                {"x": x, "y": 10 + CHART_HEIGHT - height, "height": height, "value": step[name], "colour": colour}
            )
        groups.append({"label": f"{step['position']}. {step['name']}"[:28], "x": 40 + index * group, "bars": bars})
    return {"groups": groups, "width": 40 + max(len(shown), 1) * group, "top": top, "height": CHART_HEIGHT}


@admin.register(Journey)
class JourneyAdmin(ShopScopedAdmin):
    list_display = ["name", "shop", "trigger", "status", "version", "enrolled", "published_at"]
    list_filter = ["status", "trigger"]
    list_select_related = ["shop"]
    search_fields = ["name"]
    inlines = [JourneyStepInline]
    actions = ["publish", "pause", "resume", "end"]
    fields = ["shop", *EDITABLE, "trigger", "segment", "status", "version", "family", "published_at", "results"]
    readonly_fields = ["trigger", "segment", "status", "version", "family", "published_at", "results"]

    def get_queryset(self, request):
        entered = Count("enrolments", filter=Q(enrolments__entered_at__isnull=False))
        return super().get_queryset(request).annotate(enrolled_count=entered)

    def has_add_permission(self, request):
        # A journey starts from a template (API or demo) with its steps; the admin edits and runs it.
        return False

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, obj):
        return obj.enrolled_count

    @admin.display(description=_("results"))
    def results(self, obj):
        results = journey_results(journey=obj)
        currency = results["currency"]
        return render_to_string(
            "admin/promotions/journey/results.html",
            {
                "results": results,
                "money": {k: money_format(results[k], currency) for k in ("revenue", "voucher_cost")},
                "step_money": [
                    (s, money_format(s["revenue"], currency), money_format(s["voucher_cost"], currency))
                    for s in results["steps"]
                ],
                "chart": funnel_chart(results["steps"]),
                "legend": [(gettext(name), colour) for name, colour in FUNNEL],
            },
        )

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in EDITABLE if name in form.changed_data}
        current = Journey.objects.get(pk=obj.pk)
        revised = self.call_service(request, definitions.journey_revise, journey=current, **changes)
        # On the request, not on this admin: one ModelAdmin serves every request at once.
        request.journey_saved = revised or current

    def save_related(self, request, form, formsets, change):
        """Steps are read-only here; nothing else to save."""

    def response_change(self, request, obj):
        saved = getattr(request, "journey_saved", obj)
        if saved.pk != obj.pk:
            self.message_user(
                request,
                gettext("The journey was live: version %(version)d now takes new customers.")
                % {"version": saved.version},
                level=messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:promotions_journey_change", args=[saved.pk]))
        return super().response_change(request, obj)

    def _transition(self, request, queryset, service, done_message):
        done = sum(1 for journey in queryset if self.call_service(request, service, journey=journey) is not None)
        if done:
            self.message_user(request, done_message % {"count": done}, level=messages.SUCCESS)

    @admin.action(description=_("Publish selected drafts"), permissions=["change"])
    def publish(self, request, queryset):
        self._transition(request, queryset, definitions.journey_publish, gettext("%(count)d journey(s) published."))

    @admin.action(description=_("Pause selected journeys"), permissions=["change"])
    def pause(self, request, queryset):
        self._transition(request, queryset, definitions.journey_pause, gettext("%(count)d journey(s) paused."))

    @admin.action(description=_("Resume selected journeys"), permissions=["change"])
    def resume(self, request, queryset):
        self._transition(request, queryset, definitions.journey_resume, gettext("%(count)d journey(s) resumed."))

    @admin.action(description=_("End selected journeys"), permissions=["change"])
    def end(self, request, queryset):
        self._transition(request, queryset, definitions.journey_end, gettext("%(count)d journey(s) ended."))


@admin.register(JourneySettings)
class JourneySettingsAdmin(ShopScopedAdmin):
    list_display = ["shop", "frequency_cap_hours", "quiet_from", "quiet_until", "storefront_url"]
    list_select_related = ["shop"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["customer", "journey", "status", "exit_reason", "position", "triggered_at", "due_at"]
    list_filter = ["status", "exit_reason"]
    list_select_related = ["customer", "journey", "shop"]
    search_fields = ["customer__full_name", "customer__email", "occurrence"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["customer", "step", "channel", "status", "skip_reason", "created_at", "opened_at", "clicked_at"]
    list_filter = ["status", "skip_reason", "channel"]
    list_select_related = ["customer", "step__journey", "shop"]
    search_fields = ["customer__full_name", "customer__email", "token"]
    exclude = ["token"]
