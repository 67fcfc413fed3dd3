"""Every write of the loyalty app: programme set-up, enrolment, the points ledger, tier evaluation.
The functions live in the modules of this package by subject; they are all importable from
`loyalty.services`.

Every change to an account's points happens under a row lock on the account (`_locked_account`),
and every balance moves through `_record`, which appends the ledger entry and moves the cached
balances by the same amounts with one `UPDATE ... SET x = x + delta` (CheckConstraints refuse a
negative balance as a backstop). Lots due to expire are expired first, so expired points can never
be spent, whether or not the nightly job has run yet.

The orders app calls the `points_*_for_order` and `tier_*_qualifying_spend` services with an order
reference (`order_ref`, e.g. "SC-000123"); loyalty never imports orders.

Every service that writes a ledger entry or a tier change takes the kernel's `Actor` who made it and
records it on the row (`Actor.record_fields()`); expiry and the period-end review are the system's.
"""

from loyalty.services.accounts import account_enrol
from loyalty.services.ledger import order_source
from loyalty.services.merge import account_merge
from loyalty.services.points import (
    points_adjust,
    points_award_for_order,
    points_clawback_for_refund,
    points_expire_due,
    points_redeem_for_order,
    points_release_for_order,
    points_restore_for_refund,
    points_reverse_redemption,
)
from loyalty.services.programme import programme_set_up, programme_update, tiers_check, tiers_update
from loyalty.services.tiers import (
    account_reevaluate_tier,
    account_set_tier_floor,
    tier_record_qualifying_spend,
    tier_reverse_qualifying_spend,
    tiers_reevaluate_due,
)

__all__ = [
    "account_enrol",
    "account_merge",
    "account_reevaluate_tier",
    "account_set_tier_floor",
    "order_source",
    "points_adjust",
    "points_award_for_order",
    "points_clawback_for_refund",
    "points_expire_due",
    "points_redeem_for_order",
    "points_release_for_order",
    "points_restore_for_refund",
    "points_reverse_redemption",
    "programme_set_up",
    "programme_update",
    "tier_record_qualifying_spend",
    "tier_reverse_qualifying_spend",
    "tiers_check",
    "tiers_reevaluate_due",
    "tiers_update",
]
