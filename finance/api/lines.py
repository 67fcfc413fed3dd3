"""The lines booked in a range of days, as streamed CSV."""

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from finance import selectors
from finance.api.base import CSV_RESPONSE, LANG_PARAMETER, FinanceView, request_date_range, request_language
from finance.columns import LINE_COLUMNS
from finance.streaming import csv_chunks, csv_download


class LinesCsvView(FinanceView):
    """The shop's lines booked from `from` to `to` (days of the shop's time zone, both included), as
    CSV, streamed: however long the range, memory stays flat."""

    required_permissions = "finance.view_statementline"

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
        days = request_date_range(request)
        lines = selectors.lines_booked_between(shop=request.shop, date_from=days["from"], date_to=days["to"])
        with translation.override(request_language(request)):
            chunks = csv_chunks(lines, LINE_COLUMNS)
        return csv_download(f"{request.shop.slug}-{days['from']:%Y%m%d}-{days['to']:%Y%m%d}.csv", chunks)
