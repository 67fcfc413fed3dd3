"""Checkout, orders and their pipeline actions, and the shop's performance figures."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Channel
from orders import selectors, services
from orders.api.base import MAX_LINES, MONEY, LineInput, LinesMixin
from orders.api.order_rows import order_detail_output, order_output, order_rows, orders_output
from orders.exports import CSV, FORMATS, orders_export_response, orders_export_shows_addresses
from orders.models import ORDER_DATE_FIELDS, ActorKind, Order, OrderStatus, PaymentMethod
from orders.pricing import CartLine
from promotions.quotes import GIFT_REASONS
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.filters import FilterSet
from sellercenter.api.idempotency import idempotent
from sellercenter.api.pagination import CursorPagination
from sellercenter.api.permissions import is_back_office
from sellercenter.api.renderers import XLSX_MEDIA_TYPE, CsvDownloadRenderer, XlsxDownloadRenderer
from sellercenter.api.transactions import api_write
from sellercenter.db_router import reads_from_replica
from sellercenter.models import ApiKey


class AddressSerializer(serializers.Serializer):
    recipient_name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=32)
    street = serializers.CharField(max_length=255)
    ward = serializers.CharField(max_length=100)
    district = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    province = serializers.CharField(max_length=100)


class AddressEditInput(AddressSerializer):
    """An edit's delivery address. Empty fields pass here for the edit service to judge: the order's
    own address sent back as the API gives it changes nothing, also without a ward (a marketplace
    order) or without an address (a counter sale); a new one is checked as at checkout."""

    class Meta:
        ref_name = "OrderEditAddress"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.allow_blank = True


class CustomerInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class CartInput(LinesMixin, serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    lines = LineInput(many=True, max_length=MAX_LINES)
    shipping_fee = serializers.DecimalField(min_value=0, default=0, **MONEY)
    voucher_codes = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list, max_length=10
    )
    points = serializers.IntegerField(min_value=0, default=0)

    def cart_lines(self) -> list[CartLine]:
        return [CartLine(line["sku"], line["quantity"]) for line in self.validated_data["lines"]]

    def cart(self) -> dict:
        """The cart as the checkout and its preview take it: channel, lines, vouchers, shipping fee, points."""
        values = self.validated_data
        return {
            "channel": values["channel"],
            "lines": self.cart_lines(),
            "voucher_codes": values["voucher_codes"],
            "shipping_fee": values["shipping_fee"],
            "points": values["points"],
        }


class OrderLineOutput(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(**MONEY)
    quantity = serializers.IntegerField()
    discount = serializers.DecimalField(**MONEY)
    points_discount = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    is_gift = serializers.BooleanField()


class OrderOutput(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", allow_null=True)
    shipping_address = serializers.SerializerMethodField()
    lines = OrderLineOutput(many=True)
    replacement_for = serializers.CharField(source="replacement_for.number", default=None, allow_null=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "channel",
            "payment_method",
            "currency",
            "subtotal",
            "discount_total",
            "shipping_fee",
            "shipping_discount",
            "points_redeemed",
            "points_discount",
            "total",
            "refunded_amount",
            "voucher_codes",
            "customer_external_id",
            "shipping_address",
            "note",
            "carrier",
            "tracking_number",
            *ORDER_DATE_FIELDS,
            "cancelled_by",
            "replacement_for",
            "lines",
        ]
        ref_name = "Order"

    @extend_schema_field(AddressSerializer)
    def get_shipping_address(self, order: Order) -> dict:
        # Already the serializer's shape (strings): no serializer built per row.
        return services.address_of(order)


class OrderFilter(FilterSet):
    # A column of the order itself: no join to repeat rows, so no DISTINCT (which defeats the index).
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices, distinct=False)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    payment_method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    placed_after = filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="lt")
    customer = filters.CharFilter(field_name="customer__external_id", label=_("customer external id"))

    class Meta:
        model = Order
        fields = ["status", "channel", "payment_method", "customer"]


class NewestFirst(CursorPagination):
    # Pages follow the (shop, [status|channel|payment method,] placed_at) indexes.
    ordering = ("-placed_at", "-pk")


class OrderListCreateView(generics.ListAPIView):
    """GET: the shop's orders, newest first, filtered. POST: the checkout (send an Idempotency-Key)."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "orders.view_order", "POST": "orders.change_order"}
    serializer_class = OrderOutput
    filterset_class = OrderFilter
    pagination_class = NewestFirst

    class InputSerializer(CartInput):
        customer = CustomerInput()
        shipping_address = AddressSerializer()
        payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
        note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
        # The storefront visit that led to the order: its `order_placed` behaviour event joins it.
        session_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        anonymous_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        # The journey message the customer came from (the `message_token` its link added to the page):
        # the order is credited to that message. A token of no message of this customer is ignored.
        message_token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "OrderPlaceInput"

    def get_queryset(self):
        return selectors.order_list(shop=self.request.shop)

    def list(self, request, *args, **kwargs):
        # OrderOutput's JSON from the rows of one query (and one for the lines), no serializer per row.
        page = self.paginate_queryset(order_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(orders_output(page))

    @extend_schema(request=InputSerializer, responses={201: OrderOutput}, operation_id="orders_place")
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = services.order_place(
            shop=request.shop,
            customer=values["customer"],
            **data.cart(),
            shipping_address=values["shipping_address"],
            payment_method=values["payment_method"],
            note=values["note"],
            session={
                "session_id": values["session_id"],
                "anonymous_id": values["anonymous_id"],
                "message_token": values["message_token"],
            },
            actor=actor_from_request(request, ActorKind.CUSTOMER),
        )
        return Response(order_output(order), status=201)  # OrderOutput's JSON, without its serializer


class QuoteShippingOutput(serializers.Serializer):
    carrier = serializers.CharField()
    account = serializers.CharField()
    fee = serializers.DecimalField(allow_null=True, **MONEY)
    insurance_fee = serializers.DecimalField(**MONEY)
    service = serializers.CharField()
    error = serializers.CharField(help_text=_("Why the carrier gave no fee right now; empty with a fee."))

    class Meta:
        ref_name = "OrderQuoteShipping"


class CheckoutQuoteView(APIView):
    """What the cart would cost if ordered now, priced exactly as the checkout will price it
    (products' prices, promotions, points). Nothing is reserved or spent."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    throttle_scope = "quote"
    required_permissions = "orders.view_product"

    class InputSerializer(CartInput):
        class DestinationSerializer(serializers.Serializer):
            province = serializers.CharField(max_length=100)
            ward = serializers.CharField(max_length=100)

            class Meta:
                ref_name = "OrderQuoteDestination"

        customer_external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        shipping_address = DestinationSerializer(
            required=False,
            default=None,
            help_text=_("Where the parcel goes: with it, the answer has the shop's carrier's real fee."),
        )

        class Meta:
            ref_name = "OrderQuoteInput"

    class OutputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            sku = serializers.CharField(source="product.sku")
            name = serializers.CharField(source="product.name")
            unit_price = serializers.DecimalField(**MONEY)
            quantity = serializers.IntegerField()
            discount = serializers.DecimalField(**MONEY)
            points_discount = serializers.DecimalField(**MONEY)
            total = serializers.DecimalField(**MONEY)
            is_gift = serializers.BooleanField()
            available = serializers.IntegerField(source="product.stock_available")

            class Meta:
                ref_name = "OrderQuoteLine"

        class AppliedSerializer(serializers.Serializer):
            campaign_id = serializers.IntegerField()
            name = serializers.CharField()
            code = serializers.CharField()
            amount = serializers.DecimalField(**MONEY)

            class Meta:
                ref_name = "OrderQuotePromotion"

        currency = serializers.CharField()
        lines = LineSerializer(many=True)
        subtotal = serializers.DecimalField(**MONEY)
        discount_total = serializers.DecimalField(**MONEY)
        shipping_fee = serializers.DecimalField(**MONEY)
        shipping_discount = serializers.DecimalField(**MONEY)
        points = serializers.IntegerField()
        points_discount = serializers.DecimalField(**MONEY)
        points_available = serializers.IntegerField()
        points_max = serializers.IntegerField()
        total = serializers.DecimalField(**MONEY)

        class GiftDroppedSerializer(serializers.Serializer):
            campaign_id = serializers.IntegerField()
            sku = serializers.CharField()
            reason = serializers.ChoiceField(choices=[(reason.value, reason.label) for reason in GIFT_REASONS])
            message = serializers.CharField()

            class Meta:
                ref_name = "OrderQuoteGiftDropped"

        promotions = AppliedSerializer(many=True, source="quote.applied")
        gifts_dropped = GiftDroppedSerializer(many=True)
        shipping = serializers.SerializerMethodField()

        class Meta:
            ref_name = "OrderQuote"

        @extend_schema_field(QuoteShippingOutput(allow_null=True))
        def get_shipping(self, pricing) -> dict | None:
            quote = self.context.get("shipping")
            return QuoteShippingOutput(quote).data if quote else None

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="orders_quote")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        pricing = selectors.checkout_preview(
            shop=request.shop,
            customer_external_id=values["customer_external_id"],
            **data.cart(),
        )
        shipping = None
        if values["shipping_address"]:
            # Cash on delivery of the whole total, the goods insured at their value: the common case.
            shipping = services.shipment_quote(
                shop=request.shop,
                lines=data.cart_lines(),
                address=values["shipping_address"],
                cod_amount=pricing.total,
                insurance_value=pricing.subtotal,
            )
        return Response(self.OutputSerializer(pricing, context={"shipping": shipping}).data)


# The filters of the order list, documented for the export (which is no list view to drf-spectacular).
EXPORT_FILTERS = [
    OpenApiParameter("status", str, enum=OrderStatus.values, many=True, explode=True),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("payment_method", str, enum=PaymentMethod.values),
    OpenApiParameter("placed_after", OpenApiTypes.DATETIME),
    OpenApiParameter("placed_before", OpenApiTypes.DATETIME),
    OpenApiParameter("customer", str, description="The customer's external id."),
]


class OrderExportView(APIView):
    """The shop's orders, filtered as the list is (status, channel, payment method, dates, customer),
    newest first, as a file: `format=csv` (streamed, UTF-8 with BOM) or `format=xlsx`; `lang=vi|en`
    for the headers and labels. Text is spreadsheet-safe and amounts are whole dong for VND. A staff
    session whose role may not see customers' addresses gets it without the delivery address."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.view_order"
    renderer_classes = [JSONRenderer, CsvDownloadRenderer, XlsxDownloadRenderer]

    class LanguageInput(serializers.Serializer):
        lang = serializers.ChoiceField(choices=[("vi", "Tiếng Việt"), ("en", "English")], default="vi")

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "xlsx"], description="The file format (default csv)."),
            OpenApiParameter("lang", str, enum=["vi", "en"], description="Headers and labels (default vi)."),
            *EXPORT_FILTERS,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="CSV, UTF-8 with BOM."),
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY, description="XLSX."),
        },
        operation_id="orders_export",
    )
    def get(self, request):
        language = self.LanguageInput(data=request.query_params)
        language.is_valid(raise_exception=True)
        filtered = OrderFilter(request.query_params, queryset=selectors.order_list(shop=request.shop))
        if not filtered.is_valid():
            raise exceptions.ValidationError(filtered.errors)
        file_format = request.accepted_renderer.format if request.accepted_renderer.format in FORMATS else CSV
        with_addresses = isinstance(request.auth, ApiKey) or orders_export_shows_addresses(
            user=request.user, shops=[request.shop]
        )
        return orders_export_response(
            queryset=filtered.qs,
            file_format=file_format,
            language=language.validated_data["lang"],
            with_addresses=with_addresses,
        )


def _order_row(request, number: str) -> dict:
    """The `order_rows` row of the shop's order with this number, read now; NotFound without one."""
    row = order_rows(selectors.order_list(shop=request.shop).filter(number=number)).first()
    if row is None:
        raise selectors.order_not_found(number)
    return row


def _order_answer(request, number: str) -> dict:
    """OrderOutput's JSON of the shop's order as it is now (after a change), from query rows."""
    return orders_output([_order_row(request, number)])[0]


class OrderDetailView(APIView):
    """One order by its number, with its status history."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "orders.view_order"

    class OutputSerializer(OrderOutput):
        class HistorySerializer(serializers.Serializer):
            status = serializers.CharField(source="to_status")
            at = serializers.DateTimeField(source="created_at")

            class Meta:
                ref_name = "OrderStatusHistory"

        history = serializers.SerializerMethodField()

        class Meta(OrderOutput.Meta):
            fields = [*OrderOutput.Meta.fields, "history"]
            ref_name = "OrderDetail"

        @extend_schema_field(HistorySerializer(many=True))
        def get_history(self, order: Order) -> list:
            return self.HistorySerializer(selectors.order_status_history(order=order), many=True).data

    @extend_schema(responses=OutputSerializer, operation_id="orders_retrieve")
    def get(self, request, number):
        # OutputSerializer's JSON from query rows: the order, its lines and its history, one query each.
        return Response(order_detail_output(_order_row(request, number)))


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    by = serializers.ChoiceField(choices=[("customer", _("Customer")), ("seller", _("Seller"))], default="customer")


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class QualityCheckFailInput(ReasonInput):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1)


class ReadyToShipInput(serializers.Serializer):
    carrier = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)


class MomentInput(serializers.Serializer):
    at = serializers.DateTimeField(required=False, default=None, help_text=_("When it happened; default now."))


# action -> (service, input whose fields are the service's other arguments, who the caller is).
# Carriers and 3PL report the delivery steps with a back-office key; staff tools drive the rest.
ACTIONS = {
    "confirm-payment": (services.order_confirm_payment, NoteInput, ActorKind.STAFF),
    "allocate": (services.order_allocate, NoteInput, ActorKind.STAFF),
    "start-picking": (services.order_start_picking, NoteInput, ActorKind.STAFF),
    "send-to-quality-check": (services.order_send_to_quality_check, NoteInput, ActorKind.STAFF),
    "fail-quality-check": (services.order_fail_quality_check, QualityCheckFailInput, ActorKind.STAFF),
    "pack": (services.order_pack, NoteInput, ActorKind.STAFF),
    "ready-to-ship": (services.order_mark_ready_to_ship, ReadyToShipInput, ActorKind.STAFF),
    "ship": (services.order_ship, MomentInput, ActorKind.CARRIER),
    "deliver": (services.order_deliver, MomentInput, ActorKind.CARRIER),
    "fail-delivery": (services.order_fail_delivery, ReasonInput, ActorKind.CARRIER),
    "retry-delivery": (services.order_retry_delivery, NoteInput, ActorKind.CARRIER),
    "return-to-sender": (services.order_return_to_sender, NoteInput, ActorKind.CARRIER),
}


class OrderActionView(APIView):
    """Move an order one step along the pipeline (back office: staff tools, carriers, 3PL).
    A step the pipeline does not allow from the order's status answers 409 and changes nothing."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.change_order"

    @extend_schema(request=None, responses=OrderOutput, operation_id="orders_action")
    @api_write
    def post(self, request, number, action):
        service, input_class, kind = ACTIONS[action]
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        order = selectors.order_get(shop=request.shop, number=number)
        order = service(order=order, actor=actor_from_request(request, kind), **data.validated_data)
        return Response(_order_answer(request, order.number))


class OrderCancelView(APIView):
    """Cancel an order: for the customer (storefront, until it is packed) or, with a back-office key
    or staff session and `"by": "seller"`, for the shop (until it is handed to the carrier).
    Stock, promotion budget and points are released once."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "orders.change_order"

    @extend_schema(request=CancelInput, responses=OrderOutput, operation_id="orders_cancel")
    @api_write
    def post(self, request, number):
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        by_seller = data.validated_data["by"] == "seller"
        if by_seller and not is_back_office(request):
            raise exceptions.PermissionDenied(_("Only the back office may cancel for the seller."))
        kind = ActorKind.STAFF if by_seller else ActorKind.CUSTOMER
        order = selectors.order_get(shop=request.shop, number=number)
        services.order_cancel(
            order=order, actor=actor_from_request(request, kind), reason=data.validated_data["reason"]
        )
        return Response(_order_answer(request, number))


class OrderEditView(APIView):
    """Edit an order before its parcel is labelled (back office): the delivery address, the shipping
    fee, the lines (the new set of SKUs and quantities: add, remove, change a quantity, swap a
    variant). What is given is changed, in that order, in one transaction; the order is priced again
    as a fresh checkout of its new cart with its codes would be, and stock, campaign budget and the
    customer's purchase follow. An order labelled or handed over answers 409 and changes nothing."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.change_order"

    class InputSerializer(LinesMixin, serializers.Serializer):
        shipping_address = AddressEditInput(required=False)
        shipping_fee = serializers.DecimalField(min_value=0, required=False, **MONEY)
        lines = LineInput(many=True, required=False, max_length=MAX_LINES)

        class Meta:
            ref_name = "OrderEditInput"

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError(_("Give the shipping address, the shipping fee or the lines."))
            return attrs

    @extend_schema(request=InputSerializer, responses=OrderOutput, operation_id="orders_edit")
    @api_write
    def post(self, request, number):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = selectors.order_get(shop=request.shop, number=number)
        actor = actor_from_request(request, ActorKind.STAFF)
        if "shipping_address" in values:
            order = services.order_address_change(order=order, actor=actor, address=values["shipping_address"])
        if "shipping_fee" in values:
            order = services.order_shipping_fee_change(order=order, actor=actor, shipping_fee=values["shipping_fee"])
        if "lines" in values:
            lines = [CartLine(line["sku"], line["quantity"]) for line in values["lines"]]
            order = services.order_lines_change(order=order, actor=actor, lines=lines)
        return Response(_order_answer(request, number))


class MetricsView(APIView):
    """The shop's performance on the orders placed from `start` to `end` (days in the shop's time zone)."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.view_order"

    class InputSerializer(serializers.Serializer):
        start = serializers.DateField(help_text=_("First day, in the shop's time zone."))
        end = serializers.DateField(help_text=_("Last day, included."))

        class Meta:
            ref_name = "OrderMetricsQuery"

    class OutputSerializer(serializers.Serializer):
        class ChannelSerializer(serializers.Serializer):
            channel = serializers.CharField()
            orders = serializers.IntegerField()
            revenue = serializers.DecimalField(**MONEY)

            class Meta:
                ref_name = "OrderMetricsChannel"

        RATE = {"max_digits": 5, "decimal_places": 2, "allow_null": True}
        HOURS = {"max_digits": 9, "decimal_places": 1, "allow_null": True}

        start = serializers.DateField()
        end = serializers.DateField()
        currency = serializers.CharField()
        orders = serializers.IntegerField()
        confirmed = serializers.IntegerField()
        late_shipment_rate = serializers.DecimalField(**RATE)
        cancellation_rate = serializers.DecimalField(**RATE)
        cancellation_rate_by_seller = serializers.DecimalField(**RATE)
        cancellation_rate_by_customer = serializers.DecimalField(**RATE)
        cancellation_rate_unpaid = serializers.DecimalField(**RATE)
        defect_rate = serializers.DecimalField(**RATE)
        return_rate = serializers.DecimalField(**RATE)
        on_time_delivery_rate = serializers.DecimalField(**RATE)
        average_preparation_hours = serializers.DecimalField(**HOURS)
        average_delivery_hours = serializers.DecimalField(**HOURS)
        by_channel = ChannelSerializer(many=True)

        class Meta:
            ref_name = "OrderMetrics"

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer, operation_id="orders_metrics")
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        # The figures tolerate a few seconds of lag; the key and the permissions were checked on the primary.
        with reads_from_replica():
            performance = selectors.shop_performance(
                shop=request.shop, start=data.validated_data["start"], end=data.validated_data["end"]
            )
        return Response(self.OutputSerializer(performance).data)
