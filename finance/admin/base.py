"""What the finance admin pages share: spreadsheet exports."""

from import_export.admin import ExportMixin

from sellercenter.spreadsheet import EXPORT_FORMATS


class SpreadsheetExportMixin(ExportMixin):
    export_formats = EXPORT_FORMATS
