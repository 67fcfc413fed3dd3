"""Returns and exchanges: storefronts open and follow them; staff tools decide, receive and settle them."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors, services
from orders.api.base import MAX_LINES, MONEY, LineInput, LinesMixin
from orders.api.return_rows import return_rows, returns_output
from orders.models import (
    RETURN_RECORD_FIELDS,
    ActorKind,
    ReturnKind,
    ReturnOutcome,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.filters import FilterSet
from sellercenter.api.idempotency import idempotent
from sellercenter.api.transactions import api_write
from sellercenter.errors import NotFound


class ReturnOutput(serializers.ModelSerializer):
    class LineOutput(serializers.Serializer):
        sku = serializers.CharField(source="order_line.sku")
        name = serializers.CharField(source="order_line.name")
        quantity = serializers.IntegerField()
        outcome = serializers.CharField()
        refund_amount = serializers.DecimalField(**MONEY)

        class Meta:
            ref_name = "ReturnRequestLine"

    order_number = serializers.CharField(source="order.number", allow_null=True)
    replacement_order = serializers.CharField(source="replacement_order.number", default=None, allow_null=True)
    lines = LineOutput(many=True)

    class Meta:
        model = ReturnRequest
        fields = [
            "id",
            "order_number",
            *RETURN_RECORD_FIELDS,
            "lines",
        ]
        ref_name = "ReturnRequest"


class ReturnFilter(FilterSet):
    order = filters.CharFilter(field_name="order__number", label=_("order number"))
    status = filters.MultipleChoiceFilter(choices=ReturnStatus.choices)

    class Meta:
        model = ReturnRequest
        fields = ["order", "status"]


class ReturnListCreateView(generics.ListAPIView):
    """GET: the shop's return requests (filter by `order` number). POST: a customer opens a return
    of a delivered order within its return window (send an Idempotency-Key)."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "orders.view_returnrequest", "POST": "orders.change_returnrequest"}
    serializer_class = ReturnOutput
    filterset_class = ReturnFilter

    class InputSerializer(LinesMixin, serializers.Serializer):
        order_number = serializers.CharField(max_length=20)
        kind = serializers.ChoiceField(choices=ReturnKind.choices, default=ReturnKind.REFUND)
        reason = serializers.ChoiceField(choices=ReturnReason.choices)
        evidence_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        lines = LineInput(many=True, max_length=MAX_LINES)

        class Meta:
            ref_name = "ReturnRequestInput"

    def get_queryset(self):
        return selectors.return_list(shop=self.request.shop)

    def list(self, request, *args, **kwargs):
        # ReturnOutput's JSON from the rows of one query (and one for the lines), no serializer per row.
        page = self.paginate_queryset(return_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(returns_output(page))

    @extend_schema(request=InputSerializer, responses={201: ReturnOutput}, operation_id="returns_open")
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        request_row = services.return_request_open(
            order=selectors.order_get(shop=request.shop, number=values["order_number"]),
            items=[services.ReturnItem(line["sku"], line["quantity"]) for line in values["lines"]],
            reason=values["reason"],
            kind=values["kind"],
            evidence_note=values["evidence_note"],
            actor=actor_from_request(request, ActorKind.CUSTOMER),
        )
        return Response(ReturnOutput(_get(request, request_row.pk)).data, status=201)


def _get(request, pk: int) -> ReturnRequest:
    found = selectors.return_list(shop=request.shop).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This return request does not exist."))
    return found


class ReturnDetailView(APIView):
    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "orders.view_returnrequest"

    @extend_schema(responses=ReturnOutput, operation_id="returns_retrieve")
    def get(self, request, pk):
        return Response(ReturnOutput(_get(request, pk)).data)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class ReceiveInput(serializers.Serializer):
    outcomes = serializers.DictField(
        child=serializers.ChoiceField(choices=ReturnOutcome.choices),
        required=False,
        default=dict,
        help_text=_("SKU -> restock (default) or write_off."),
    )


# action -> (service, input whose fields are the service's other arguments).
ACTIONS = {
    "approve": (services.return_approve, NoteInput),
    "reject": (services.return_reject, RejectInput),
    "receive": (services.return_receive, ReceiveInput),
    "refund": (services.return_refund, NoteInput),
    "exchange": (services.return_exchange, NoteInput),
}


class ReturnActionView(APIView):
    """Move a return request one step (back office). A step its status does not allow answers 409."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "orders.change_returnrequest"

    @extend_schema(request=None, responses=ReturnOutput, operation_id="returns_action")
    @api_write
    def post(self, request, pk, action):
        service, input_class = ACTIONS[action]
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        service(
            return_request=_get(request, pk), actor=actor_from_request(request, ActorKind.STAFF), **data.validated_data
        )
        return Response(ReturnOutput(_get(request, pk)).data)
