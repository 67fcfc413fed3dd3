"""What every finance endpoint shares: back office only, the export language and the date range
parameters, the CSV and XLSX downloads of lines."""

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.views import APIView

from finance.columns import LINE_COLUMNS
from finance.models import AMOUNT_COLUMNS, ExportLanguage
from finance.streaming import csv_chunks, csv_download, xlsx_rows_download
from sellercenter.api.base import BACK_OFFICE_ONLY

AMOUNT_FIELDS = (*AMOUNT_COLUMNS, "net")


CSV_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR,
    description="CSV, UTF-8 with BOM; amounts as plain numbers (whole for VND), dates ISO.",
)
XLSX_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.BINARY, description="XLSX: the same rows as the CSV, with real numbers and dates."
)


LANG_PARAMETER = OpenApiParameter(
    "lang",
    str,
    enum=ExportLanguage.values,
    description="Column headers and labels: `vi` or `en` (default: the request's language).",
)


class FinanceEndpoint:
    """Back office only; each view declares the finance permission staff need."""

    required_scopes = BACK_OFFICE_ONLY


class FinanceView(FinanceEndpoint, APIView):
    pass


class LanguageSerializer(serializers.Serializer):
    lang = serializers.ChoiceField(choices=ExportLanguage.choices, required=False)


def request_language(request) -> str:
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


def request_date_range(request, *, required: bool = True) -> dict:
    serializer = DateRangeSerializer(data=request.query_params, context={"required": required})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def lines_download(request, lines, *, stem: str, file_format: str, same_on_every_row=None):
    """`lines` as `<stem>.csv` (streamed) or `<stem>.xlsx`, headers in the requested language;
    `same_on_every_row`: see finance.streaming.copy_sql."""
    with translation.override(request_language(request)):
        if file_format == "xlsx":
            return xlsx_rows_download(f"{stem}.xlsx", lines, LINE_COLUMNS)
        return csv_download(f"{stem}.csv", csv_chunks(lines, LINE_COLUMNS, same_on_every_row=same_on_every_row))
