"""promotions.services: recording an order's redemptions, releasing them, and its revenue."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from promotions.models import Campaign, CodeMode, Kind, Redemption
from promotions.quotes import QuoteLine
from promotions.selectors import quote
from promotions.services import (
    redemptions_record_for_order,
    redemptions_record_revenue,
    redemptions_release_for_order,
)
from sellercenter.errors import Conflict, InvalidInput
from tests.orders.factories import ProductFactory
from tests.promotions.factories import CampaignFactory, CustomerFactory, VoucherFactory, member_in_tier, tier_of

pytestmark = pytest.mark.django_db

D = Decimal
LINES = [QuoteLine("AO-DAI", 1, D("500000"))]


def _quote(shop, customer=None, codes=(), channel="app"):
    return quote(shop=shop, lines=LINES, customer=customer, channel=channel, codes=list(codes))


def _record(shop, order_ref, customer=None, codes=(), **kwargs):
    return redemptions_record_for_order(
        shop=shop,
        order_ref=order_ref,
        quote=_quote(shop, customer, codes),
        customer=customer,
        order_total=kwargs.get("order_total", D("450000")),
    )


def _spent(campaign):
    campaign.refresh_from_db()
    return campaign.spent, campaign.uses_count


def test_record_spends_the_budget_and_keeps_what_results_need(shop):
    percent = CampaignFactory(shop=shop, name="10%")
    ProductFactory(shop=shop, sku="TUI")
    gift = CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, value=D("30000"), gift_sku="TUI")
    customer = member_in_tier(shop, 3)

    redemptions = _record(shop, "SC-000123", customer)

    assert _spent(percent) == (D("50000"), 1)
    assert _spent(gift) == (D("30000"), 1)
    assert sorted((r.campaign_id, r.amount) for r in redemptions) == [(percent.pk, 50000), (gift.pk, 30000)]
    row = Redemption.objects.get(campaign=percent)
    assert (row.order_ref, row.customer, row.channel, row.order_total) == ("SC-000123", customer, "app", 450000)
    assert row.tier == tier_of(shop, 3)


def test_recording_an_order_again_returns_the_first_rows_and_spends_nothing(shop):
    campaign = CampaignFactory(shop=shop)
    first = _record(shop, "SC-000123")

    again = _record(shop, "SC-000123")

    assert [r.pk for r in again] == [r.pk for r in first]
    assert _spent(campaign) == (D("50000"), 1)


def test_a_campaign_that_cannot_cover_its_discount_records_nothing_at_all(shop):
    fine = CampaignFactory(shop=shop, name="Còn ngân sách")
    short = CampaignFactory(shop=shop, name="Sắp hết", kind=Kind.ORDER_AMOUNT, value=D("40000"), budget=D("100000"))
    stale = _quote(shop)
    Campaign.objects.filter(pk=short.pk).update(spent=D("70000"))  # another order spent it meanwhile

    with pytest.raises(Conflict) as error:
        redemptions_record_for_order(shop=shop, order_ref="SC-1", quote=stale, order_total=D("1"))

    assert error.value.code == "promotion_unavailable"
    assert error.value.params == {"campaign_id": short.pk, "reason": "budget_exhausted"}
    assert "Sắp hết" in str(error.value)
    assert _spent(fine) == (0, 0)
    assert _spent(short) == (D("70000"), 0)
    assert not Redemption.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"paused_at": F("starts_at")}, "paused"),
        ({"ended_at": F("starts_at")}, "ended"),
        ({"usage_limit_total": 1, "uses_count": 1}, "usage_limit_reached"),
    ],
)
def test_a_campaign_that_stopped_since_the_quote_is_a_conflict(shop, change, reason):
    campaign = CampaignFactory(shop=shop)
    stale = _quote(shop)
    Campaign.objects.filter(pk=campaign.pk).update(**change)

    with pytest.raises(Conflict) as error:
        redemptions_record_for_order(shop=shop, order_ref="SC-1", quote=stale, order_total=D("1"))

    assert error.value.params["reason"] == reason
    assert not Redemption.objects.exists()


def test_per_customer_limit_is_checked_when_recording(shop):
    campaign = CampaignFactory(shop=shop, usage_limit_per_customer=1)
    customer = CustomerFactory(shop=shop)
    stale = _quote(shop, customer)
    _record(shop, "SC-1", customer)

    with pytest.raises(Conflict) as error:
        redemptions_record_for_order(shop=shop, order_ref="SC-2", quote=stale, customer=customer, order_total=D("1"))

    assert error.value.params["reason"] == "customer_limit_reached"
    assert _spent(campaign) == (D("50000"), 1)


def test_a_single_use_voucher_is_consumed_and_cannot_be_used_twice(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    voucher = VoucherFactory(campaign=campaign, code="MOTLAN-1")
    first_quote, second_quote = _quote(shop, codes=["motlan-1"]), _quote(shop, codes=["MOTLAN-1"])

    redemptions_record_for_order(shop=shop, order_ref="SC-1", quote=first_quote, order_total=D("1"))
    with pytest.raises(Conflict) as error:
        redemptions_record_for_order(shop=shop, order_ref="SC-2", quote=second_quote, order_total=D("1"))

    voucher.refresh_from_db()
    assert (voucher.used_order_ref, voucher.is_used) == ("SC-1", True)
    assert error.value.params["reason"] == "voucher_used"
    assert Redemption.objects.get().code == "MOTLAN-1"
    assert _spent(campaign) == (D("50000"), 1)


def test_release_gives_the_budget_uses_and_voucher_back_exactly_once(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    voucher = VoucherFactory(campaign=campaign, code="MOTLAN-1")
    _record(shop, "SC-1", codes=["MOTLAN-1"])

    assert redemptions_release_for_order(shop=shop, order_ref="SC-1") == D("50000")
    assert redemptions_release_for_order(shop=shop, order_ref="SC-1") == 0

    assert _spent(campaign) == (0, 0)
    voucher.refresh_from_db()
    assert not voucher.is_used
    assert Redemption.objects.get().released_at is not None


def test_a_released_order_cannot_redeem_again(shop):
    CampaignFactory(shop=shop)
    _record(shop, "SC-1")
    redemptions_release_for_order(shop=shop, order_ref="SC-1")

    with pytest.raises(Conflict):
        _record(shop, "SC-1")


def test_release_of_an_unknown_or_other_shops_order_changes_nothing(shop, other_shop):
    campaign = CampaignFactory(shop=shop)
    _record(shop, "SC-1")

    assert redemptions_release_for_order(shop=other_shop, order_ref="SC-1") == 0
    assert redemptions_release_for_order(shop=shop, order_ref="SC-404") == 0
    assert _spent(campaign) == (D("50000"), 1)


def test_an_order_without_promotions_records_nothing(shop):
    assert _record(shop, "SC-1") == []


def test_record_revenue_updates_the_orders_redemptions(shop):
    CampaignFactory(shop=shop)
    CampaignFactory(shop=shop, kind=Kind.FREE_SHIPPING, value=D("30000"))
    _record(shop, "SC-1")

    assert redemptions_record_revenue(shop=shop, order_ref="SC-1", revenue=D("300000")) == 1
    assert list(Redemption.objects.values_list("order_total", flat=True)) == [D("300000")]
    with pytest.raises(InvalidInput):
        redemptions_record_revenue(shop=shop, order_ref="SC-1", revenue=D("-1"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"order_ref": " "}, "order_ref"), ({"order_total": D("-1")}, "order_total")],
)
def test_bad_input_is_refused_naming_the_field(shop, kwargs, field):
    arguments = {"shop": shop, "order_ref": "SC-1", "quote": _quote(shop), "order_total": D("1"), **kwargs}

    with pytest.raises(InvalidInput) as error:
        redemptions_record_for_order(**arguments)

    assert field in error.value.fields


def test_another_shops_quote_is_refused(shop, other_shop):
    with pytest.raises(InvalidInput) as error:
        redemptions_record_for_order(shop=other_shop, order_ref="SC-1", quote=_quote(shop), order_total=D("1"))

    assert "quote" in error.value.fields


def test_the_database_refuses_spending_past_the_budget(shop):
    campaign = CampaignFactory(shop=shop, budget=D("100000"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(spent=D("100001"))


def test_a_merged_profiles_redemptions_count_for_the_kept_profile(shop):
    from customers.services import customer_merge

    campaign = CampaignFactory(shop=shop, usage_limit_per_customer=1)
    duplicate, kept = CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    _record(shop, "SC-1", duplicate)

    customer_merge(source=duplicate, target=kept)

    assert Redemption.objects.get().customer == kept
    assert [(r.campaign_id, r.reason) for r in _quote(shop, kept).rejected] == [(campaign.pk, "customer_limit_reached")]
