"""Fee rules: created with their payment rates; changed only while no statement line used them."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from finance.models import FeeRule, PaymentFeeRate
from finance.selectors import fee_rule_is_used
from orders.models import PaymentMethod
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import Shop


def _validated(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InvalidInput(fields=error.message_dict) from None


def fee_rule_create(
    *, shop: Shop, effective_from: date, payment_rates: dict[str, Decimal] | None = None, note: str = "", **rates
) -> FeeRule:
    """A fee rule of `shop` from `effective_from` with `rates` (commission_rate, service_fee_rate,
    payment_fee_rate, fixed_fee, vat_withholding_rate, pit_withholding_rate; 0 when left out) and
    `payment_rates` ({payment method: rate}) overriding payment_fee_rate.

    Refuses (InvalidInput) a rate outside 0-100 %, a negative fixed fee, an unknown payment method,
    or a second rule of the shop on the same day."""
    unknown = sorted(set(payment_rates or {}) - set(PaymentMethod.values))
    if unknown:
        raise InvalidInput(fields={"payment_rates": [_("Unknown payment method: %(m)s.") % {"m": ", ".join(unknown)}]})
    with transaction.atomic():
        rule = FeeRule(shop=shop, effective_from=effective_from, note=note, **rates)
        _validated(rule)
        rule.save()
        for method, rate in (payment_rates or {}).items():
            method_rate = PaymentFeeRate(shop=shop, fee_rule=rule, payment_method=method, rate=rate)
            _validated(method_rate, exclude=["fee_rule"])
            method_rate.save()
    return rule


def fee_rule_check_editable(*, rule: FeeRule) -> None:
    """Refuse (NotAllowed) changing a rule that already priced a line: its orders keep its rates."""
    if rule.pk and fee_rule_is_used(rule=rule):
        raise NotAllowed(
            _("This fee rule already priced orders; add a new rule with a later date instead."), code="fee_rule_used"
        )
