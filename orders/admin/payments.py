"""Payment gateways (their signing secrets) and payments (read-only)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders import services
from orders.models import Payment, PaymentGateway
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin, ShopScopedForm, adopt_saved


class PaymentGatewayForm(ShopScopedForm):
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The secret the gateway issued (its hash secret). Leave blank to keep the one stored."),
    )

    class Meta:
        model = PaymentGateway
        fields = ["shop", "provider", "merchant_code", "secret", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("secret"):
            self.add_error("secret", _("Enter the signing secret the gateway gave you."))
        return cleaned


@admin.register(PaymentGateway)
class PaymentGatewayAdmin(ShopScopedAdmin):
    form = PaymentGatewayForm
    list_display = ["provider", "merchant_code", "shop", "is_active", "created_at"]
    list_select_related = ["shop"]
    list_filter = ["provider", "is_active"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.payment_gateway_save(
            shop=data.get("shop") or obj.shop,
            provider=data.get("provider") or obj.provider,
            merchant_code=data["merchant_code"],
            secret=data["secret"],
            is_active=data["is_active"],
        )
        adopt_saved(obj, saved)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "provider"] if obj is not None else readonly


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["received_at", "order", "method", "transaction_id", "amount", "outcome"]
    list_filter = ["method", "outcome", ("received_at", admin.DateFieldListFilter)]
    list_select_related = ["order", "shop"]
    search_fields = ["=transaction_id", "=order__number"]
    show_full_result_count = False
