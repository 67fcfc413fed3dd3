"""The budget under concurrency (PostgreSQL): 32 orders redeem one campaign at the same moment."""

from decimal import Decimal

import pytest

from promotions.models import Campaign, CodeMode, Kind, Redemption
from promotions.quotes import QuoteLine
from promotions.selectors import quote
from promotions.services import redemptions_record_for_order, redemptions_release_for_order
from sellercenter.errors import Conflict
from tests.concurrency import run_concurrently
from tests.promotions.factories import CampaignFactory, CustomerFactory, VoucherFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal
THREADS = 32


def _quote(shop, codes=(), customer=None):
    return quote(
        shop=shop, lines=[QuoteLine("AO-DAI", 1, D("500000"))], customer=customer, channel="website", codes=list(codes)
    )


def _redeem_all(shop, cart_quote, customer=None, order_ref=lambda i: f"SC-{i:06d}"):
    def redeem(index):
        return redemptions_record_for_order(
            shop=shop, order_ref=order_ref(index), quote=cart_quote, customer=customer, order_total=D("450000")
        )

    results = run_concurrently(redeem, THREADS)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert unexpected == []
    return [r for r in results if not isinstance(r, Exception)], [r for r in results if isinstance(r, Conflict)]


def _campaign(campaign):
    campaign.refresh_from_db()
    return campaign


def test_when_demand_exceeds_the_budget_exactly_the_budget_is_spent(shop):
    campaign = CampaignFactory(shop=shop, kind=Kind.ORDER_AMOUNT, value=D("50000"), budget=D("1000000"))

    done, refused = _redeem_all(shop, _quote(shop))

    campaign = _campaign(campaign)
    assert len(done) == 20
    assert {error.params["reason"] for error in refused} == {"budget_exhausted"}
    assert campaign.spent == campaign.budget == D("1000000")
    assert campaign.uses_count == Redemption.objects.filter(campaign=campaign).count() == 20


def test_the_budget_is_never_overspent_when_discounts_do_not_divide_it(shop):
    campaign = CampaignFactory(shop=shop, kind=Kind.ORDER_AMOUNT, value=D("70000"), budget=D("1000000"))

    done, refused = _redeem_all(shop, _quote(shop))

    campaign = _campaign(campaign)
    assert len(done) == 14
    assert len(refused) == THREADS - 14
    assert campaign.spent == D("980000") <= campaign.budget
    total = sum(Redemption.objects.filter(campaign=campaign).values_list("amount", flat=True))
    assert total == campaign.spent


def test_the_total_usage_limit_holds(shop):
    campaign = CampaignFactory(shop=shop, usage_limit_total=5)

    done, refused = _redeem_all(shop, _quote(shop))

    assert len(done) == 5
    assert {error.params["reason"] for error in refused} == {"usage_limit_reached"}
    assert _campaign(campaign).uses_count == 5


def test_the_per_customer_limit_holds(shop):
    campaign = CampaignFactory(shop=shop, usage_limit_per_customer=2)
    customer = CustomerFactory(shop=shop)

    done, refused = _redeem_all(shop, _quote(shop, customer=customer), customer=customer)

    assert len(done) == 2
    assert {error.params["reason"] for error in refused} == {"customer_limit_reached"}
    assert Redemption.objects.filter(campaign=campaign, customer=customer).count() == 2
    assert _campaign(campaign).spent == D("100000")


def test_a_single_use_voucher_is_used_once(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    VoucherFactory(campaign=campaign, code="MOTLAN-1")

    done, refused = _redeem_all(shop, _quote(shop, codes=["MOTLAN-1"]))

    assert len(done) == 1
    assert {error.params["reason"] for error in refused} == {"voucher_used"}
    assert _campaign(campaign).spent == D("50000")


def test_one_order_recorded_concurrently_spends_once(shop):
    campaign = CampaignFactory(shop=shop)

    done, _refused = _redeem_all(shop, _quote(shop), order_ref=lambda _i: "SC-000001")

    assert done
    assert Redemption.objects.count() == 1
    assert _campaign(campaign).spent == D("50000")


def test_a_concurrent_release_gives_the_budget_back_exactly_once(shop):
    campaign = CampaignFactory(shop=shop)
    redemptions_record_for_order(shop=shop, order_ref="SC-000001", quote=_quote(shop), order_total=D("450000"))

    returned = run_concurrently(lambda _i: redemptions_release_for_order(shop=shop, order_ref="SC-000001"), THREADS)

    assert sorted(returned, reverse=True)[:2] == [D("50000"), D("0")]
    assert sum(returned) == D("50000")
    campaign = _campaign(campaign)
    assert (campaign.spent, campaign.uses_count) == (0, 0)
    assert Campaign.objects.filter(spent__lt=0).count() == 0
