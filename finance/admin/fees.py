"""Finance settings and fee rules (with their payment rates)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from finance import selectors, services
from finance.models import FeeRule, FinanceSettings, PaymentFeeRate, StatementLine
from sellercenter.actor import Actor
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, ShopScopedTabularInline, adopt_saved
from sellercenter.errors import NotAllowed


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
        adopt_saved(obj, saved)


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
        adopt_saved(form.instance, rule)
        for formset in formsets:
            # What the admin's change message reads; the rates were replaced as a whole.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        services.fee_rule_delete(rule=obj, actor=Actor.staff(request.user))

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            self.delete_model(request, rule)
