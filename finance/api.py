"""Finance API: statements, their lines as streamed CSV, and the overview. Back office only.

API keys need the back_office scope; logged-in staff need finance's view permission in the
shop (owners and accountants)."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from finance import selectors
from finance.columns import LINE_COLUMNS
from finance.models import AMOUNT_COLUMNS, ExportLanguage, Statement, StatementPeriod
from finance.streaming import csv_chunks, csv_download
from sellercenter.api.base import BACK_OFFICE_ONLY, ShopScopedMixin
from sellercenter.api.pagination import CursorPagination
from sellercenter.api.permissions import ShopAccess
from sellercenter.models import ApiKey

AMOUNT_FIELDS = (*AMOUNT_COLUMNS, "net")
TOTAL_FIELDS = tuple(f"total_{column}" for column in AMOUNT_FIELDS)
OVERVIEW_SPAN = {StatementPeriod.WEEKLY: relativedelta(weeks=12), StatementPeriod.MONTHLY: relativedelta(months=12)}
CSV_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR, description="CSV, UTF-8 with BOM; amounts as plain numbers, dates ISO."
)
LANG_PARAMETER = OpenApiParameter(
    "lang",
    str,
    enum=ExportLanguage.values,
    description="Column headers and labels: `vi` or `en` (default: the request's language).",
)


class FinanceAccess(permissions.BasePermission):
    """After ShopAccess: staff need finance's view permission in the request's shop."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        return request.user.has_perm("finance.view_statementline", request.shop)


class FinanceEndpoint:
    required_scopes = BACK_OFFICE_ONLY
    permission_classes = [ShopAccess, FinanceAccess]


class FinanceView(FinanceEndpoint, APIView):
    pass


class LanguageSerializer(serializers.Serializer):
    lang = serializers.ChoiceField(choices=ExportLanguage.choices, required=False)


def _language(request) -> str:
    serializer = LanguageSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data.get("lang") or translation.get_language()


class DateRangeSerializer(serializers.Serializer):
    """`from` and `to`: days of the shop's time zone, both included."""

    def get_fields(self):
        required = self.context.get("required", True)
        return {"from": serializers.DateField(required=required), "to": serializers.DateField(required=required)}

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [_("The range ends before it starts.")]})
        return attrs


def _date_range(request, *, required: bool = True) -> dict:
    serializer = DateRangeSerializer(data=request.query_params, context={"required": required})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StatementOutputSerializer(serializers.ModelSerializer):
    paid_on = serializers.DateField(source="payout.paid_on", default=None)
    bank_reference = serializers.CharField(source="payout.bank_reference", default=None)

    class Meta:
        model = Statement
        fields = [
            "id",
            "reference",
            "status",
            "period_kind",
            "period_from",
            "period_to",
            "currency",
            "opening_balance",
            *TOTAL_FIELDS,
            "closing_balance",
            "payout_amount",
            "line_count",
            "closed_at",
            "paid_on",
            "bank_reference",
        ]
        ref_name = "FinanceStatement"


class StatementPagination(CursorPagination):
    ordering = "-period_start"


class StatementListView(FinanceEndpoint, ShopScopedMixin, generics.ListAPIView):
    """The shop's statements, newest first; `?status=open|closed|paid` filters."""

    serializer_class = StatementOutputSerializer
    queryset = Statement.objects.select_related("payout")
    filterset_fields = ["status"]

    pagination_class = StatementPagination


class StatementDetailView(FinanceEndpoint, ShopScopedMixin, generics.RetrieveAPIView):
    serializer_class = StatementOutputSerializer
    queryset = Statement.objects.select_related("payout")


class StatementLinesCsvView(FinanceView):
    """Every line of one statement as CSV, streamed."""

    @extend_schema(
        parameters=[LANG_PARAMETER], responses={200: CSV_RESPONSE}, operation_id="finance_statement_lines_csv"
    )
    def get(self, request, pk: int):
        statement = get_object_or_404(Statement, pk=pk, shop=request.shop)
        with translation.override(_language(request)):
            chunks = csv_chunks(selectors.lines_of_statement(statement=statement), LINE_COLUMNS)
        return csv_download(f"{statement.reference}.csv", chunks)


class LinesCsvView(FinanceView):
    """The shop's lines booked from `from` to `to` (days of the shop's time zone, both included), as
    CSV, streamed: however long the range, memory stays flat."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            LANG_PARAMETER,
        ],
        responses={200: CSV_RESPONSE},
        operation_id="finance_lines_csv",
    )
    def get(self, request):
        days = _date_range(request)
        lines = selectors.lines_booked_between(shop=request.shop, date_from=days["from"], date_to=days["to"])
        with translation.override(_language(request)):
            chunks = csv_chunks(lines, LINE_COLUMNS)
        return csv_download(f"{request.shop.slug}-{days['from']:%Y%m%d}-{days['to']:%Y%m%d}.csv", chunks)


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
        days = _date_range(request, required=False)
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
