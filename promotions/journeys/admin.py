"""Admin for journeys: their versions, steps and results (with the funnel chart), the shop's journey
settings, and the enrolments and messages as read-only records. A journey is created here from
scratch or from the API's template; status changes and edits go through the journey services
(editing a live journey makes a new version)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from promotions.journeys import definitions
from promotions.journeys.results import journey_results
from promotions.models import (
    Enrolment,
    Journey,
    JourneySettings,
    JourneyStatus,
    JourneyStep,
    Message,
    SkipReason,
)
from sellercenter.admin_base import InlineTabMixin, ReadOnlyAdminMixin, ShopScopedAdmin, adopt_saved, scope_choices
from sellercenter.errors import InvalidInput
from sellercenter.money import money_format

CHART_BAR = 26
CHART_GAP = 6
CHART_HEIGHT = 120
FUNNEL = (("reached", "#a0aec0"), ("sent", "#3182ce"), ("clicked", "#38a169"), ("ordered", "#d69e2e"))
# The legend reads as the steps table's headers.
FUNNEL_LABELS = {"reached": _("Reached"), "sent": _("Sent"), "clicked": _("Clicked"), "ordered": _("Orders")}
EDITABLE = ("name", "trigger_delay", "trigger_count", "exit_on_order", "exit_on_cart_emptied")


class JourneyStepFormSet(BaseInlineFormSet):
    """The steps as the journey services take them, checked by the same rules before anything is
    saved: each refusal shows on the step row and the field it names."""

    def _rows(self) -> list:
        rows = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        # Rows keep the order of their positions; a new row without one goes last.
        return sorted(
            rows, key=lambda form: (form.cleaned_data.get("position") is None, form.cleaned_data.get("position") or 0)
        )

    def steps(self) -> list[dict]:
        return [
            {name: form.cleaned_data.get(name) for name in definitions.STEP_FIELDS if name in form.cleaned_data}
            for form in self._rows()
        ]

    def steps_changed(self) -> bool:
        return any(form.has_changed() for form in self.forms) or bool(self.deleted_forms)

    def clean(self):
        super().clean()
        journey = self.instance
        if any(self.errors) or not journey.shop_id:
            return
        rows = self._rows()
        fields = {name: getattr(journey, name) for name in definitions.JOURNEY_FIELDS}
        try:
            definitions.journey_check(shop=journey.shop, fields=fields, steps=self.steps())
        except InvalidInput as error:
            elsewhere = []
            for name, field_messages in error.fields.items():
                parts = name.split(".")
                if parts[0] == "steps" and len(parts) == 3 and parts[2] in rows[int(parts[1])].fields:
                    rows[int(parts[1])].add_error(parts[2], field_messages)
                else:
                    elsewhere += [f"{name}: {message}" for message in field_messages]
            if elsewhere:
                raise ValidationError(elsewhere) from None


# Steps carry no shop of their own: the journey they belong to is the user's shop's, and the journey's
# permissions are theirs. An ended journey's steps are a record.
class JourneyStepInline(InlineTabMixin, admin.StackedInline):
    model = JourneyStep
    formset = JourneyStepFormSet
    extra = 0
    fields = ["position", *definitions.STEP_FIELDS]
    ordering = ["position"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["position"].required = False
        return formset

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.queryset = scope_choices(field.queryset, request.user)
        return field

    def _journeys(self):
        return self.admin_site._registry[Journey]

    def has_view_permission(self, request, obj=None):
        return self._journeys().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if obj is None:
            return self._journeys().has_add_permission(request)
        return self._journeys().has_change_permission(request, obj)

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


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


def skip_labels(skipped: dict[str, int]) -> list[tuple[str, int]]:
    """The reasons messages were skipped for, as staff read them, with their counts (none left out)."""
    return [(SkipReason(reason).label, count) for reason, count in skipped.items() if count]


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
    add_fields = ["shop", "name", "trigger", "trigger_delay", "trigger_count", "segment", *EDITABLE[3:]]

    def get_queryset(self, request):
        entered = Count("enrolments", filter=Q(enrolments__entered_at__isnull=False))
        return super().get_queryset(request).annotate(enrolled_count=entered)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        # The trigger and the segment are chosen when the journey is made; a change is a new journey.
        return super().get_readonly_fields(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # An ended journey is a record of what was sent; duplicate it to start again.
        return super().has_change_permission(request, obj) and (obj is None or obj.status != JourneyStatus.ENDED)

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
                "skipped": skip_labels(results["skipped"]),
                "step_money": [
                    (
                        s,
                        money_format(s["revenue"], currency),
                        money_format(s["voucher_cost"], currency),
                        skip_labels(s["skipped"]),
                    )
                    for s in results["steps"]
                ],
                "chart": funnel_chart(results["steps"]),
                "legend": [(FUNNEL_LABELS[name], colour) for name, colour in FUNNEL],
            },
        )

    def save_model(self, request, obj, form, change):
        pass  # saved with its steps by save_related, through the journey services

    def save_related(self, request, form, formsets, change):
        [steps] = [formset for formset in formsets if isinstance(formset, JourneyStepFormSet)]
        if not change:
            fields = {name: form.cleaned_data[name] for name in definitions.JOURNEY_FIELDS if name in form.cleaned_data}
            saved = definitions.journey_create(shop=form.cleaned_data["shop"], steps=steps.steps(), **fields)
        else:
            changes = {name: form.cleaned_data[name] for name in EDITABLE if name in form.changed_data}
            current = Journey.objects.get(pk=form.instance.pk)
            revised = self.call_service(
                request,
                definitions.journey_revise,
                journey=current,
                steps=steps.steps() if steps.steps_changed() else None,
                **changes,
            )
            saved = revised or current
        # On the request, not on this admin: one ModelAdmin serves every request at once.
        request.journey_saved = saved
        if not change:
            adopt_saved(form.instance, saved)
        # What the admin's change message reads; the steps were written as a whole by the service.
        steps.new_objects, steps.changed_objects, steps.deleted_objects = [], [], []

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
        self.call_service_for_each(
            request,
            queryset,
            service,
            arguments=lambda journey: {"journey": journey},
            done_message=lambda count: done_message,
            permission="promotions.change_journey",
        )

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
