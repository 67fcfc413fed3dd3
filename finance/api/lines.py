"""The lines booked in a range of days, as streamed CSV or as XLSX."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from finance import selectors
from finance.api.base import (
    CSV_RESPONSE,
    LANG_PARAMETER,
    XLSX_RESPONSE,
    FinanceView,
    lines_download,
    request_date_range,
)
from sellercenter.api.renderers import CSV_DOWNLOAD_RENDERERS, XLSX_DOWNLOAD_RENDERERS, XLSX_MEDIA_TYPE

RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True),
    LANG_PARAMETER,
]


class LinesCsvView(FinanceView):
    """The shop's lines booked from `from` to `to` (days of the shop's time zone, both included), as
    CSV, streamed: however long the range, memory stays flat."""

    file_format = "csv"
    required_permissions = "finance.view_statementline"
    renderer_classes = CSV_DOWNLOAD_RENDERERS

    @extend_schema(
        parameters=RANGE_PARAMETERS, responses={(200, "text/csv"): CSV_RESPONSE}, operation_id="finance_lines_csv"
    )
    def get(self, request):
        days = request_date_range(request)
        lines = selectors.lines_booked_between(shop=request.shop, date_from=days["from"], date_to=days["to"])
        stem = f"{request.shop.slug}-{days['from']:%Y%m%d}-{days['to']:%Y%m%d}"
        return lines_download(request, lines, stem=stem, file_format=self.file_format)


class LinesXlsxView(LinesCsvView):
    """The same lines as XLSX, with real numbers and dates."""

    file_format = "xlsx"
    renderer_classes = XLSX_DOWNLOAD_RENDERERS

    @extend_schema(
        parameters=RANGE_PARAMETERS,
        responses={(200, XLSX_MEDIA_TYPE): XLSX_RESPONSE},
        operation_id="finance_lines_xlsx",
    )
    def get(self, request):
        return super().get(request)
