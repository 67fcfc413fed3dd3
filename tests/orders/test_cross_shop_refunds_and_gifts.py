"""The cross-app rules see one shop only: refunds due (admin list, late filter, the complete action,
finance's figures), the gift a campaign names (looked up among the shop's own products, never another
shop's SKU of the same code) and the admin's warning about a gift that ran out."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance.selectors import refunds_owed
from orders.models import OrderStatus, RefundDue, RefundDueStatus
from promotions.models import Kind
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, ProductFactory, place, reach
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db
REFUNDS = "/admin/orders/refunddue/"


@pytest.fixture
def theirs(other_shop):
    """A late refund owed by the other shop."""
    due = RefundDue.objects.get(order=reach(other_shop, OrderStatus.CANCELLED))
    RefundDue.objects.filter(pk=due.pk).update(due_at=timezone.now() - timedelta(days=2))
    return due


def test_the_refunds_due_list_shows_the_shops_own_rows_only(shop, theirs, owner_client):
    mine = RefundDue.objects.get(order=reach(shop, OrderStatus.CANCELLED))
    RefundDue.objects.filter(pk=mine.pk).update(due_at=timezone.now() - timedelta(days=1))

    for query in ("", "?late=yes"):
        listed = owner_client.get(f"{REFUNDS}{query}")
        assert [row.pk for row in listed.context["cl"].result_list] == [mine.pk], query


def test_a_refund_due_of_another_shop_can_be_neither_seen_nor_completed(theirs, owner_client):
    page = owner_client.get(f"{REFUNDS}{theirs.pk}/change/")
    done = owner_client.post(f"{REFUNDS}{theirs.pk}/do/complete/", {"complete-reference": "VCB-1"})

    assert page.status_code in (302, 404)
    assert done.status_code in (302, 403, 404)
    theirs.refresh_from_db()
    assert (theirs.status, theirs.reference, theirs.done_at) == (RefundDueStatus.DUE, "", None)


def test_finance_counts_the_shops_own_refunds_owed(shop, theirs):
    reach(shop, OrderStatus.CANCELLED)

    owed = refunds_owed(shop=shop)

    assert (owed.due_count, owed.due_amount, owed.late_count, owed.late_amount) == (1, Decimal("150000"), 0, 0)


def _gift_campaign(shop, sku):
    return CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku=sku, value=Decimal("50000"))


def test_a_gift_is_never_taken_from_another_shops_stock(shop, other_shop):
    gift_elsewhere = ProductFactory(shop=other_shop, sku="TUI-VAI-01", stock_on_hand=5)
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("600000"), stock_on_hand=5)
    campaign = _gift_campaign(shop, "TUI-VAI-01")

    quote = make_api_client(shop).post(
        "/api/v1/orders/quote",
        {"channel": "website", "lines": [{"sku": "AO-DAI", "quantity": 1}], "shipping_address": ADDRESS},
        format="json",
    )
    order = place(shop, lines=[("AO-DAI", 1)])

    assert quote.status_code == 200, quote.json()
    assert [(g["campaign_id"], g["reason"]) for g in quote.json()["gifts_dropped"]] == [(campaign.pk, "gift_unknown")]
    assert not order.lines.filter(is_gift=True).exists()
    gift_elsewhere.refresh_from_db()
    assert (gift_elsewhere.stock_on_hand, gift_elsewhere.stock_reserved) == (5, 0)


def test_the_gift_warning_names_the_shops_own_campaigns_only(shop, other_shop, owner_client):
    ProductFactory(shop=other_shop, sku="TUI-VAI-01", stock_on_hand=0)
    theirs = _gift_campaign(other_shop, "TUI-VAI-01")
    ProductFactory(shop=shop, sku="KHAN-LUA", stock_on_hand=0)
    mine = _gift_campaign(shop, "KHAN-LUA")

    listed = owner_client.get("/admin/promotions/campaign/")

    warnings = [str(m) for m in listed.context["messages"] if m.level_tag == "warning"]
    assert any(mine.name in warning and "KHAN-LUA" in warning for warning in warnings), warnings
    assert not any(theirs.name in warning or "TUI-VAI-01" in warning for warning in warnings), warnings
