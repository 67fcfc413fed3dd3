"""`GET /customers/metrics` and the segments: what the back office reads about the customer base."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors
from customers.models import Segment
from sellercenter.api.base import BACK_OFFICE_ONLY
from sellercenter.api.rows import ListFromRowsMixin
from sellercenter.db_router import reads_from_replica

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
RATE = {"max_digits": 6, "decimal_places": 4, "allow_null": True}


class CohortSerializer(serializers.Serializer):
    cohort = serializers.CharField(help_text="Month of the first order, YYYY-MM.")
    customers = serializers.IntegerField()
    retention = serializers.ListField(
        child=serializers.DecimalField(**RATE), help_text="Share ordering in month 0, 1, 2... after the first."
    )

    class Meta:
        ref_name = "CustomerCohort"


class CustomerMetricsView(APIView):
    """Customer metrics for the days `date_from`..`date_to` (inclusive, in the shop's time zone;
    default the last 30 days, at most 366). Rates are 0..1, null when there is nothing to divide by."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "customers.view_customer"

    class InputSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

        def validate(self, attrs):
            if attrs["date_from"] > attrs["date_to"]:
                raise serializers.ValidationError({"date_from": [_("The range must not end before it starts.")]})
            if (attrs["date_to"] - attrs["date_from"]).days >= MAX_RANGE_DAYS:
                raise serializers.ValidationError(
                    {"date_to": [_("The range can span at most %(days)d days.") % {"days": MAX_RANGE_DAYS}]}
                )
            return attrs

    class OutputSerializer(serializers.Serializer):
        date_from = serializers.DateField()
        date_to = serializers.DateField()
        new_customers = serializers.IntegerField(help_text="Customers whose first order falls in the range.")
        customers_with_orders = serializers.IntegerField()
        repeat_customers = serializers.IntegerField(help_text="Of those, customers with 2+ orders by the range's end.")
        repeat_customer_rate = serializers.DecimalField(**RATE)
        average_lifetime_value = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
        retention_by_cohort = CohortSerializer(many=True)
        sessions = serializers.IntegerField()
        sessions_with_order = serializers.IntegerField()
        conversion_rate = serializers.DecimalField(**RATE)
        sessions_with_cart = serializers.IntegerField()
        sessions_with_abandoned_cart = serializers.IntegerField()
        cart_abandonment_rate = serializers.DecimalField(**RATE)

        class Meta:
            ref_name = "CustomerMetrics"

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer, operation_id="customers_metrics")
    def get(self, request):
        today = timezone.now().astimezone(request.shop.tzinfo).date()
        params = {
            "date_to": today,
            "date_from": today - timedelta(days=DEFAULT_RANGE_DAYS - 1),
            **request.query_params.dict(),
        }
        data = self.InputSerializer(data=params)
        data.is_valid(raise_exception=True)
        metrics = selectors.customer_metrics(shop=request.shop, **data.validated_data)
        return Response(self.OutputSerializer(metrics).data)


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "name", "description", "builtin", "match", "rules", "created_at", "updated_at"]
        ref_name = "CustomerSegment"


class SegmentListView(ListFromRowsMixin, generics.ListAPIView):
    """The shop's segments (the page built from query rows). Their members: `GET /customers?segment=<id>`."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "customers.view_segment"
    serializer_class = SegmentSerializer
    queryset = Segment.objects.none()  # the schema's model; get_queryset gives the shop's rows

    def get_queryset(self):
        return Segment.objects.filter(shop=self.request.shop)

    @extend_schema(operation_id="customer_segments_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SegmentDetailView(APIView):
    """A segment with its live member count."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "customers.view_segment"

    class OutputSerializer(SegmentSerializer):
        member_count = serializers.IntegerField()

        class Meta(SegmentSerializer.Meta):
            fields = [*SegmentSerializer.Meta.fields, "member_count"]
            ref_name = "CustomerSegmentDetail"

    @extend_schema(responses=OutputSerializer, operation_id="customer_segments_retrieve")
    def get(self, request, pk: int):
        segment = get_object_or_404(Segment.objects.filter(shop=request.shop).select_related("shop"), pk=pk)
        with reads_from_replica():  # a count that tolerates a few seconds of lag
            segment.member_count = selectors.segment_customers(segment=segment).count()
        return Response(self.OutputSerializer(segment).data)
