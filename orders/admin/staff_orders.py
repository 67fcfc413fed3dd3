"""The page on which staff enter an order (a chat, phone or counter sale): the order admin's add page.

It works with plain form submits, no script: each button posts the whole form. A barcode scanner
types the code and Enter into the product field, and Enter submits the form with its first button,
"Add", so a scan adds its line. Prices come from the checkout's own preview and the order from
the staff order service over the checkout (orders.services.staff_order_place): no second pricing.
"""

import re

from django import forms
from django.contrib import messages
from django.forms import formset_factory
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Customer
from customers.selectors import customer_find_by_phone, customer_list, customer_search
from orders import selectors, services
from orders.models import PaymentMethod
from orders.pipeline import Actor
from orders.pricing import CartLine
from sellercenter.access import has_shop_permission
from sellercenter.admin_base import domain_error_message, form_add_domain_error
from sellercenter.errors import DomainError
from sellercenter.models import Shop
from sellercenter.money import MoneyFormField, money_format
from sellercenter.selectors import shops_for_user

PERMISSION = "orders.add_order"
# Marketplace orders are imported from the marketplace's file, not typed in.
STAFF_CHANNELS = [Channel.PHONE, Channel.CHAT, Channel.POS, Channel.FANPAGE, Channel.WEBSITE, Channel.APP]
STAFF_PAYMENTS = [
    PaymentMethod.COD,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.CASH,
    PaymentMethod.VNPAY,
    PaymentMethod.MOMO,
]
CUSTOMER_MATCHES = 10
ADDRESS_FIELDS = ("recipient_name", "phone", "street", "ward", "district", "province")


class LineForm(forms.Form):
    sku = forms.CharField(max_length=64, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("quantity"), min_value=0, max_value=9999)


LineFormSet = formset_factory(LineForm, extra=0, max_num=100, absolute_max=100)


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # Two profiles may share a name: staff tell them apart by phone and e-mail.
        return " · ".join(part for part in (obj.full_name or f"#{obj.pk}", obj.phone, obj.email) if part)


class StaffOrderForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("shop"), queryset=None, empty_label=None)
    add_text = forms.CharField(
        label=_("add a product"),
        max_length=255,
        required=False,
        help_text=_("SKU, part of the name, or scan the barcode."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    add_quantity = forms.IntegerField(label=_("units"), min_value=1, max_value=9999, initial=1, required=False)
    customer_query = forms.CharField(
        label=_("find a customer"),
        max_length=100,
        required=False,
        help_text=_("Phone number typed any way, name or e-mail."),
    )
    customer = CustomerChoiceField(
        label=_("customer"), queryset=Customer.objects.none(), required=False, widget=forms.RadioSelect
    )
    new_full_name = forms.CharField(label=_("new customer's name"), max_length=200, required=False)
    new_phone = forms.CharField(label=_("new customer's phone"), max_length=32, required=False)
    new_email = forms.EmailField(label=_("new customer's e-mail"), max_length=254, required=False)
    channel = forms.ChoiceField(label=_("channel"), choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    payment_method = forms.ChoiceField(label=_("payment method"), choices=[(m.value, m.label) for m in STAFF_PAYMENTS])
    voucher_codes = forms.CharField(
        label=_("voucher codes"), max_length=200, required=False, help_text=_("Separated by spaces or commas.")
    )
    points = forms.IntegerField(label=_("points to redeem"), min_value=0, initial=0, required=False)
    shipping_fee = MoneyFormField(
        label=_("shipping fee"), min_value=0, max_digits=18, decimal_places=2, initial=0, required=False
    )
    recipient_name = forms.CharField(label=_("recipient"), max_length=200, required=False)
    phone = forms.CharField(label=_("recipient's phone"), max_length=32, required=False)
    street = forms.CharField(label=_("street address"), max_length=255, required=False)
    ward = forms.CharField(label=_("ward / commune"), max_length=100, required=False)
    district = forms.CharField(label=_("district"), max_length=100, required=False)
    province = forms.CharField(label=_("province / city"), max_length=100, required=False)
    note = forms.CharField(label=_("note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops
        if len(shops) == 1:
            self.fields["shop"].initial = shops[0].pk
            self.fields["shop"].widget = forms.HiddenInput()

    def limit_customers(self, shop, candidates) -> None:
        """The customers one may choose: the matches shown, and the one chosen before (of `shop` only)."""
        chosen = self.data.get(self.add_prefix("customer")) or None
        ids = {customer.pk for customer in candidates}
        if chosen and str(chosen).isdigit():
            ids.add(int(chosen))
        self.fields["customer"].queryset = Customer.objects.current().filter(shop=shop, pk__in=ids).order_by("pk")

    def codes(self) -> list[str]:
        return [code for code in re.split(r"[\s,;]+", self.cleaned_data.get("voucher_codes") or "") if code]

    def address(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in ADDRESS_FIELDS}


def _renamed(name: str) -> str:
    """The form field of a name the checkout gives in its errors."""
    if name.startswith("shipping_address."):
        return name.removeprefix("shipping_address.")
    if name.startswith("customer."):
        return "new_" + name.removeprefix("customer.")
    return name


class StaffOrderPage:
    """One request to the page: its form, its lines, what the buttons asked for."""

    template = "admin/orders/order/staff_order.html"

    def __init__(self, model_admin, request):
        self.model_admin, self.request = model_admin, request
        allowed = [
            shop.pk for shop in shops_for_user(request.user) if has_shop_permission(request.user, PERMISSION, shop)
        ]
        self.shops = Shop.objects.filter(pk__in=allowed).order_by("name")
        data = request.POST.copy() if request.method == "POST" else None
        self.form = StaffOrderForm(data, shops=self.shops)
        self.lines = LineFormSet(data, prefix="lines")
        self.customer_matches: list[Customer] = []
        self.product_matches = []
        self.pricing = None

    # --- reading the form --------------------------------------------------------------------------

    def shop(self):
        field = self.form.fields["shop"]
        try:
            return field.clean(self.form.data.get("shop") if self.form.is_bound else field.initial)
        except forms.ValidationError:
            return self.shops[0] if len(self.shops) == 1 else None

    def cart_lines(self) -> list[CartLine]:
        if not self.lines.is_valid():
            return []
        quantities: dict[str, int] = {}
        for row in self.lines.cleaned_data:
            if row and row["quantity"] > 0:
                quantities[row["sku"]] = quantities.get(row["sku"], 0) + row["quantity"]
        return [CartLine(sku, quantity) for sku, quantity in quantities.items()]

    # --- what the buttons do -----------------------------------------------------------------------

    def respond(self):
        shop = self.shop()
        if self.form.is_bound and shop is not None:
            self._find_customers(shop)
            self._add_products(shop)
        self.form.limit_customers(shop, self.customer_matches)
        action = self.request.POST.get("do", "")
        if self.form.is_bound and shop is not None and self.form.is_valid() and not self.product_matches:
            if action == "create" and not self.form.cleaned_data["add_text"]:
                order = self._create(shop)
                if order is not None:
                    return redirect(reverse("admin:orders_order_change", args=[order.pk]))
            if action in ("preview", "create") or self.cart_lines():
                self._preview(shop)
        return TemplateResponse(self.request, self.template, self._context())

    def _find_customers(self, shop) -> None:
        query = (self.form.data.get("customer_query") or "").strip()
        if query:
            found = customer_search(customer_list(shop=shop), query)
            self.customer_matches = list(found.order_by("pk")[:CUSTOMER_MATCHES])
            if not self.customer_matches:
                self._message(gettext("No customer matches “%(query)s”: enter a new one.") % {"query": query})

    def _add_products(self, shop) -> None:
        """The product field, or a "add this one" button among several name matches, adds a line."""
        data = self.form.data
        chosen = (data.get("add_sku") or "").strip()
        text = chosen or (data.get("add_text") or "").strip()
        if not text:
            return
        found = selectors.product_find_for_sale(shop=shop, text=text)
        exact = [product for product in found if product.sku.lower() == text.lower()]
        if exact or len(found) == 1:
            self._append_line((exact or found)[0].sku, data.get("add_quantity") or "1")
        elif found:
            self.product_matches = found
        else:
            self._message(gettext("No product for sale matches “%(text)s”.") % {"text": text})

    def _append_line(self, sku: str, quantity: str) -> None:
        """Add units to the line of `sku`, or a new line; the product field is emptied for the next scan."""
        data = self.form.data
        units = int(quantity) if str(quantity).isdigit() and int(quantity) > 0 else 1
        total = str(data.get("lines-TOTAL_FORMS") or "")
        count = min(int(total), LineFormSet.absolute_max) if total.isdigit() else 0
        for index in range(count):
            if data.get(f"lines-{index}-sku") == sku:
                current = data.get(f"lines-{index}-quantity") or "0"
                data[f"lines-{index}-quantity"] = str((int(current) if current.isdigit() else 0) + units)
                break
        else:
            data[f"lines-{count}-sku"], data[f"lines-{count}-quantity"] = sku, str(units)
            data["lines-TOTAL_FORMS"], data["lines-INITIAL_FORMS"] = str(count + 1), "0"
        data["add_text"], data["add_quantity"] = "", "1"
        self.form = StaffOrderForm(data, shops=self.shops)
        self.lines = LineFormSet(data, prefix="lines")

    def _buyer(self, shop) -> Customer | None:
        """Who the preview prices for: the customer chosen, or the one the new customer's phone finds."""
        return self.form.cleaned_data.get("customer") or customer_find_by_phone(
            shop=shop, phone=self.form.cleaned_data.get("new_phone") or ""
        )

    def _preview(self, shop) -> None:
        cleaned, buyer = self.form.cleaned_data, self._buyer(shop)
        try:
            self.pricing = selectors.checkout_preview(
                shop=shop,
                customer_external_id="",
                customer_pk=buyer.pk if buyer else None,
                channel=cleaned["channel"],
                lines=self.cart_lines(),
                voucher_codes=self.form.codes(),
                shipping_fee=cleaned.get("shipping_fee") or 0,
                points=cleaned.get("points") or 0,
            )
        except DomainError as error:
            self._refused(error)

    def _create(self, shop):
        cleaned = self.form.cleaned_data
        try:
            order = services.staff_order_place(
                shop=shop,
                actor=Actor.staff(self.request.user),
                customer=cleaned.get("customer"),
                new_customer={
                    "full_name": cleaned["new_full_name"],
                    "phone": cleaned["new_phone"],
                    "email": cleaned["new_email"],
                },
                channel=cleaned["channel"],
                lines=self.cart_lines(),
                shipping_address=self.form.address(),
                payment_method=cleaned["payment_method"],
                shipping_fee=cleaned.get("shipping_fee") or 0,
                voucher_codes=self.form.codes(),
                points=cleaned.get("points") or 0,
                note=cleaned.get("note") or "",
            )
        except DomainError as error:
            self._refused(error)
            return None
        self._message(
            gettext("Order %(number)s created: %(status)s, %(total)s.")
            % {
                "number": order.number,
                "status": order.get_status_display(),
                "total": money_format(order.total, order.currency),
            },
            messages.SUCCESS,
        )
        return order

    def _refused(self, error: DomainError) -> None:
        self._message(domain_error_message(error), messages.ERROR)
        form_add_domain_error(self.form, error, renamed=_renamed)

    def _message(self, text: str, level=messages.WARNING) -> None:
        self.model_admin.message_user(self.request, text, level=level)

    # --- showing the page --------------------------------------------------------------------------

    def _context(self) -> dict:
        pricing = self.pricing
        shop = self.shop()
        currency = shop.currency if shop else "VND"
        names = {}
        if shop is not None and self.lines.is_valid():
            skus = [row["sku"] for row in self.lines.cleaned_data if row]
            names = {sku: product.name for sku, product in selectors.products_by_sku(shop=shop, skus=skus).items()}
        return {
            **self.model_admin.admin_site.each_context(self.request),
            "opts": self.model_admin.opts,
            "title": gettext("New order"),
            "form": self.form,
            "lines": [(line, names.get(line["sku"].value())) for line in self.lines],
            "lines_management": self.lines.management_form,
            "customer_matches": self.customer_matches,
            "product_matches": self.product_matches,
            "pricing": _priced(pricing, currency) if pricing else None,
        }


def _priced(pricing, currency: str) -> dict:
    """The priced cart as the page shows it: every amount through the kernel's money formatter."""

    def money(value):
        return money_format(value, currency)

    return {
        "lines": [
            {
                "sku": line.product.sku,
                "name": line.product.name,
                "unit_price": money(line.unit_price),
                "quantity": line.quantity,
                "discount": money(line.discount),
                "points_discount": money(line.points_discount),
                "total": money(line.total),
                "is_gift": line.is_gift,
                "available": line.product.stock_available,
            }
            for line in pricing.lines
        ],
        "promotions": [(application.name, money(application.amount)) for application in pricing.quote.applied],
        "subtotal": money(pricing.subtotal),
        "discount_total": money(pricing.discount_total),
        "shipping_fee": money(pricing.shipping_fee),
        "shipping_discount": money(pricing.shipping_discount),
        "points": pricing.points,
        "points_discount": money(pricing.points_discount),
        "points_available": pricing.points_available,
        "points_max": pricing.points_max,
        "total": money(pricing.total),
    }
