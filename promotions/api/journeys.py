"""Journeys for the back office: list, read with steps, start from the abandoned-cart template, change
status, and the results per step. Every answer with journeys is built from query rows (the journeys,
then their steps) through JourneySerializer's RowShape; the serializer still describes the OpenAPI
document."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from promotions.api.base import MONEY, ShopTimeMixin
from promotions.journeys import definitions
from promotions.journeys.results import journey_results
from promotions.journeys.template import journey_create_cart_recovery
from promotions.models import Campaign, Journey, JourneyStatus, JourneyTrigger, StepKind
from sellercenter.api.base import BACK_OFFICE_ONLY
from sellercenter.api.idempotency import idempotent
from sellercenter.api.rows import ListFromRowsMixin, row_shape
from sellercenter.api.transactions import api_write
from sellercenter.errors import InvalidInput

JOURNEY_ACTIONS = {
    "publish": definitions.journey_publish,
    "pause": definitions.journey_pause,
    "resume": definitions.journey_resume,
    "end": definitions.journey_end,
}


class StepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StepKind.choices)
    name = serializers.CharField()
    delay = serializers.DurationField(allow_null=True)
    until_local_time = serializers.TimeField(allow_null=True)
    channel = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    condition = serializers.CharField()
    condition_value = serializers.CharField()
    else_position = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "JourneyStep"


class JourneySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    trigger = serializers.ChoiceField(choices=JourneyTrigger.choices)
    trigger_delay = serializers.DurationField()
    status = serializers.ChoiceField(choices=JourneyStatus.choices)
    family = serializers.UUIDField(help_text="Shared by every version of the journey.")
    version = serializers.IntegerField()
    exit_on_order = serializers.BooleanField()
    exit_on_cart_emptied = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    steps = StepSerializer(many=True)

    class Meta:
        ref_name = "Journey"


def _journeys(request):
    return Journey.objects.filter(shop=request.shop).order_by("-pk")


def _journey_answer(request, pk: int) -> dict:
    """The shop's journey `pk` with its steps, as JourneySerializer renders it (404: not the shop's)."""
    shape = row_shape(JourneySerializer, model=Journey)
    return shape.output([get_object_or_404(shape.rows(_journeys(request)), pk=pk)])[0]


class JourneyListView(ListFromRowsMixin, ShopTimeMixin, generics.GenericAPIView):
    """The shop's journeys, every version, newest first."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.view_journey"
    serializer_class = JourneySerializer
    row_model = Journey

    def get_queryset(self):
        return _journeys(self.request)

    @extend_schema(responses=JourneySerializer(many=True), operation_id="promotions_journeys_list")
    def get(self, request):
        return self.list(request)


class JourneyDetailView(ShopTimeMixin, APIView):
    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.view_journey"

    @extend_schema(responses=JourneySerializer, operation_id="promotions_journeys_read")
    def get(self, request, pk: int):
        return Response(_journey_answer(request, pk))


class CartRecoveryTemplateView(ShopTimeMixin, APIView):
    """Start the abandoned-cart journey from the ready template (a draft): push at +1 day, push with
    a voucher from `campaign_id` at +3, e-mail at +4 if nothing was clicked, push at +6."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.add_journey"

    class InputSerializer(serializers.Serializer):
        campaign_id = serializers.IntegerField(help_text="A campaign of the shop with unique voucher codes.")
        name = serializers.CharField(max_length=200, required=False, allow_blank=True)

        class Meta:
            ref_name = "JourneyTemplateInput"

    @extend_schema(
        request=InputSerializer, responses={201: JourneySerializer}, operation_id="promotions_journeys_template"
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = Campaign.objects.filter(shop=request.shop, pk=data.validated_data["campaign_id"]).first()
        if campaign is None:
            raise InvalidInput(fields={"campaign_id": [_("No campaign of this shop has this id.")]})
        try:
            journey = journey_create_cart_recovery(
                shop=request.shop, campaign=campaign, name=data.validated_data.get("name", "")
            )
        except InvalidInput as error:
            raise InvalidInput(fields={"campaign_id": [m for msgs in error.fields.values() for m in msgs]}) from None
        return Response(_journey_answer(request, journey.pk), status=status.HTTP_201_CREATED)


class JourneyActionView(ShopTimeMixin, APIView):
    """POST journeys/{id}/publish | pause | resume | end: one status change; 409 when the status does
    not allow it."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.change_journey"

    @extend_schema(request=None, responses=JourneySerializer, operation_id="promotions_journeys_action")
    @api_write
    def post(self, request, pk: int, action: str):
        journey = JOURNEY_ACTIONS[action](journey=get_object_or_404(Journey, shop=request.shop, pk=pk))
        return Response(_journey_answer(request, journey.pk))


class StepResultSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=StepKind.choices)
    channel = serializers.CharField()
    reached = serializers.IntegerField(help_text="Enrolments that reached this step (the funnel).")
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    held_for_quiet_hours = serializers.IntegerField()
    vouchers_issued = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField(), help_text="By reason.")
    ordered = serializers.IntegerField()
    revenue = serializers.DecimalField(**MONEY)
    voucher_cost = serializers.DecimalField(**MONEY)

    class Meta:
        ref_name = "JourneyStepResult"


class JourneyResultsView(ShopTimeMixin, APIView):
    """What the journey version achieved: enrolled, sent, skipped by reason, delivered, opened, clicked,
    ordered, recovered revenue, voucher cost, return on cost; the same per step."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.view_journey"

    class OutputSerializer(serializers.Serializer):
        journey_id = serializers.IntegerField()
        version = serializers.IntegerField()
        currency = serializers.CharField()
        enrolled = serializers.IntegerField()
        by_status = serializers.DictField(child=serializers.IntegerField())
        exits = serializers.DictField(child=serializers.IntegerField(), help_text="Exits by reason.")
        sent = serializers.IntegerField()
        delivered = serializers.IntegerField()
        opened = serializers.IntegerField()
        clicked = serializers.IntegerField()
        held_for_quiet_hours = serializers.IntegerField()
        vouchers_issued = serializers.IntegerField()
        skipped = serializers.DictField(child=serializers.IntegerField())
        ordered = serializers.IntegerField()
        revenue = serializers.DecimalField(**MONEY)
        voucher_cost = serializers.DecimalField(**MONEY)
        return_on_cost = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
        steps = StepResultSerializer(many=True)

        class Meta:
            ref_name = "JourneyResults"

    @extend_schema(responses=OutputSerializer, operation_id="promotions_journeys_results")
    def get(self, request, pk: int):
        journey = get_object_or_404(Journey.objects.select_related("shop"), shop=request.shop, pk=pk)
        return Response(self.OutputSerializer(journey_results(journey=journey)).data)
