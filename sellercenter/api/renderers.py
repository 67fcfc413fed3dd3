"""Renderers for endpoints that answer something other than JSON."""

from rest_framework.renderers import BaseRenderer, JSONRenderer


class CsvDownloadRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through content negotiation on a view that streams its CSV itself
    (DRF does not render a plain Django response). Anything DRF does render there is an error,
    and an error answers in the JSON shape, whatever the client accepts."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data, "application/json", renderer_context)


class XlsxDownloadRenderer(CsvDownloadRenderer):
    """The same for a view that answers an XLSX file itself."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None


CSV_DOWNLOAD_RENDERERS = [JSONRenderer, CsvDownloadRenderer]
XLSX_DOWNLOAD_RENDERERS = [JSONRenderer, XlsxDownloadRenderer]
XLSX_MEDIA_TYPE = XlsxDownloadRenderer.media_type
