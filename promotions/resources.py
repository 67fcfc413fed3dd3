"""Voucher code export (CSV / Excel), through the spreadsheet-safe base resource."""

from import_export import fields

from promotions.models import Voucher
from sellercenter.spreadsheet import SpreadsheetSafeResource


class VoucherResource(SpreadsheetSafeResource):
    campaign = fields.Field(attribute="campaign__name", column_name="campaign")

    class Meta:
        model = Voucher
        fields = ["code", "campaign", "batch", "used_order_ref", "used_at", "created_at"]
        export_order = ["code", "campaign", "batch", "used_order_ref", "used_at", "created_at"]
