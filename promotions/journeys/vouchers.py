"""Voucher steps: one unique single-use code per enrolment, from a campaign, counted against its budget.

A code handed out is a promise the budget must keep: a campaign issues a code only while what it has
spent, plus the most each outstanding journey code could still cost, plus this one, fits the budget.
The campaign's row lock serialises the check, as it serialises redemptions."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from promotions.models import (
    Campaign,
    CodeMode,
    Enrolment,
    JourneyStep,
    Kind,
    SkipReason,
    Status,
    Voucher,
    VoucherIssue,
)
from promotions.services import vouchers_generate

JOURNEY_PREFIX = "J"


def voucher_unit_cost(campaign: Campaign) -> Decimal | None:
    """The most one use of the campaign can cost, or None when only the order decides (an uncapped
    percentage)."""
    if campaign.kind == Kind.ORDER_AMOUNT or campaign.kind == Kind.FREE_SHIPPING:
        return campaign.value if campaign.max_discount is None else min(campaign.value, campaign.max_discount)
    if campaign.kind == Kind.FREE_GIFT:
        return campaign.value * campaign.gift_quantity
    return campaign.max_discount


def _fits_budget(campaign: Campaign) -> bool:
    unit = voucher_unit_cost(campaign)
    if unit is None:
        return campaign.spent < campaign.budget
    outstanding = VoucherIssue.objects.filter(
        voucher__campaign=campaign, voucher__used_at__isnull=True, voucher__isnull=False
    ).count()
    return campaign.spent + unit * (outstanding + 1) <= campaign.budget


def _refusal(campaign: Campaign, now: datetime) -> str:
    if campaign.code_mode != CodeMode.UNIQUE or campaign.status_at(now) not in (Status.ACTIVE, Status.SCHEDULED):
        return SkipReason.BUDGET_SPENT if campaign.status_at(now) == Status.EXHAUSTED else SkipReason.CAMPAIGN_CLOSED
    if not _fits_budget(campaign):
        return SkipReason.BUDGET_SPENT
    return ""


def voucher_issue_for_enrolment(*, enrolment: Enrolment, step: JourneyStep, now: datetime) -> VoucherIssue:
    """Issue the step's code to the enrolment, once (a second call returns the first issue). When the
    campaign's budget cannot cover one more code, or the campaign does not run, no code is issued:
    the issue records why, and the journey goes on."""
    issue = VoucherIssue.objects.filter(enrolment=enrolment, step=step).first()
    if issue is not None:
        return issue
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=step.campaign_id)
        reason = _refusal(campaign, now)
        voucher: Voucher | None = None
        if not reason:
            voucher = vouchers_generate(campaign=campaign, count=1, prefix=JOURNEY_PREFIX)[0]
        return VoucherIssue.objects.create(
            shop_id=enrolment.shop_id,
            enrolment=enrolment,
            step=step,
            voucher=voucher,
            skip_reason=reason,
            created_at=now,
        )
