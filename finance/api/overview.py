"""Revenue and deductions per week or month, and the net amount awaiting payment, being paid and paid."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from finance import selectors
from finance.api.base import AMOUNT_FIELDS, FinanceView, request_date_range
from finance.models import StatementPeriod

OVERVIEW_SPAN = {StatementPeriod.WEEKLY: relativedelta(weeks=12), StatementPeriod.MONTHLY: relativedelta(months=12)}


OverviewBucketSerializer = type(
    "FinanceOverviewBucketSerializer",
    (serializers.Serializer,),
    {
        "start": serializers.DateField(help_text="First day of the week or month."),
        "line_count": serializers.IntegerField(),
        **{column: serializers.DecimalField(max_digits=18, decimal_places=2) for column in AMOUNT_FIELDS},
    },
)


OverviewSerializer = type(
    "FinanceOverviewSerializer",
    (serializers.Serializer,),
    {
        "currency": serializers.CharField(),
        "period": serializers.CharField(),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "buckets": OverviewBucketSerializer(many=True),
        "payout_states": serializers.DictField(
            child=serializers.DecimalField(max_digits=18, decimal_places=2),
            help_text="Net amount of the lines pending (awaiting payment), to_be_paid (being paid) and paid.",
        ),
    },
)


class OverviewView(FinanceView):
    """Revenue and deductions per week or month (by booking day), and the net amount awaiting payment,
    being paid and paid."""

    required_permissions = "finance.view_statement"

    class InputSerializer(serializers.Serializer):
        period = serializers.ChoiceField(choices=StatementPeriod.choices, default=StatementPeriod.WEEKLY)

    @extend_schema(
        parameters=[
            InputSerializer,
            OpenApiParameter("from", OpenApiTypes.DATE, description="Default: 12 weeks (or months) before `to`."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Default: today in the shop's time zone."),
        ],
        responses=OverviewSerializer,
        operation_id="finance_overview",
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = params.validated_data["period"]
        days = request_date_range(request, required=False)
        date_to = days.get("to") or timezone.localdate(timezone=request.shop.tzinfo)
        date_from = days.get("from") or date_to - OVERVIEW_SPAN[period] + timedelta(days=1)
        overview = selectors.finance_overview(shop=request.shop, period=period, date_from=date_from, date_to=date_to)
        data = {
            "currency": overview.currency,
            "period": period,
            "from": date_from,
            "to": date_to,
            "buckets": overview.buckets,
            "payout_states": overview.by_payout_state,
        }
        return Response(OverviewSerializer(data).data)
