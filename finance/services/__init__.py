"""Finance writes. Other apps and the admin, API, tasks and receivers call these."""

from finance.services.exports import export_job_create, export_job_run, export_job_xlsx_name
from finance.services.fees import fee_rule_check_editable, fee_rule_create
from finance.services.lines import (
    adjustment_create,
    adjustment_validate,
    lines_backfill,
    order_lines_release,
    refund_line_record,
    sale_line_record,
)
from finance.services.payouts import payout_check, payout_record
from finance.services.statements import statement_close, statement_open_for, statements_close_due

__all__ = [
    "adjustment_create",
    "adjustment_validate",
    "export_job_create",
    "export_job_run",
    "export_job_xlsx_name",
    "fee_rule_check_editable",
    "fee_rule_create",
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
