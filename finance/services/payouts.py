"""Payouts: the bank's transfer for a closed statement marks it, and its lines, paid."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models import Payout, Statement, StatementStatus
from finance.services.statements import statement_mark_paid
from sellercenter.errors import InvalidInput
from sellercenter.money import money_format, to_decimal


def payout_check(*, statement: Statement, amount, paid_on: date | None, bank_reference: str) -> None:
    """Raise InvalidInput naming the fields if `payout_record` would refuse this payout now."""
    errors = {}
    if statement.status == StatementStatus.OPEN:
        errors["statement"] = [_("Statement %(reference)s is still open.") % {"reference": statement.reference}]
    elif statement.status == StatementStatus.PAID:
        errors["statement"] = [_("Statement %(reference)s is already paid.") % {"reference": statement.reference}]
    try:
        value = to_decimal(amount)
    except (TypeError, ValueError):
        value = None
    if value is None or not value.is_finite() or value != statement.payout_amount:
        errors["amount"] = [
            _("The payout of %(reference)s is %(expected)s, not %(given)s.")
            % {
                "reference": statement.reference,
                "expected": money_format(statement.payout_amount, statement.currency),
                "given": amount,
            }
        ]
    if paid_on is None:
        errors["paid_on"] = [_("This field is required.")]
    elif paid_on > timezone.localdate(timezone=statement.shop.tzinfo):
        errors["paid_on"] = [_("A payout cannot be dated in the future.")]
    elif paid_on < statement.period_to:
        errors["paid_on"] = [_("A payout cannot be dated before the end of its statement's period.")]
    if not (bank_reference or "").strip():
        errors["bank_reference"] = [_("This field is required.")]
    if errors:
        raise InvalidInput(fields=errors)


def payout_record(*, statement: Statement, amount, paid_on: date | None, bank_reference: str, user=None) -> Payout:
    """Record the bank's payout of a closed statement and mark the statement and its lines paid.

    Refuses (InvalidInput naming the field) an open or already paid statement, an amount that differs
    from the statement's payout, a missing or future date, or a missing bank reference."""
    with transaction.atomic():
        statement = Statement.objects.select_for_update(of=("self",)).select_related("shop").get(pk=statement.pk)
        payout_check(statement=statement, amount=amount, paid_on=paid_on, bank_reference=bank_reference)
        payout = Payout.objects.create(
            shop_id=statement.shop_id,
            statement=statement,
            amount=statement.payout_amount,
            paid_on=paid_on,
            bank_reference=bank_reference.strip()[:100],
            recorded_by=user,
        )
        statement_mark_paid(statement=statement, at=timezone.now())
    return payout
