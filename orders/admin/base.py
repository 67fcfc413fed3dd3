"""What the orders admin pages share: read-only inlines and the forms of the pipeline's object actions
(the buttons themselves are the kernel's `ObjectActionsMixin`)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import CarrierAccount, PaymentMethod, ReturnKind, ReturnOutcome, ReturnReason
from orders.services import ReturnItem, address_of
from sellercenter.admin_base import ActionForm, ShopScopedTabularInline
from sellercenter.money import MoneyFormField


class ReadOnlyInline(ShopScopedTabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("reason"), max_length=255)


class QualityCheckFailForm(ActionForm):
    sku = forms.ChoiceField(label=_("SKU"))
    quantity = forms.IntegerField(label=_("faulty units"), min_value=1, initial=1)
    reason = forms.CharField(label=_("what is wrong"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [(line.sku, f"{line.sku} · {line.name}") for line in self.target.lines.all()]


class ReadyToShipForm(ActionForm):
    carrier = forms.CharField(label=_("carrier"), max_length=100, help_text=_("E.g. GHN, GHTK, Viettel Post."))
    tracking_number = forms.CharField(label=_("tracking number"), max_length=100)


class ShipmentForm(ActionForm):
    account = forms.ModelChoiceField(label=_("carrier account"), queryset=CarrierAccount.objects.none())
    tracking_number = forms.CharField(
        label=_("tracking number"),
        max_length=100,
        required=False,
        help_text=_("Only for self-delivery / other carrier."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = CarrierAccount.objects.filter(shop_id=self.target.shop_id, is_active=True)
        self.fields["account"].queryset = accounts
        self.fields["account"].initial = accounts.filter(is_default=True).first()


class OrderEditForm(forms.Form):
    """The order's delivery address, shipping fee and lines (one `SKU quantity` a line, free gifts
    left out: they follow from the promotions), as they are now; what is changed is edited.

    No address field is required here: an order may lack one a checkout requires (no ward in a
    marketplace report, no address for a counter sale), and an edit of its fee or lines must still
    save. A changed address is checked by the edit service as at checkout, on the field it names."""

    recipient_name = forms.CharField(label=_("recipient"), max_length=200, required=False)
    phone = forms.CharField(label=_("phone"), max_length=32, required=False)
    street = forms.CharField(label=_("street address"), max_length=255, required=False)
    ward = forms.CharField(label=_("ward / commune"), max_length=100, required=False)
    district = forms.CharField(label=_("district"), max_length=100, required=False)
    province = forms.CharField(label=_("province / city"), max_length=100, required=False)
    shipping_fee = MoneyFormField(label=_("shipping fee"), min_value=0, max_digits=18, decimal_places=2)
    lines = forms.CharField(
        label=_("lines"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 40}),
        help_text=_("One line per product: the SKU, a space, the quantity. Free gifts follow from the promotions."),
    )
    ADDRESS = ("recipient_name", "phone", "street", "ward", "district", "province")

    @classmethod
    def initial_for(cls, order) -> dict:
        lines = "\n".join(f"{line.sku} {line.quantity}" for line in order.lines.all() if not line.is_gift)
        return {
            **address_of(order),
            "shipping_fee": order.shipping_fee,
            "lines": lines,
        }

    def clean_lines(self) -> list[tuple[str, int]]:
        wanted, errors = [], []
        for number, text in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not text.strip():
                continue
            sku, _space, quantity = text.strip().rpartition(" ")
            if not sku.strip() or not quantity.isdigit():
                errors.append(gettext("Line %(number)d: give the SKU, a space and the quantity.") % {"number": number})
            else:
                wanted.append((sku.strip(), int(quantity)))
        if errors:
            raise forms.ValidationError(errors)
        return wanted

    def address(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.ADDRESS}


class RefundDoneForm(ActionForm):
    reference = forms.CharField(
        label=_("bank or gateway reference"), max_length=100, help_text=_("The reference of the transfer sent back.")
    )


class ReceiveReturnForm(ActionForm):
    """One outcome per returned SKU: back to stock or written off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for line in self.target.lines.select_related("order_line"):
            self.fields[line.order_line.sku] = forms.ChoiceField(
                label=line.order_line.sku, choices=ReturnOutcome.choices, initial=ReturnOutcome.RESTOCK
            )

    def service_kwargs(self) -> dict:
        return {"outcomes": dict(self.cleaned_data)}


class OpenReturnForm(ActionForm):
    """A return opened by staff (a customer who calls or comes to the counter): units per SKU, why,
    and whether the customer wants their money back or another item."""

    kind = forms.ChoiceField(label=_("kind"), choices=ReturnKind.choices, initial=ReturnKind.REFUND)
    reason = forms.ChoiceField(label=_("reason"), choices=ReturnReason.choices)
    evidence_note = forms.CharField(label=_("evidence"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skus = [line.sku for line in self.target.lines.filter(is_gift=False).order_by("pk")]
        for sku in self.skus:
            self.fields[f"units_{sku}"] = forms.IntegerField(
                label=_("units of %(sku)s") % {"sku": sku}, min_value=0, initial=0
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "reason": data["reason"],
            "evidence_note": data["evidence_note"],
            "items": [ReturnItem(sku, data[f"units_{sku}"]) for sku in self.skus if data[f"units_{sku}"]],
        }


class ExchangeForm(ActionForm):
    """The variant sent for each returned SKU (blank: the same one), and how a price difference is paid."""

    payment_method = forms.ChoiceField(
        label=_("difference paid by"),
        choices=[
            ("", _("as the order")),
            *((m.value, m.label) for m in PaymentMethod if m != PaymentMethod.MARKETPLACE),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skus = [line.order_line.sku for line in self.target.lines.select_related("order_line")]
        for sku in self.skus:
            self.fields[f"variant_{sku}"] = forms.CharField(
                label=_("send instead of %(sku)s") % {"sku": sku},
                max_length=64,
                required=False,
                help_text=_("SKU of another size or colour; blank: the same."),
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        variants = {sku: data[f"variant_{sku}"] for sku in self.skus if data[f"variant_{sku}"]}
        return {"variants": variants, "payment_method": data["payment_method"]}
