"""Finance settings and fee rules (with their payment rates)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from finance import selectors, services
from finance.models import FeeRule, FinanceSettings, PaymentFeeRate, StatementLine
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, ShopScopedTabularInline
from sellercenter.errors import NotAllowed


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(ShopScopedAdmin):
    list_display = ["shop", "statement_period", "updated_at"]
    list_select_related = ["shop"]


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

    def save_formset(self, request, form, formset, change):
        for rate in formset.save(commit=False):
            rate.shop_id = form.instance.shop_id
            rate.save()
        for rate in formset.deleted_objects:
            rate.delete()
