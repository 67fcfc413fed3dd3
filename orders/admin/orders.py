"""The order list and page with the pipeline's actions (one order or many), pick lists and packing slips."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from orders import selectors, services
from orders.admin.base import (
    OpenReturnForm,
    OrderEditForm,
    QualityCheckFailForm,
    ReadOnlyInline,
    ReadyToShipForm,
    ReasonForm,
    ShipmentForm,
)
from orders.admin.marketplace import MarketplaceFilesMixin
from orders.admin.staff_orders import StaffOrderPage
from orders.models import (
    AWAITING_HANDOVER,
    ORDER_DATE_FIELDS,
    Order,
    OrderChannelFee,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
)
from orders.pipeline import STAFF, TRANSITIONS, Actor, transitions_available
from orders.pricing import CartLine
from sellercenter.admin_base import ObjectActionsMixin, ShopScopedAdmin, form_add_domain_error
from sellercenter.barcodes import barcode_svg
from sellercenter.errors import DomainError
from sellercenter.formatting import format_datetime
from sellercenter.money import money_format


def _edit_field(name: str) -> str:
    """The edit form's field for a service's field name (`shipping_address.phone`, `lines.0.sku`)."""
    return name.removeprefix("shipping_address.")


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


class ChannelFeeInline(ReadOnlyInline):
    model = OrderChannelFee
    verbose_name_plural = _("channel fees")
    fields = ["kind", "amount"]
    readonly_fields = fields


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
OPEN_RETURN = "open_return"
# The common steps done for many orders at once (those that need no input).
BULK = ["allocate", "start_picking", "send_to_quality_check", "pack", "ship", "deliver"]


def _bulk_action(name: str):
    def action(modeladmin, request, queryset):
        modeladmin.run_bulk(request, queryset, name)

    action.__name__ = f"bulk_{name}"
    return admin.action(description=TRANSITIONS[name].label, permissions=["change"])(action)


@admin.register(Order)
class OrderAdmin(MarketplaceFilesMixin, ObjectActionsMixin, ShopScopedAdmin):
    object_actions = {
        CREATE_SHIPMENT: (_("Create shipment"), services.shipment_create, ShipmentForm),
        OPEN_RETURN: (_("Open a return"), services.return_request_open, OpenReturnForm),
        **{name: (TRANSITIONS[name].label, service, form) for name, (service, form) in ORDER_SERVICES.items()},
    }
    service_target = "order"
    change_form_template = "admin/orders/order/change_form.html"
    # What fits 1440 px: the channel is a filter, the deadline warning sits beside the ship-by time.
    list_display = ["number", "placed_at", "customer_name", "payment_method", "status", "total_display", "ship_by"]
    list_filter = ["status", "channel", "payment_method", DeadlineFilter, ("placed_at", admin.DateFieldListFilter)]
    list_select_related = ["shop"]
    search_fields = ["=number", "=tracking_number", "=recipient_phone", "=customer_email"]
    search_help_text = _("Exact order number, tracking number, phone (+84…) or e-mail.")
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-placed_at"]
    change_list_template = "admin/orders/order/change_list.html"
    actions = [
        *(_bulk_action(name) for name in BULK),
        "pick",
        "print_packing_slips",
        "create_shipments",
        "print_labels",
        "print_handover_list",
    ]
    inlines = [OrderLineInline, ChannelFeeInline, PaymentInline, OrderEventInline]
    readonly_fields = [
        "number",
        "status",
        "customer_link",
        "channel",
        "external_id",
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
            {
                "fields": [
                    "shop",
                    "number",
                    "status",
                    "customer_link",
                    "channel",
                    "external_id",
                    "payment_method",
                    "packing_slip_link",
                ]
            },
        ),
        (_("Amounts"), {"fields": ["amounts", "voucher_codes"]}),
        (_("Delivery"), {"fields": ["shipping", "note", "carrier", "tracking_number", "replacement_for"]}),
        (_("Dates"), {"fields": ["dates", "cancelled_by", "cancel_reason"]}),
    ]

    def available_actions(self, obj) -> list[str]:
        steps = [step.name for step in transitions_available(obj.status, STAFF) if step.name in ORDER_SERVICES]
        # A packed order is booked with a carrier, which makes it ready to ship under the carrier's number.
        if obj.status == OrderStatus.PACKED:
            return [CREATE_SHIPMENT, *steps]
        # A customer who calls or comes to the counter: the return service checks the window and units.
        return [*steps, OPEN_RETURN] if obj.status == OrderStatus.DELIVERED else steps

    def has_add_permission(self, request):
        # Staff enter an order on the staff order page; it goes through the checkout like any other.
        return self._has_shop_perm(request, "add", None)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return StaffOrderPage(self, request).respond()

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
        self._for_each_order(
            request,
            queryset,
            service,
            lambda done: ngettext("%(count)d order moved.", "%(count)d orders moved.", done),
        )

    def _for_each_order(self, request, queryset, service, done_message) -> None:
        """Call `service(order=..., actor=...)` for every selected order the user may change, in the
        order they were placed in the table; the refusals are listed by order number."""
        self.call_service_for_each(
            request,
            queryset.order_by("pk"),
            service,
            target="order",
            done_message=done_message,
            permission="orders.change_order",
        )

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
        self._for_each_order(
            request,
            queryset,
            services.shipment_create,
            lambda done: ngettext("%(count)d shipment requested.", "%(count)d shipments requested.", done),
        )

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
                "barcode": barcode_svg(shipment.tracking_number),
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
        edit = path(
            "<path:object_id>/edit-order/",
            self.admin_site.admin_view(self.edit_view),
            name="orders_order_edit",
        )
        files = [
            path(
                "import-marketplace/",
                self.admin_site.admin_view(self.marketplace_import_view),
                name="orders_order_marketplace_import",
            ),
            path("export/", self.admin_site.admin_view(self.export_view), name="orders_order_export"),
        ]
        return [slip, edit, *files, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        editable = order is not None and self.has_change_permission(request, order)
        editable = editable and services.order_is_editable(order)
        extra_context = {
            **(extra_context or {}),
            "edit_url": reverse("admin:orders_order_edit", args=[order.pk]) if editable else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def edit_view(self, request, object_id):
        """“Edit order”: the address, the shipping fee and the lines of an order not yet labelled, on
        one form; what was changed goes through the edit services in one transaction, and a refusal
        shows on the form with nothing changed."""
        order = self.get_object(request, object_id)
        if order is None or not self.has_change_permission(request, order):
            raise PermissionDenied
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        if not services.order_is_editable(order):
            self.message_user(request, gettext("This order can no longer be edited."), level=messages.ERROR)
            return redirect(change_url)
        initial = OrderEditForm.initial_for(order)
        form = OrderEditForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                self._edit(order, form, Actor.staff(request.user))
            except DomainError as error:
                form_add_domain_error(form, error, renamed=_edit_field)
            else:
                self.message_user(request, gettext("The order was edited."), level=messages.SUCCESS)
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Edit order %(number)s") % {"number": order.number},
            "original": order,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/orders/order/edit.html", context)

    @staticmethod
    def _edit(order, form: OrderEditForm, actor: Actor) -> None:
        changed = set(form.changed_data)
        with transaction.atomic():
            if changed & set(OrderEditForm.ADDRESS):
                order = services.order_address_change(order=order, actor=actor, address=form.address())
            if "shipping_fee" in changed:
                order = services.order_shipping_fee_change(
                    order=order, actor=actor, shipping_fee=form.cleaned_data["shipping_fee"]
                )
            if "lines" in changed:
                lines = [CartLine(sku, quantity) for sku, quantity in form.cleaned_data["lines"]]
                services.order_lines_change(order=order, actor=actor, lines=lines)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_marketplace": self.can_import_marketplace(request)}
        return super().changelist_view(request, extra_context)

    def packing_slip_view(self, request, object_id):
        order = self.get_object(request, object_id)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        return self._packing_slips(request, [order])

    def _packing_slips(self, request, orders):
        slips = [{"order": order, "barcode": barcode_svg(order.number)} for order in orders]
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
        return " · ".join(
            f"{Order._meta.get_field(name).verbose_name}: {getattr(obj, name).astimezone(tz):%d/%m/%Y %H:%M}"
            for name in ORDER_DATE_FIELDS
            if getattr(obj, name)
        )

    @admin.display(description=_("packing slip"))
    def packing_slip_link(self, obj):
        url = reverse("admin:orders_order_packing_slip", args=[obj.pk])
        return format_html('<a class="button" href="{}" target="_blank">{}</a>', url, gettext("Print packing slip"))
