from io import StringIO

import pytest

from loyalty import demo
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry
from loyalty.selectors import ledger_mismatches
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_demo_makes_every_customer_a_member_and_uses_all_five_tiers(shop):
    CustomerFactory.create_batch(40, shop=shop)
    out = StringIO()

    demo.seed(shops=[shop], stdout=out)

    ranks = list(LoyaltyAccount.objects.filter(shop=shop).values_list("tier__rank", flat=True))
    assert len(ranks) == 40
    assert set(ranks) == {1, 2, 3, 4, 5}
    # Points come from the orders demo's orders only (see tests/sellercenter/test_demo_story.py).
    assert not PointsEntry.objects.filter(shop=shop, kind=EntryKind.EARN).exists()
    assert ledger_mismatches(shop=shop) == []
    assert "40 customers enrolled" in out.getvalue()


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
