"""The campaign list's page built from `values()` rows: the same JSON as StaffCampaignSerializer or
PublicCampaignSerializer (many=True), without a model instance or a serializer per campaign; the
offers, whose campaigns the selector loads anyway, rendered the same way from those. The views still
document their answers with those serializers (the OpenAPI document);
tests/promotions/test_api_campaign_rows.py and test_api_campaign_offer_rows.py compare the outputs."""

from collections import defaultdict
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from promotions.models import Campaign
from sellercenter.api.rows import moment_text, money_text

# Each serializer's fields in its order, by how they render: (name, kind).
PUBLIC = (
    ("name", "text"), ("description", "text"), ("kind", "text"), ("value", "money"), ("skus", "text"),
    ("gift_sku", "text"), ("gift_quantity", "text"), ("min_subtotal", "money"), ("max_discount", "money"),
    ("starts_at", "moment"), ("ends_at", "moment"), ("code_mode", "text"), ("channels", "text"),
)  # fmt: skip
PUBLIC_AFTER_TIERS = (("first_order_only", "text"), ("exclusive", "text"))
STAFF = (
    ("code", "text"), ("priority", "text"), ("segment_id", "text"), ("budget", "money"), ("spent", "money"),
    ("remaining_budget", "text"), ("uses_count", "text"), ("usage_limit_total", "text"),
    ("usage_limit_per_customer", "text"), ("published_at", "moment"), ("paused_at", "moment"),
    ("ended_at", "moment"), ("created_at", "moment"), ("updated_at", "moment"),
)  # fmt: skip
COLUMNS = tuple(name for name, _kind in (*PUBLIC, *PUBLIC_AFTER_TIERS, *STAFF) if name not in ("remaining_budget",))


def campaign_rows(queryset: QuerySet) -> QuerySet:
    """The campaigns of `queryset` (annotated `current_status`, filtered, not yet paged) as the rows
    `campaigns_output` takes, in one query. "pk": the cursor reads its position from the row."""
    return queryset.select_related(None).prefetch_related(None).values("pk", "current_status", *COLUMNS)


def campaigns_output(rows: list[dict], *, staff: bool) -> list[dict]:
    """The serializer's data (the staff's or the storefront's) of a page of `campaign_rows`; the tiers'
    ranks in one more query."""
    ranks = defaultdict(list)
    if rows:
        tiers = Campaign.tiers.through.objects.filter(campaign_id__in=[row["pk"] for row in rows])
        for campaign_id, rank in tiers.values_list("campaign_id", "tier__rank"):
            ranks[campaign_id].append(rank)
    tz = timezone.get_current_timezone()
    return [_campaign(row, sorted(ranks[row["pk"]]), tz, staff) for row in rows]


def loaded_campaigns_output(campaigns: list[Campaign], *, at: datetime, staff: bool) -> list[dict]:
    """The serializer's data of campaigns a selector has already loaded with their tiers (the offers,
    which it must load to judge), in its order and without a query: each read as its row of
    `campaign_rows` would be, its status at `at` (Campaign.status_at, the rule `with_status` annotates)."""
    tz = timezone.get_current_timezone()
    output = []
    for campaign in campaigns:
        row = {name: getattr(campaign, name) for name in COLUMNS}
        row.update(pk=campaign.pk, current_status=campaign.status_at(at))
        output.append(_campaign(row, sorted(tier.rank for tier in campaign.tiers.all()), tz, staff))
    return output


def _rendered(row: dict, fields: tuple, tz) -> dict:
    output = {}
    for name, kind in fields:
        value = row[name]
        if value is None or kind == "text":
            output[name] = value
        elif kind == "money":
            output[name] = money_text(value)
        else:
            output[name] = moment_text(value, tz)
    return output


def _campaign(row: dict, tier_ranks: list[int], tz, staff: bool) -> dict:
    output = {"id": row["pk"], **_rendered(row, PUBLIC, tz), "tier_ranks": tier_ranks}
    output.update(_rendered(row, PUBLIC_AFTER_TIERS, tz))
    output["status"] = row["current_status"]
    if staff:
        # remaining_budget is the model's property (a ReadOnlyField): the Decimal itself, as DRF passes it.
        output.update(_rendered({**row, "remaining_budget": row["budget"] - row["spent"]}, STAFF, tz))
    return output
