"""Fee rules: created with their payment rates; changed only while no statement line used them.

Every change writes a row in the kernel's audit log: the rates decide what the shop is paid."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from finance.models import FeeRule, PaymentFeeRate
from finance.selectors import fee_rule_is_used
from orders.models import PaymentMethod
from sellercenter.actor import Actor
from sellercenter.audit import audit_record, audit_snapshot
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import AuditAction, Shop

FEE_RULE_FIELDS = (
    "effective_from",
    "commission_rate",
    "service_fee_rate",
    "payment_fee_rate",
    "fixed_fee",
    "vat_withholding_rate",
    "pit_withholding_rate",
    "note",
)


def _validated(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InvalidInput(fields=error.message_dict) from None


def _audited(rule: FeeRule) -> dict:
    """The rule's rates with its payment-method rates, as the audit log shows them."""
    snapshot = audit_snapshot(rule, FEE_RULE_FIELDS)
    rates = rule.payment_rates.order_by("payment_method").values_list("payment_method", "rate") if rule.pk else []
    snapshot["payment_rates"] = {method: str(rate) for method, rate in rates}
    return snapshot


def _check_payment_methods(payment_rates: dict | None) -> None:
    unknown = sorted(set(payment_rates or {}) - set(PaymentMethod.values))
    if unknown:
        raise InvalidInput(fields={"payment_rates": [_("Unknown payment method: %(m)s.") % {"m": ", ".join(unknown)}]})


def _save_payment_rates(rule: FeeRule, payment_rates: dict[str, Decimal]) -> None:
    for method, rate in payment_rates.items():
        method_rate = PaymentFeeRate(shop=rule.shop, fee_rule=rule, payment_method=method, rate=rate)
        _validated(method_rate, exclude=["fee_rule"])
        method_rate.save()


def fee_rule_create(
    *,
    shop: Shop,
    effective_from: date,
    payment_rates: dict[str, Decimal] | None = None,
    note: str = "",
    actor: Actor | None = None,
    **rates,
) -> FeeRule:
    """A fee rule of `shop` from `effective_from` with `rates` (commission_rate, service_fee_rate,
    payment_fee_rate, fixed_fee, vat_withholding_rate, pit_withholding_rate; 0 when left out) and
    `payment_rates` ({payment method: rate}) overriding payment_fee_rate.

    Refuses (InvalidInput) a rate outside 0-100 %, a negative fixed fee, an unknown payment method,
    or a second rule of the shop on the same day. Recorded in the audit log (`actor` None: a system job)."""
    _check_payment_methods(payment_rates)
    with transaction.atomic():
        rule = FeeRule(shop=shop, effective_from=effective_from, note=note, **rates)
        _validated(rule)
        rule.save()
        _save_payment_rates(rule, payment_rates or {})
        audit_record(actor=actor, shop=shop, action=AuditAction.CREATE, obj=rule, after=_audited(rule))
    return rule


def _locked_unused(rule: FeeRule) -> FeeRule:
    locked = FeeRule.objects.select_for_update(of=("self",)).select_related("shop").get(pk=rule.pk)
    fee_rule_check_editable(rule=locked)
    return locked


def fee_rule_update(
    *, rule: FeeRule, actor: Actor, payment_rates: dict[str, Decimal] | None = None, **fields
) -> FeeRule:
    """Change a rule's day, rates or note, and (when given) replace its payment-method rates; old -> new
    goes to the audit log. Refuses a rule that already priced a line (NotAllowed), unknown fields and
    the values fee_rule_create refuses (InvalidInput)."""
    unknown = sorted(set(fields) - set(FEE_RULE_FIELDS))
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in unknown})
    _check_payment_methods(payment_rates)
    with transaction.atomic():
        locked = _locked_unused(rule)
        before = _audited(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _validated(locked)
        locked.save()
        if payment_rates is not None:
            locked.payment_rates.all().delete()
            _save_payment_rates(locked, payment_rates)
        audit_record(
            actor=actor, shop=locked.shop, action=AuditAction.UPDATE, obj=locked, before=before, after=_audited(locked)
        )
    return locked


def fee_rule_delete(*, rule: FeeRule, actor: Actor) -> None:
    """Delete a rule no line used (NotAllowed otherwise), recorded in the audit log with its rates."""
    with transaction.atomic():
        locked = _locked_unused(rule)
        audit_record(actor=actor, shop=locked.shop, action=AuditAction.DELETE, obj=locked, before=_audited(locked))
        locked.delete()


def fee_rule_check_editable(*, rule: FeeRule) -> None:
    """Refuse (NotAllowed) changing a rule that already priced a line: its orders keep its rates."""
    if rule.pk and fee_rule_is_used(rule=rule):
        raise NotAllowed(
            _("This fee rule already priced orders; add a new rule with a later date instead."), code="fee_rule_used"
        )
