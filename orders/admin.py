"""Orders admin: products and stock, the order list and page with the pipeline's actions, returns,
payment gateways. Every change goes through orders.services; status fields are read-only.

The order list is built for a million orders: no full count, filters on indexed columns, related
rows joined in the same query, cursor-free but ordered on an index.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from loyalty.member_card import member_code_barcode_svg
from orders import selectors, services
from orders.models import (
    AWAITING_HANDOVER,
    CarrierAccount,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentGateway,
    Product,
    RefundDue,
    RefundDueStatus,
    ReturnLine,
    ReturnOutcome,
    ReturnRequest,
    ReturnStatus,
    StockMovement,
)
from orders.pipeline import STAFF, TRANSITIONS, Actor, return_next_statuses, transitions_available
from orders.resources import ProductResource
from sellercenter.admin_base import (
    ReadOnlyAdminMixin,
    ShopImportMixin,
    ShopScopedAdmin,
    ShopScopedForm,
    ShopScopedTabularInline,
)
from sellercenter.errors import DomainError
from sellercenter.formatting import format_datetime
from sellercenter.money import money_format


class ReadOnlyInline(ShopScopedTabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Forms of the actions that need input ----------------------------------------------------------


class ActionForm(forms.Form):
    """Input of one action on one object; `service_kwargs` are the service's other arguments.

    Its fields sit inside the admin's change form but belong to the action's own form element
    (the HTML `form` attribute), prefixed with the action's name."""

    def __init__(self, *args, target=None, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.target = target

    def bind_to_html_form(self, form_id: str) -> "ActionForm":
        for field in self.fields.values():
            field.widget.attrs["form"] = form_id
        return self

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


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


class ObjectActionsMixin:
    """Buttons (with a small form where the action needs input) for the actions the object's state
    allows, on its change page; each posts to `<id>/do/<action>/`, which calls the service."""

    change_form_template = "admin/orders/change_form_with_actions.html"
    # name -> (label, service, form class or None)
    object_actions: dict = {}
    service_target: str = ""

    def available_actions(self, obj) -> list[str]:
        raise NotImplementedError

    def get_urls(self):
        opts = self.opts
        do = path(
            "<path:object_id>/do/<str:name>/",
            self.admin_site.admin_view(self.action_view),
            name=f"{opts.app_label}_{opts.model_name}_do",
        )
        return [do, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        actions = []
        if obj is not None and self.has_change_permission(request, obj):
            for name in self.available_actions(obj):
                label, _service, form_class = self.object_actions[name]
                form = form_class(target=obj, prefix=name).bind_to_html_form(f"action-{name}") if form_class else None
                actions.append({"name": name, "label": label, "form": form})
        # Every field is read-only: the page changes things through its actions, never by saving.
        extra_context = {
            **(extra_context or {}),
            "object_actions": actions,
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _errors(form) -> str:
        return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())

    def action_view(self, request, object_id, name):
        return require_POST(self._do)(request, object_id, name)

    def _do(self, request, object_id, name):
        obj = self.get_object(request, object_id)
        if name not in self.object_actions or not self.has_change_permission(request, obj):
            raise PermissionDenied
        label, service, form_class = self.object_actions[name]
        form = form_class(request.POST, target=obj, prefix=name) if form_class else None
        if form is not None and not form.is_valid():
            self.message_user(request, self._errors(form), level=messages.ERROR)
        else:
            kwargs = form.service_kwargs() if form is not None else {}
            done = self.call_service(
                request, service, **{self.service_target: obj}, actor=Actor.staff(request.user), **kwargs
            )
            if done is not None:
                self.message_user(request, gettext("%(action)s: done.") % {"action": label}, level=messages.SUCCESS)
        opts = self.opts
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


# --- Products and stock ----------------------------------------------------------------------------


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
    search_fields = ["=sku", "name"]
    readonly_fields = ["stock_on_hand", "stock_reserved", "stock_link", "created_at", "updated_at"]
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

    def save_model(self, request, obj, form, change):
        saved = services.product_upsert(
            shop=obj.shop, sku=obj.sku, name=obj.name, price=obj.price, is_active=obj.is_active
        )
        obj.pk, obj._state = saved.pk, saved._state

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
    list_display = ["created_at", "product", "kind", "on_hand_delta", "reserved_delta", "order", "reason", "actor"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["product", "order", "user", "shop"]
    search_fields = ["=product__sku", "=order__number"]
    show_full_result_count = False

    @admin.display(description=_("by"))
    def actor(self, obj):
        return obj.user or obj.get_actor_kind_display()


# --- Orders ----------------------------------------------------------------------------------------


class DeadlineFilter(admin.SimpleListFilter):
    title = _("ship-by deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("at_risk", _("At risk (due within 24 h)")), ("late", _("Late"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "at_risk":
            return queryset.filter(selectors.at_risk_q(now)).order_by("ship_by_at")
        if self.value() == "late":
            return queryset.filter(selectors.late_q(now))
        return queryset


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "name", "unit_price", "quantity", "discount", "points_discount", "total", "is_gift"]
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = _("timeline")
    fields = ["created_at", "type", "from_status", "to_status", "actor_kind", "user", "note"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["received_at", "method", "transaction_id", "amount", "outcome"]
    readonly_fields = fields


# Transitions staff make from the order page: name -> (service, form class or None).
ORDER_SERVICES = {
    "confirm": (services.order_confirm_payment, None),
    "allocate": (services.order_allocate, None),
    "start_picking": (services.order_start_picking, None),
    "send_to_quality_check": (services.order_send_to_quality_check, None),
    "pack": (services.order_pack, None),
    "fail_quality_check": (services.order_fail_quality_check, QualityCheckFailForm),
    "mark_ready_to_ship": (services.order_mark_ready_to_ship, ReadyToShipForm),
    "ship": (services.order_ship, None),
    "deliver": (services.order_deliver, None),
    "fail_delivery": (services.order_fail_delivery, ReasonForm),
    "retry_delivery": (services.order_retry_delivery, None),
    "return_to_sender": (services.order_return_to_sender, None),
    "cancel": (services.order_cancel, ReasonForm),
}
CREATE_SHIPMENT = "create_shipment"
# The common steps done for many orders at once (those that need no input).
BULK = ["allocate", "start_picking", "send_to_quality_check", "pack", "ship", "deliver"]


def _bulk_action(name: str):
    def action(modeladmin, request, queryset):
        modeladmin.run_bulk(request, queryset, name)

    action.__name__ = f"bulk_{name}"
    return admin.action(description=TRANSITIONS[name].label, permissions=["change"])(action)


@admin.register(Order)
class OrderAdmin(ObjectActionsMixin, ShopScopedAdmin):
    object_actions = {
        CREATE_SHIPMENT: (_("Create shipment"), services.shipment_create, ShipmentForm),
        **{name: (TRANSITIONS[name].label, service, form) for name, (service, form) in ORDER_SERVICES.items()},
    }
    service_target = "order"
    # What fits 1440 px: the channel is a filter, the deadline warning sits beside the ship-by time.
    list_display = ["number", "placed_at", "customer_name", "payment_method", "status", "total_display", "ship_by"]
    list_filter = ["status", "channel", "payment_method", DeadlineFilter, ("placed_at", admin.DateFieldListFilter)]
    list_select_related = ["shop"]
    search_fields = ["=number", "=tracking_number", "=recipient_phone", "=customer_email"]
    search_help_text = _("Exact order number, tracking number, phone (+84…) or e-mail.")
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-placed_at"]
    actions = [
        *(_bulk_action(name) for name in BULK),
        "pick",
        "print_packing_slips",
        "create_shipments",
        "print_labels",
        "print_handover_list",
    ]
    inlines = [OrderLineInline, PaymentInline, OrderEventInline]
    readonly_fields = [
        "number",
        "status",
        "customer_link",
        "channel",
        "payment_method",
        "amounts",
        "voucher_codes",
        "shipping",
        "note",
        "carrier",
        "tracking_number",
        "replacement_for",
        "dates",
        "cancelled_by",
        "cancel_reason",
        "packing_slip_link",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["shop", "number", "status", "customer_link", "channel", "payment_method", "packing_slip_link"]},
        ),
        (_("Amounts"), {"fields": ["amounts", "voucher_codes"]}),
        (_("Delivery"), {"fields": ["shipping", "note", "carrier", "tracking_number", "replacement_for"]}),
        (_("Dates"), {"fields": ["dates", "cancelled_by", "cancel_reason"]}),
    ]

    def available_actions(self, obj) -> list[str]:
        steps = [step.name for step in transitions_available(obj.status, STAFF) if step.name in ORDER_SERVICES]
        # A packed order is booked with a carrier, which makes it ready to ship under the carrier's number.
        return [CREATE_SHIPMENT, *steps] if obj.status == OrderStatus.PACKED else steps

    def has_add_permission(self, request):
        return False  # orders come from the checkout

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["shop", *self.readonly_fields]

    def get_actions(self, request):
        """Offer the bulk steps the filtered status allows (all of them without a status filter:
        each order is then checked on its own)."""
        actions = super().get_actions(request)
        status = request.GET.get("status__exact")
        if status in OrderStatus.values:
            allowed = {f"bulk_{step.name}" for step in transitions_available(status, STAFF)}
            actions = {
                name: action for name, action in actions.items() if not name.startswith("bulk_") or name in allowed
            }
        return actions

    def run_bulk(self, request, queryset, name: str) -> None:
        service, _form = ORDER_SERVICES[name]
        actor, done, refused = Actor.staff(request.user), 0, []
        for order in queryset.order_by("pk"):
            try:
                service(order=order, actor=actor)
            except DomainError as error:
                refused.append(f"{order.number}: {error}")
            else:
                done += 1
        self.message_user(
            request, ngettext("%(count)d order moved.", "%(count)d orders moved.", done) % {"count": done}
        )
        if refused:
            self.message_user(request, "; ".join(refused[:20]), level=messages.WARNING)

    @admin.action(description=_("Start picking and print the pick list"), permissions=["change"])
    def pick(self, request, queryset):
        """Turn the selected allocated orders into one pick list: each SKU once, with the units to
        take from the shelf and the orders they go to. Orders that cannot start picking are left out."""
        # The chosen orders by id: the changelist's queryset may filter on "allocated", which the
        # orders no longer are once they start picking.
        chosen = list(queryset.values_list("pk", flat=True))
        self.run_bulk(request, queryset, "start_picking")
        pick = selectors.pick_list(order_ids=chosen)
        context = {"rows": pick.rows, "orders": pick.orders, "printed_at": timezone.now()}
        return TemplateResponse(request, "admin/orders/order/pick_list.html", context)

    @admin.action(description=_("Print packing slips"), permissions=["view"])
    def print_packing_slips(self, request, queryset):
        return self._packing_slips(request, queryset.prefetch_related("lines").select_related("shop"))

    @admin.action(description=_("Create shipments with the default carrier"), permissions=["change"])
    def create_shipments(self, request, queryset):
        """Book every selected packed order with the shop's default carrier account."""
        actor, done, refused = Actor.staff(request.user), 0, []
        for order in queryset.order_by("pk"):
            try:
                services.shipment_create(order=order, actor=actor)
            except DomainError as error:
                refused.append(f"{order.number}: {error}")
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d shipment requested.", "%(count)d shipments requested.", done) % {"count": done},
        )
        if refused:
            self.message_user(request, "; ".join(refused[:20]), level=messages.WARNING)

    @admin.action(description=_("Print shipping labels (A6)"), permissions=["view"])
    def print_labels(self, request, queryset):
        """Our A6 label for each selected order with a booked parcel: tracking barcode, both addresses,
        COD amount, order number; a link to the carrier's own label where it has one."""
        orders = list(queryset.select_related("shop").order_by("placed_at", "pk"))
        shipments = selectors.shipments_open_for(orders=orders)
        labels = [
            {
                "order": order,
                "shipment": shipment,
                "barcode": member_code_barcode_svg(shipment.tracking_number),
                "pickup": shipment.account,
                "cod": money_format(shipment.cod_amount, order.currency),
            }
            for order in orders
            if (shipment := shipments.get(order.pk)) is not None and shipment.tracking_number
        ]
        return TemplateResponse(request, "admin/orders/order/labels.html", {"labels": labels})

    @admin.action(description=_("Print the hand-over list for the pick-up"), permissions=["view"])
    def print_handover_list(self, request, queryset):
        """The parcels the carrier's driver takes, per carrier account: order, tracking number, COD,
        the count, and room for both signatures."""
        orders = list(queryset.select_related("shop").order_by("placed_at", "pk"))
        shipments = selectors.shipments_open_for(orders=orders)
        groups: dict = {}
        for order in orders:
            shipment = shipments.get(order.pk)
            if shipment is not None and shipment.tracking_number:
                row = {"order": order, "shipment": shipment, "cod": money_format(shipment.cod_amount, order.currency)}
                groups.setdefault(shipment.account, []).append(row)
        context = {"groups": [{"account": a, "rows": rows} for a, rows in groups.items()], "printed_at": timezone.now()}
        return TemplateResponse(request, "admin/orders/order/handover_list.html", context)

    def get_urls(self):
        slip = path(
            "<path:object_id>/packing-slip/",
            self.admin_site.admin_view(self.packing_slip_view),
            name="orders_order_packing_slip",
        )
        return [slip, *super().get_urls()]

    def packing_slip_view(self, request, object_id):
        order = self.get_object(request, object_id)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        return self._packing_slips(request, [order])

    def _packing_slips(self, request, orders):
        slips = [{"order": order, "barcode": member_code_barcode_svg(order.number)} for order in orders]
        return TemplateResponse(request, "admin/orders/order/packing_slips.html", {"slips": slips})

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj):
        return money_format(obj.total, obj.currency)

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        now = timezone.now()
        if obj.is_late(now):
            return gettext("Late")
        if obj.ship_by_at and obj.status in AWAITING_HANDOVER and obj.ship_by_at - now < selectors.AT_RISK_WITHIN:
            return gettext("At risk")
        return ""

    @admin.display(description=_("ship by"), ordering="ship_by_at")
    def ship_by(self, obj):
        if obj.ship_by_at is None:
            return "–"
        warning = self.deadline(obj)
        moment = format_datetime(obj.ship_by_at)
        if not warning:
            return moment
        return format_html('{} <span class="sc-badge sc-badge-warn">{}</span>', moment, warning)

    @admin.display(description=_("customer"))
    def customer_link(self, obj):
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a> · {}', url, obj.customer_name or obj.customer_id, obj.customer_email)

    @admin.display(description=_("amounts"))
    def amounts(self, obj):
        rows = [
            (gettext("merchandise value"), obj.subtotal),
            (gettext("promotion discount"), -obj.discount_total),
            (gettext("shipping fee"), obj.shipping_fee),
            (gettext("shipping discount"), -obj.shipping_discount),
            (gettext("points discount"), -obj.points_discount),
            (gettext("total"), obj.total),
            (gettext("refunded"), obj.refunded_amount),
        ]
        return " · ".join(f"{label}: {money_format(value, obj.currency)}" for label, value in rows if value)

    @admin.display(description=_("shipping address"))
    def shipping(self, obj):
        return f"{obj.recipient_name}, {obj.recipient_phone} — {obj.shipping_address}"

    @admin.display(description=_("dates"))
    def dates(self, obj):
        tz = obj.shop.tzinfo
        names = [
            "placed_at",
            "payment_due_at",
            "paid_at",
            "confirmed_at",
            "ship_by_at",
            "shipped_at",
            "delivered_at",
            "return_window_ends_at",
            "completed_at",
            "cancelled_at",
        ]
        return " · ".join(
            f"{Order._meta.get_field(name).verbose_name}: {getattr(obj, name).astimezone(tz):%d/%m/%Y %H:%M}"
            for name in names
            if getattr(obj, name)
        )

    @admin.display(description=_("packing slip"))
    def packing_slip_link(self, obj):
        url = reverse("admin:orders_order_packing_slip", args=[obj.pk])
        return format_html('<a class="button" href="{}" target="_blank">{}</a>', url, gettext("Print packing slip"))


# --- Returns ---------------------------------------------------------------------------------------


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["order_line", "quantity", "outcome", "refund_amount"]
    readonly_fields = fields


# name -> (label, service, form class, status it leads to)
RETURN_ACTIONS = {
    "approve": (_("Approve"), services.return_approve, None, ReturnStatus.APPROVED),
    "reject": (_("Reject"), services.return_reject, ReasonForm, ReturnStatus.REJECTED),
    "receive": (_("Items received"), services.return_receive, ReceiveReturnForm, ReturnStatus.RECEIVED),
    "refund": (_("Refund"), services.return_refund, None, ReturnStatus.REFUNDED),
    "exchange": (_("Send a replacement"), services.return_exchange, None, ReturnStatus.EXCHANGED),
}


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ObjectActionsMixin, ShopScopedAdmin):
    object_actions = {name: (label, service, form) for name, (label, service, form, _to) in RETURN_ACTIONS.items()}
    service_target = "return_request"
    list_display = ["__str__", "order", "kind", "reason", "status", "refund_amount", "requested_at"]
    list_filter = ["status", "kind", "reason"]
    list_select_related = ["order", "shop"]
    search_fields = ["=order__number"]
    show_full_result_count = False
    inlines = [ReturnLineInline]
    readonly_fields = [
        "order",
        "kind",
        "reason",
        "evidence_note",
        "status",
        "refund_amount",
        "rejection_reason",
        "replacement_order",
        "requested_at",
        "decided_at",
        "received_at",
        "closed_at",
    ]

    def available_actions(self, obj) -> list[str]:
        allowed = set(return_next_statuses(obj.status, obj.kind))
        return [name for name, (*_rest, target) in RETURN_ACTIONS.items() if target in allowed]

    def has_add_permission(self, request):
        return False  # customers open returns through the storefront API

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["shop", *self.readonly_fields]


# --- Refunds due -----------------------------------------------------------------------------------


class RefundDoneForm(ActionForm):
    reference = forms.CharField(
        label=_("bank or gateway reference"), max_length=100, help_text=_("The reference of the transfer sent back.")
    )


class RefundLateFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("yes", _("Late")), ("waiting", _("Waiting for the returned items"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.refund_late_q(timezone.now()))
        if self.value() == "waiting":
            return queryset.filter(status=RefundDueStatus.DUE, due_at__isnull=True)
        return queryset


@admin.register(RefundDue)
class RefundDueAdmin(ObjectActionsMixin, ShopScopedAdmin):
    """What the shop owes its customers: the due ones first, by deadline; the late ones by filter."""

    object_actions = {"complete": (_("Record the refund"), services.refund_due_complete, RefundDoneForm)}
    service_target = "refund_due"
    list_display = ["order", "source", "amount_display", "method", "due_at", "late", "status", "done_at", "reference"]
    list_filter = ["status", RefundLateFilter, "source", "method"]
    list_select_related = ["order", "shop"]
    search_fields = ["=order__number", "=reference"]
    show_full_result_count = False
    readonly_fields = [
        "order",
        "source",
        "return_request",
        "payment",
        "amount",
        "currency",
        "method",
        "status",
        "created_at",
        "due_at",
        "done_at",
        "done_by",
        "done_actor_kind",
        "reference",
    ]

    def available_actions(self, obj) -> list[str]:
        return ["complete"] if obj.status == RefundDueStatus.DUE else []

    def has_add_permission(self, request):
        return False  # opened by the cancellation, payment and return services

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["shop", *self.readonly_fields]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return money_format(obj.amount, obj.currency)

    @admin.display(description=_("late"), boolean=True)
    def late(self, obj):
        return obj.is_late()


# --- Payments --------------------------------------------------------------------------------------


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
        obj.pk, obj._state = saved.pk, saved._state

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


from orders.shipping import admin as shipping_admin  # noqa: E402, F401 - registers the shipping pages
