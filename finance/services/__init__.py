"""Finance writes. Other apps and the admin, API, tasks and receivers call these."""

from finance.services.exports import export_job_create, export_job_run, export_job_xlsx_name
from finance.services.fees import (
    FEE_RULE_FIELDS,
    fee_rule_check_editable,
    fee_rule_create,
    fee_rule_delete,
    fee_rule_update,
)
from finance.services.finance_settings import finance_settings_save
from finance.services.lines import (
    adjustment_create,
    adjustment_validate,
    carrier_remittance_lines_record,
    lines_backfill,
    order_lines_release,
    refund_line_record,
    sale_line_record,
)
from finance.services.payouts import payout_check, payout_record
from finance.services.statements import statement_close, statement_open_for, statements_close_due

__all__ = [
    "FEE_RULE_FIELDS",
    "adjustment_create",
    "adjustment_validate",
    "carrier_remittance_lines_record",
    "export_job_create",
    "export_job_run",
    "export_job_xlsx_name",
    "fee_rule_check_editable",
    "fee_rule_create",
    "fee_rule_delete",
    "fee_rule_update",
    "finance_settings_save",
    "lines_backfill",
    "order_lines_release",
    "payout_check",
    "payout_record",
    "refund_line_record",
    "sale_line_record",
    "statement_close",
    "statement_open_for",
    "statements_close_due",
]
