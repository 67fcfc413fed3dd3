"""Every write of the promotions app: campaigns and their transitions, voucher batches, and the
redemptions that spend (and give back) a campaign's budget. The functions live in the modules of this
package by subject; they are all importable from `promotions.services`."""

from promotions.services.campaigns import (
    LIVE_TERMS,
    OPTIONAL_TERMS,
    REQUIRED_TERMS,
    TERMS,
    campaign_create,
    campaign_duplicate,
    campaign_end,
    campaign_pause,
    campaign_publish,
    campaign_resume,
    campaign_terms,
    campaign_update,
    campaign_validate,
)
from promotions.services.redemptions import (
    order_revenue_record,
    redemptions_move_customer,
    redemptions_record_for_order,
    redemptions_record_revenue,
    redemptions_release_for_order,
    redemptions_revise_for_order,
)
from promotions.services.vouchers import MAX_VOUCHERS_PER_BATCH, vouchers_generate

__all__ = [
    "LIVE_TERMS",
    "MAX_VOUCHERS_PER_BATCH",
    "OPTIONAL_TERMS",
    "REQUIRED_TERMS",
    "TERMS",
    "campaign_create",
    "campaign_duplicate",
    "campaign_end",
    "campaign_pause",
    "campaign_publish",
    "campaign_resume",
    "campaign_terms",
    "campaign_update",
    "campaign_validate",
    "order_revenue_record",
    "redemptions_move_customer",
    "redemptions_record_for_order",
    "redemptions_record_revenue",
    "redemptions_release_for_order",
    "redemptions_revise_for_order",
    "vouchers_generate",
]
