"""Statements: the list, one statement, and its lines as streamed CSV or as XLSX."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from finance import selectors
from finance.api.base import (
    AMOUNT_FIELDS,
    CSV_RESPONSE,
    LANG_PARAMETER,
    XLSX_RESPONSE,
    FinanceEndpoint,
    FinanceView,
    lines_download,
)
from finance.models import Statement
from sellercenter.api.base import ShopScopedMixin
from sellercenter.api.pagination import CursorPagination
from sellercenter.api.renderers import CSV_DOWNLOAD_RENDERERS, XLSX_DOWNLOAD_RENDERERS, XLSX_MEDIA_TYPE
from sellercenter.api.rows import ListFromRowsMixin

TOTAL_FIELDS = tuple(f"total_{column}" for column in AMOUNT_FIELDS)


class StatementOutputSerializer(serializers.ModelSerializer):
    paid_on = serializers.DateField(source="payout.paid_on", default=None, allow_null=True)
    bank_reference = serializers.CharField(source="payout.bank_reference", default=None, allow_null=True)

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


class StatementListView(ListFromRowsMixin, FinanceEndpoint, ShopScopedMixin, generics.ListAPIView):
    """The shop's statements, newest first; `?status=open|closed|paid` filters. The page is built from
    query rows (the payout's columns joined)."""

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

    file_format = "csv"
    required_permissions = "finance.view_statementline"
    renderer_classes = CSV_DOWNLOAD_RENDERERS

    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses={(200, "text/csv"): CSV_RESPONSE},
        operation_id="finance_statement_lines_csv",
    )
    def get(self, request, pk: int):
        statement = get_object_or_404(Statement, pk=pk, shop=request.shop)
        lines = selectors.lines_of_statement(statement=statement)
        known = {"statement": statement.reference}
        if (currency := selectors.currency_of_lines(statement=statement)) is not None:
            known["currency"] = currency
        return lines_download(
            request, lines, stem=statement.reference, file_format=self.file_format, same_on_every_row=known
        )


class StatementLinesXlsxView(StatementLinesCsvView):
    """Every line of one statement as XLSX, with real numbers and dates."""

    file_format = "xlsx"
    renderer_classes = XLSX_DOWNLOAD_RENDERERS

    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses={(200, XLSX_MEDIA_TYPE): XLSX_RESPONSE},
        operation_id="finance_statement_lines_xlsx",
    )
    def get(self, request, pk: int):
        return super().get(request, pk)
