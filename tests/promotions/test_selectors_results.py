"""promotions.selectors.campaign_results on known data, days cut in the shop's time zone."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from promotions.models import Campaign, Status
from promotions.selectors import campaign_results
from tests.promotions.factories import CampaignFactory, RedemptionFactory, tier_of

pytestmark = pytest.mark.django_db

D = Decimal
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _local(*args):
    return datetime(*args, tzinfo=HCM)


@pytest.fixture
def campaign(shop):
    campaign = CampaignFactory(
        shop=shop,
        starts_at=_local(2025, 6, 1),
        ends_at=_local(2025, 7, 1),
        published_at=_local(2025, 5, 30),
        budget=D("1000000"),
    )
    gold = tier_of(shop, 3)
    for at, cost, revenue, tier, channel in [
        (_local(2025, 6, 1, 10), "100000", "1000000", gold, "app"),
        (_local(2025, 6, 3, 23, 30), "50000", "400000", None, "website"),
        (_local(2025, 6, 4, 0, 30), "50000", "600000", gold, "website"),
    ]:
        RedemptionFactory(
            campaign=campaign, created_at=at, amount=D(cost), order_total=D(revenue), tier=tier, channel=channel
        )
    RedemptionFactory(
        campaign=campaign, created_at=_local(2025, 6, 2, 9), amount=D("70000"), released_at=_local(2025, 6, 2, 10)
    )
    Campaign.objects.filter(pk=campaign.pk).update(spent=D("200000"), uses_count=3)
    campaign.refresh_from_db()
    return campaign


def test_totals_and_return_on_spend(campaign):
    results = campaign_results(campaign=campaign, at=_local(2025, 6, 5, 12))

    assert results.status == Status.ACTIVE
    assert (results.redemptions, results.released) == (3, 1)
    assert (results.cost, results.revenue) == (D("200000"), D("2000000"))
    assert results.return_on_spend == D("10.00")
    assert (results.spent, results.remaining) == (D("200000"), D("800000"))


def test_spend_per_day_is_cut_at_the_shops_midnight(campaign):
    results = campaign_results(campaign=campaign, at=_local(2025, 6, 5, 12))

    assert [(day.day.isoformat(), day.cost, day.redemptions) for day in results.daily] == [
        ("2025-06-01", D("100000"), 1),
        ("2025-06-02", D("0"), 0),
        ("2025-06-03", D("50000"), 1),
        ("2025-06-04", D("50000"), 1),
        ("2025-06-05", D("0"), 0),
    ]


def test_the_budget_runs_out_at_the_current_pace(campaign):
    results = campaign_results(campaign=campaign, at=_local(2025, 6, 5, 12))

    # 200.000 ₫ over the 5 days so far: 40.000 ₫ a day; 800.000 ₫ left last 20 more days.
    assert results.pace_per_day == D("40000")
    assert results.projected_exhaustion == _local(2025, 6, 25).date()
    assert results.runs_out_before_end is True


def test_the_pace_looks_at_the_last_seven_days_only(campaign):
    results = campaign_results(campaign=campaign, at=_local(2025, 6, 10, 12))

    # 4-10 June: 50.000 ₫ in 7 days.
    assert results.pace_per_day == D("7143")
    assert results.projected_exhaustion == _local(2025, 6, 10).date() + timedelta(days=112)
    assert results.runs_out_before_end is False


def test_no_projection_once_the_campaign_is_over(campaign):
    results = campaign_results(campaign=campaign, at=_local(2025, 7, 2))

    assert results.status == Status.ENDED
    assert results.projected_exhaustion is None
    assert results.daily[-1].day.isoformat() == "2025-07-01"


def test_breakdown_by_tier_and_channel(campaign, shop):
    results = campaign_results(campaign=campaign, at=_local(2025, 6, 5, 12))

    gold = tier_of(shop, 3)
    assert [(r.key, r.label, r.redemptions, r.cost, r.revenue) for r in results.by_tier] == [
        ("3", gold.name, 2, D("150000"), D("1600000")),
        ("", "No tier", 1, D("50000"), D("400000")),
    ]
    assert [(r.key, r.redemptions, r.cost) for r in results.by_channel] == [
        ("app", 1, D("100000")),
        ("website", 2, D("100000")),
    ]


def test_a_campaign_without_redemptions(shop):
    campaign = CampaignFactory(shop=shop)

    results = campaign_results(campaign=campaign)

    assert (results.redemptions, results.cost, results.return_on_spend) == (0, 0, None)
    assert results.projected_exhaustion is None
    assert results.by_tier == results.by_channel == []
