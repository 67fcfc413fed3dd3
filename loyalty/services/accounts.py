"""Loyalty accounts: enrolment, and the row lock every change to an account's points is made under."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.member_codes import member_code_new
from loyalty.models import LoyaltyAccount, Tier, TierChange, TierChangeReason
from loyalty.services.ledger import _expire_due_lots
from sellercenter.actor import Actor
from sellercenter.errors import Conflict

MEMBER_CODE_ATTEMPTS = 5


def account_enrol(*, customer, actor: Actor, at: datetime | None = None) -> LoyaltyAccount:
    """The customer's loyalty account; created at the lowest tier, with a new member code, if there is
    none, by `actor` (the tier history records them). Safe to call twice and concurrently: one account
    per customer (a unique constraint)."""
    existing = LoyaltyAccount.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    base_tier = Tier.objects.get(shop_id=customer.shop_id, rank=1)
    for _attempt in range(MEMBER_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                account = LoyaltyAccount.objects.create(
                    shop_id=customer.shop_id,
                    customer=customer,
                    member_code=member_code_new(),
                    tier=base_tier,
                    tier_reached_at=at,
                )
                TierChange.objects.create(
                    shop_id=customer.shop_id,
                    account=account,
                    to_tier=base_tier,
                    reason=TierChangeReason.ENROLMENT,
                    occurred_at=at,
                    **actor.record_fields(),
                )
                return account
        except IntegrityError:
            # Either another request enrolled the customer first, or the random member code was taken.
            existing = LoyaltyAccount.objects.filter(customer=customer).first()
            if existing is not None:
                return existing
    raise Conflict(_("Could not issue a member code; please retry."))


def _locked_account(
    customer, *, enrol: bool = False, at: datetime | None = None, actor: Actor | None = None
) -> LoyaltyAccount | None:
    """The customer's account, row-locked for this transaction, with its due lots expired; with
    `enrol`, enrolled first (by `actor`) if it has none."""
    if enrol:
        account_enrol(customer=customer, at=at, actor=actor)
    account = (
        LoyaltyAccount.objects.select_for_update(of=("self",))
        .select_related("tier", "shop")
        .filter(customer=customer)
        .first()
    )
    if account is not None:
        _expire_due_lots(account, now=timezone.now())
    return account


def _lock(account: LoyaltyAccount) -> LoyaltyAccount:
    locked = LoyaltyAccount.objects.select_for_update(of=("self",)).select_related("tier", "shop").get(pk=account.pk)
    _expire_due_lots(locked, now=timezone.now())
    return locked
