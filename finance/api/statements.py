"""Statements: the list, one statement, and its lines as streamed CSV."""

from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from finance import selectors
from finance.api.base import AMOUNT_FIELDS, CSV_RESPONSE, LANG_PARAMETER, FinanceEndpoint, FinanceView, request_language
from finance.columns import LINE_COLUMNS
from finance.models import Statement
from finance.streaming import csv_chunks, csv_download
from sellercenter.api.base import ShopScopedMixin
from sellercenter.api.pagination import CursorPagination

TOTAL_FIELDS = tuple(f"total_{column}" for column in AMOUNT_FIELDS)


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

    required_permissions = "finance.view_statement"
    serializer_class = StatementOutputSerializer
    queryset = Statement.objects.select_related("payout")
    filterset_fields = ["status"]

    pagination_class = StatementPagination


class StatementDetailView(FinanceEndpoint, ShopScopedMixin, generics.RetrieveAPIView):
    required_permissions = "finance.view_statement"
    serializer_class = StatementOutputSerializer
    queryset = Statement.objects.select_related("payout")


class StatementLinesCsvView(FinanceView):
    """Every line of one statement as CSV, streamed."""

    required_permissions = "finance.view_statementline"

    @extend_schema(
        parameters=[LANG_PARAMETER], responses={200: CSV_RESPONSE}, operation_id="finance_statement_lines_csv"
    )
    def get(self, request, pk: int):
        statement = get_object_or_404(Statement, pk=pk, shop=request.shop)
        with translation.override(request_language(request)):
            chunks = csv_chunks(selectors.lines_of_statement(statement=statement), LINE_COLUMNS)
        return csv_download(f"{statement.reference}.csv", chunks)
