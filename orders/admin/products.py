"""Products and their stock: receive, adjust, count; stock movements (read-only)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders import selectors, services
from orders.models import Product, StockMovement
from orders.pipeline import Actor
from orders.resources import ProductResource
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopImportMixin, ShopScopedAdmin, actor_shown, adopt_saved
from sellercenter.money import money_format


class StockForm(forms.Form):
    RECEIVE, ADJUST, COUNT = "receive", "adjust", "count"
    kind = forms.ChoiceField(
        label=_("what happened"),
        choices=[
            (RECEIVE, _("Goods received (add units)")),
            (ADJUST, _("Adjustment (add or remove units)")),
            (COUNT, _("Stock count (set the units on hand)")),
        ],
    )
    quantity = forms.IntegerField(label=_("units"), help_text=_("Negative to remove units in an adjustment."))
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)


class StockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", _("Out of stock")), ("low", _("Low stock"))]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(selectors.out_of_stock_q())
        if self.value() == "low":
            return queryset.filter(selectors.low_stock_q())
        return queryset


@admin.register(Product)
class ProductAdmin(ShopImportMixin, ShopScopedAdmin):
    resource_classes = [ProductResource]
    list_display = ["sku", "name", "price_display", "stock_on_hand", "stock_reserved", "available", "is_active"]
    list_filter = ["is_active", StockFilter]
    list_select_related = ["shop"]
    search_fields = ["=sku", "=barcode", "name"]
    search_help_text = _("Exact SKU or barcode, or a name with or without accents.")
    # Options, cost, barcode and parcel size are edited on the catalogue product's page, through its service.
    readonly_fields = ["group", "stock_on_hand", "stock_reserved", "stock_link", "created_at", "updated_at"]
    fields = ["shop", "sku", "name", "price", "low_stock_threshold", "is_active", *readonly_fields]

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj):
        return money_format(obj.price, obj.shop.currency)

    @admin.display(description=_("available"))
    def available(self, obj):
        return obj.stock_available

    @admin.display(description=_("stock"))
    def stock_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a> <a href="{}?product__id__exact={}">{}</a>',
            reverse("admin:orders_product_stock", args=[obj.pk]),
            gettext("Receive, adjust or count stock"),
            reverse("admin:orders_stockmovement_changelist"),
            obj.pk,
            gettext("Stock movements"),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "sku"] if obj is not None else readonly

    def get_search_results(self, request, queryset, search_term):
        # The changelist's search and any autocomplete of products: SKU and barcode exactly, the
        # name accents aside (search_fields stays declared for the admin's checks).
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(sku__iexact=term) | Q(barcode=term) | selectors.variant_search_q(term)), False

    def save_model(self, request, obj, form, change):
        saved = services.product_upsert(
            shop=obj.shop, sku=obj.sku, name=obj.name, price=obj.price, is_active=obj.is_active
        )
        adopt_saved(obj, saved)

    def get_urls(self):
        stock = path(
            "<path:object_id>/stock/", self.admin_site.admin_view(self.stock_view), name="orders_product_stock"
        )
        return [stock, *super().get_urls()]

    def stock_view(self, request, object_id):
        product = self.get_object(request, object_id)
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        form = StockForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and self._record_stock(request, product, form.cleaned_data):
            return redirect(reverse("admin:orders_product_change", args=[product.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": product,
            "form": form,
            "title": gettext("Stock of %(product)s") % {"product": product},
        }
        return TemplateResponse(request, "admin/orders/product/stock.html", context)

    def _record_stock(self, request, product, data) -> bool:
        actor, reason, units = Actor.staff(request.user), data["reason"], data["quantity"]
        calls = {
            StockForm.RECEIVE: lambda: services.stock_receive(
                product=product, quantity=units, actor=actor, reason=reason
            ),
            StockForm.ADJUST: lambda: services.stock_adjust(product=product, delta=units, actor=actor, reason=reason),
            StockForm.COUNT: lambda: services.stock_count_set(
                product=product, counted=units, actor=actor, reason=reason
            ),
        }
        done = self.call_service(request, lambda: calls[data["kind"]]())
        if done is not None:
            self.message_user(request, gettext("Stock recorded."), level=messages.SUCCESS)
        return done is not None

    def import_resource_kwargs(self, request) -> dict:
        return {"actor": Actor.staff(request.user)}


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["created_at", "product", "kind", "on_hand_delta", "reserved_delta", "order", "reason", actor_shown]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["product", "order", "user", "api_key", "shop"]
    search_fields = ["=product__sku", "=order__number"]
    show_full_result_count = False
