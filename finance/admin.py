"""Finance in the admin: fee rules, statements and their lines (read-only, exported as CSV or XLSX),
adjustments, payouts (recorded by hand or imported from the bank's file), export jobs and the overview.

Every page is shop-scoped (ShopScopedAdmin); statements and lines are written by the services only.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportMixin

from finance import selectors, services
from finance.models import (
    ExportJob,
    ExportStatus,
    FeeRule,
    FinanceSettings,
    PaymentFeeRate,
    Payout,
    Statement,
    StatementLine,
    StatementPeriod,
    StatementStatus,
)
from finance.resources import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    PayoutResource,
    StatementLineResource,
    StatementResource,
)
from sellercenter.actor import Actor
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, ShopScopedTabularInline
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.money import money_format
from sellercenter.selectors import shops_for_user


def _form_errors(form: forms.Form, error: InvalidInput, renamed: dict | None = None) -> None:
    """Put a service's refusal on the form fields it names (the rest on the form)."""
    for name, field_messages in error.fields.items():
        name = (renamed or {}).get(name, name)
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, str(error))


class SpreadsheetExportMixin(ExportMixin):
    export_formats = EXPORT_FORMATS


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(ShopScopedAdmin):
    list_display = ["shop", "statement_period", "updated_at"]
    list_select_related = ["shop"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is in the audit log.
        saved = services.finance_settings_save(
            shop=form.cleaned_data.get("shop") or obj.shop,
            actor=Actor.staff(request.user),
            statement_period=form.cleaned_data["statement_period"],
        )
        obj.pk = saved.pk
        obj._state = saved._state


class PaymentFeeRateInline(ShopScopedTabularInline):
    model = PaymentFeeRate
    fields = ["payment_method", "rate"]
    extra = 0


class FeeRuleForm(ShopScopedForm):
    def clean(self):
        cleaned = super().clean()
        try:
            services.fee_rule_check_editable(rule=self.instance)
        except NotAllowed as refusal:
            self.add_error(None, str(refusal))
        return cleaned


@admin.register(FeeRule)
class FeeRuleAdmin(ShopScopedAdmin):
    form = FeeRuleForm
    list_display = [
        "effective_from",
        "shop",
        "commission_rate",
        "payment_fee_rate",
        "service_fee_rate",
        "fixed_fee",
        "vat_withholding_rate",
        "pit_withholding_rate",
        "in_use",
    ]
    list_select_related = ["shop"]
    date_hierarchy = "effective_from"
    inlines = [PaymentFeeRateInline]

    def get_queryset(self, request):
        used = StatementLine.objects.filter(fee_rule=OuterRef("pk"))
        return super().get_queryset(request).annotate(is_used=Exists(used))

    @admin.display(boolean=True, description=_("in use"))
    def in_use(self, obj):
        return obj.is_used

    def _used(self, obj) -> bool:
        return obj is not None and selectors.fee_rule_is_used(rule=obj)

    def has_change_permission(self, request, obj=None):
        # A rule that priced orders is kept as it was: its orders keep its rates.
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._used(obj)

    def save_model(self, request, obj, form, change):
        pass  # saved with its payment rates by save_related, through the services (audited)

    def save_related(self, request, form, formsets, change):
        payment_rates = {
            row.cleaned_data["payment_method"]: row.cleaned_data["rate"]
            for formset in formsets
            for row in formset.forms
            if row.cleaned_data and not row.cleaned_data.get("DELETE")
        }
        fields = {name: form.cleaned_data[name] for name in services.FEE_RULE_FIELDS if name in form.cleaned_data}
        actor = Actor.staff(request.user)
        if change:
            rule = services.fee_rule_update(rule=form.instance, actor=actor, payment_rates=payment_rates, **fields)
        else:
            rule = services.fee_rule_create(
                shop=form.cleaned_data["shop"], actor=actor, payment_rates=payment_rates, **fields
            )
        form.instance.pk = rule.pk
        form.instance._state = rule._state
        for formset in formsets:
            # What the admin's change message reads; the rates were replaced as a whole.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        services.fee_rule_delete(rule=obj, actor=Actor.staff(request.user))

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            self.delete_model(request, rule)


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

    @admin.display(description=_("lines"))
    def lines_link(self, obj):
        url = reverse("admin:finance_statementline_changelist") + f"?statement__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.line_count)

    @admin.action(description=_("Close selected statements whose period is over"), permissions=["change"])
    def close_selected(self, request, queryset):
        closed = 0
        for statement in queryset.filter(status=StatementStatus.OPEN).order_by("shop_id", "period_start"):
            if self.call_service(request, services.statement_close, statement=statement) is not None:
                closed += 1
        self.message_user(
            request,
            ngettext("%(count)d statement closed.", "%(count)d statements closed.", closed) % {"count": closed},
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


class AdjustmentForm(ShopScopedForm):
    """An adjustment entered by staff: the service checks it before anything is saved."""

    class Meta:
        model = StatementLine
        fields = ["shop", "adjustment", "reason", "order", "corrects"]
        labels = {"adjustment": _("amount")}
        help_texts = {"adjustment": _("Positive: owed to the shop; negative: owed by the shop.")}

    def clean(self):
        cleaned = super().clean()
        shop = cleaned.get("shop")
        if shop is None or self.errors:
            return cleaned
        try:
            services.adjustment_validate(
                shop=shop,
                amount=cleaned.get("adjustment"),
                reason=cleaned.get("reason") or "",
                order=cleaned.get("order"),
                corrects=cleaned.get("corrects"),
            )
        except InvalidInput as error:
            _form_errors(self, error, renamed={"amount": "adjustment"})
        return cleaned


@admin.register(StatementLine)
class StatementLineAdmin(SpreadsheetExportMixin, ShopScopedAdmin):
    resource_classes = [StatementLineResource]
    list_display = [
        "booked_on",
        "kind",
        "order_number",
        "statement",
        "payout_state",
        "gross",
        "commission",
        "payment_fee",
        "refund",
        "net",
    ]  # The other amount columns are on the line's page and in the CSV: the list fits 1440 px.
    list_filter = ["kind", "payout_state"]
    list_select_related = ["shop", "statement"]
    search_fields = ["order_number", "statement__reference", "reason"]
    date_hierarchy = "booked_on"
    raw_id_fields = ["order"]
    form = AdjustmentForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return AdjustmentForm.Meta.fields
        return [field.name for field in StatementLine._meta.concrete_fields if field.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "corrects" and field is not None:
            field.queryset = field.queryset.exclude(status=StatementStatus.OPEN)
        return field

    def has_change_permission(self, request, obj=None):
        return False  # lines are never edited: a correction is a new adjustment

    def has_delete_permission(self, request, obj=None):
        return False

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("statement")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        line = services.adjustment_create(
            shop=data["shop"],
            amount=data["adjustment"],
            reason=data["reason"],
            user=request.user,
            order=data.get("order"),
            corrects=data.get("corrects"),
        )
        obj.pk, obj._state = line.pk, line._state


class PayoutForm(ShopScopedForm):
    """A payout recorded by hand: the same checks as the import."""

    class Meta:
        model = Payout
        fields = ["statement", "amount", "paid_on", "bank_reference"]

    def clean(self):
        cleaned = super().clean()
        statement = cleaned.get("statement")
        if statement is None or self.errors:
            return cleaned
        try:
            services.payout_check(
                statement=statement,
                amount=cleaned.get("amount"),
                paid_on=cleaned.get("paid_on"),
                bank_reference=cleaned.get("bank_reference") or "",
            )
        except InvalidInput as error:
            _form_errors(self, error)
        return cleaned


@admin.register(Payout)
class PayoutAdmin(ImportExportMixin, ShopScopedAdmin):
    """Payouts. `Import` reads the bank's file (CSV or XLSX: statement_reference, amount, paid_on,
    bank_reference), shows a preview, and applies it only if every row matches its statement."""

    resource_classes = [PayoutResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    form = PayoutForm
    list_display = ["statement", "shop", "amount", "paid_on", "bank_reference", "recorded_by", "recorded_at"]
    list_select_related = ["statement", "shop", "recorded_by"]
    search_fields = ["bank_reference", "statement__reference"]
    date_hierarchy = "paid_on"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "statement" and field is not None:
            field.queryset = field.queryset.filter(status=StatementStatus.CLOSED)
        return field

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*PayoutForm.Meta.fields, "shop", "recorded_by", "recorded_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return PayoutForm.Meta.fields if obj is None else self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        payout = services.payout_record(
            statement=data["statement"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            bank_reference=data["bank_reference"],
            user=request.user,
        )
        obj.pk, obj._state = payout.pk, payout._state

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Something changed between the preview and the confirmation: the file was rolled back.
            self.message_user(request, gettext("Nothing was imported: the file no longer matches."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:finance_payout_changelist"))
        return super().process_result(result, request)


class ExportJobForm(ShopScopedForm):
    class Meta:
        model = ExportJob
        fields = ["shop", "date_from", "date_to", "language"]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", gettext("The range ends before it starts."))
        return cleaned


@admin.register(ExportJob)
class ExportJobAdmin(ShopScopedAdmin):
    """Large exports, written in the background; the list refreshes itself while one is running."""

    change_list_template = "admin/finance/exportjob/change_list.html"
    form = ExportJobForm
    list_display = [
        "created_at",
        "shop",
        "date_from",
        "date_to",
        "language",
        "status",
        "attempts",
        "progress",
        "download",
        "reason",
    ]
    list_filter = ["status"]
    list_select_related = ["shop", "requested_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ExportJobForm.Meta.fields
        return [
            *ExportJobForm.Meta.fields,
            "status",
            "attempts",
            "rows_total",
            "rows_done",
            "error",
            "requested_by",
            "finished_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return format_html(
            '<progress value="{}" max="100" title="{} / {}"></progress> {} %',
            obj.progress_percent,
            obj.rows_done,
            obj.rows_total,
            obj.progress_percent,
        )

    @admin.display(description=_("error"))
    def reason(self, obj):
        return obj.error[:200] if obj.status == ExportStatus.FAILED else ""

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status != ExportStatus.DONE:
            return "—"
        url = reverse("admin:finance_exportjob_download", args=[obj.pk])
        return format_html('<a href="{}">{} CSV</a> · <a href="{}?format=xlsx">XLSX</a>', url, gettext("Download"), url)

    def changelist_view(self, request, extra_context=None):
        busy = self.get_queryset(request).filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).exists()
        return super().changelist_view(request, {**(extra_context or {}), "refresh_seconds": 5 if busy else None})

    def get_urls(self):
        download = path(
            "<path:object_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="finance_exportjob_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, object_id):
        """The job's CSV, or with `?format=xlsx` its XLSX, only for staff of its shop (another shop's job
        is a 404)."""
        job = self.get_object(request, object_id)
        if not self.has_view_permission(request, job) or job.status != ExportStatus.DONE or not job.file:
            raise Http404
        name = job.file.name
        if request.GET.get("format") == "xlsx":
            name = services.export_job_xlsx_name(name)
        if not job.file.storage.exists(name):
            raise Http404
        return FileResponse(job.file.storage.open(name, "rb"), as_attachment=True, filename=name.rsplit("/", 1)[-1])

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        job = services.export_job_create(
            shop=data["shop"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            language=data["language"],
            user=request.user,
        )
        obj.pk, obj._state = job.pk, job._state
