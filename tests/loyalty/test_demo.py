from io import StringIO

import pytest

from loyalty import demo
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry
from loyalty.selectors import ledger_mismatches
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_demo_spreads_members_over_all_five_tiers_with_consistent_history(shop):
    CustomerFactory.create_batch(10, shop=shop)
    out = StringIO()

    demo.seed(shops=[shop], stdout=out)

    ranks = list(LoyaltyAccount.objects.filter(shop=shop).values_list("tier__rank", flat=True))
    assert len(ranks) == 10
    assert set(ranks) == {1, 2, 3, 4, 5}
    kinds = set(PointsEntry.objects.filter(shop=shop).values_list("kind", flat=True))
    assert {EntryKind.EARN, EntryKind.RELEASE, EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL, EntryKind.CLAWBACK} <= kinds
    assert ledger_mismatches(shop=shop) == []
    assert "10 member accounts" in out.getvalue()


def test_demo_is_idempotent(shop):
    CustomerFactory.create_batch(5, shop=shop)
    demo.seed(shops=[shop], stdout=StringIO())
    entries = PointsEntry.objects.count()

    demo.seed(shops=[shop], stdout=StringIO())

    assert PointsEntry.objects.count() == entries


def test_demo_without_customers_says_so(shop):
    out = StringIO()

    demo.seed(shops=[shop], stdout=out)

    assert "no customers yet" in out.getvalue()
    assert not LoyaltyAccount.objects.exists()
