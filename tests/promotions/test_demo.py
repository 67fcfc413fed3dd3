"""promotions.demo.seed: every kind and status, one offer per tier, one campaign nearly out of budget."""

from io import StringIO

import pytest

from orders.demo import seed_catalogue
from promotions import demo
from promotions.models import Campaign, Kind, Redemption, Status, Voucher
from promotions.selectors import campaign_results

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_covers_kinds_states_and_tiers(shop):
    out = StringIO()
    seed_catalogue(shops=[shop], stdout=out)  # the products campaigns name
    demo.seed(shops=[shop], stdout=out)
    counts = (Campaign.objects.count(), Redemption.objects.count(), Voucher.objects.count())
    demo.seed(shops=[shop], stdout=out)

    assert (Campaign.objects.count(), Redemption.objects.count(), Voucher.objects.count()) == counts
    campaigns = list(Campaign.objects.filter(shop=shop).prefetch_related("tiers"))
    assert {c.kind for c in campaigns} == set(Kind.values)
    statuses = {c.status for c in campaigns}
    assert {Status.DRAFT, Status.SCHEDULED, Status.ACTIVE, Status.PAUSED, Status.ENDED} <= statuses
    assert sorted(t.rank for c in campaigns for t in c.tiers.all()) == [1, 2, 3, 4, 5]
    # Nothing is spent without an order: the orders demo's checkouts spend the budgets.
    assert not Redemption.objects.filter(shop=shop).exists()
    nearly = Campaign.objects.get(shop=shop, name=demo.NEARLY_EXHAUSTED)
    assert campaign_results(campaign=nearly).cost == nearly.spent == 0
    assert "Promotions:" in out.getvalue()
