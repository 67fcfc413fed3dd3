"""promotions.services: creating and changing campaigns, their status transitions, voucher batches;
and the derived status, the same in Python and in SQL."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from promotions import services
from promotions.models import Campaign, CodeMode, Kind, Status
from sellercenter.errors import InvalidInput, NotAllowed
from tests.promotions.factories import CampaignFactory, VoucherFactory, repeat_buyers_segment, tier_of

pytestmark = pytest.mark.django_db

D = Decimal


def _terms(**overrides):
    now = timezone.now()
    return {
        "name": "Sale 10.10",
        "kind": Kind.ORDER_PERCENTAGE,
        "value": D("10"),
        "starts_at": now + timedelta(days=1),
        "ends_at": now + timedelta(days=2),
        "budget": D("5000000"),
        **overrides,
    }


def test_create_makes_a_draft_and_normalizes_what_the_kind_does_not_use(shop):
    campaign = services.campaign_create(
        shop=shop,
        **_terms(skus=["A"], gift_sku="QUA", code=" tet ", tiers=[tier_of(shop, 2)], channels=["app", "app"]),
    )

    assert campaign.status == Status.DRAFT
    assert (campaign.skus, campaign.gift_sku, campaign.code) == ([], "", "")
    assert campaign.channels == ["app"]
    assert list(campaign.tiers.all()) == [tier_of(shop, 2)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"kind": "bogo"}, "kind"),
        ({"value": D("0")}, "value"),
        ({"value": D("100.01")}, "value"),
        ({"kind": Kind.SKU_PERCENTAGE}, "skus"),
        ({"kind": Kind.FREE_GIFT, "value": D("1000")}, "gift_sku"),
        ({"min_subtotal": D("-1")}, "min_subtotal"),
        ({"max_discount": D("0")}, "max_discount"),
        ({"ends_at": timezone.now()}, "ends_at"),
        ({"starts_at": timezone.now().replace(tzinfo=None)}, "starts_at"),
        ({"budget": D("0")}, "budget"),
        ({"usage_limit_total": 0}, "usage_limit_total"),
        ({"usage_limit_per_customer": 0}, "usage_limit_per_customer"),
        ({"channels": ["tiktok"]}, "channels"),
        ({"code_mode": CodeMode.SHARED}, "code"),
        ({"code_mode": CodeMode.SHARED, "code": "có dấu"}, "code"),
        ({"code_mode": "magic"}, "code_mode"),
    ],
)
def test_create_refuses_bad_terms_naming_the_field(shop, overrides, field):
    with pytest.raises(InvalidInput) as error:
        services.campaign_create(shop=shop, **_terms(**overrides))

    assert field in error.value.fields
    assert not Campaign.objects.exists()


def test_create_refuses_another_shops_tier_and_segment(shop, other_shop):
    with pytest.raises(InvalidInput) as error:
        services.campaign_create(
            shop=shop, **_terms(tiers=[tier_of(other_shop, 1)], segment=repeat_buyers_segment(other_shop))
        )

    assert set(error.value.fields) == {"tiers", "segment"}


def test_a_shared_code_is_unique_in_the_shop_whatever_its_case(shop, other_shop):
    services.campaign_create(shop=shop, **_terms(code_mode=CodeMode.SHARED, code="TET"))
    VoucherFactory(campaign=CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE), code="VC-1")
    services.campaign_create(shop=other_shop, **_terms(code_mode=CodeMode.SHARED, code="TET"))

    for taken in ("tet", "vc-1"):
        with pytest.raises(InvalidInput) as error:
            services.campaign_create(shop=shop, **_terms(code_mode=CodeMode.SHARED, code=taken))
        assert "code" in error.value.fields


def test_a_scheduled_campaign_may_change_everything(shop):
    campaign = CampaignFactory(shop=shop, starts_at=timezone.now() + timedelta(days=1))

    services.campaign_update(campaign=campaign, kind=Kind.ORDER_AMOUNT, value=D("20000"), channels=["pos"])

    campaign.refresh_from_db()
    assert (campaign.kind, campaign.value, campaign.channels) == (Kind.ORDER_AMOUNT, 20000, ["pos"])


def test_a_started_campaign_keeps_its_offer(shop):
    campaign = CampaignFactory(shop=shop, spent=D("300000"), budget=D("1000000"))

    with pytest.raises(NotAllowed) as error:
        services.campaign_update(campaign=campaign, value=D("50"), tiers=[tier_of(shop, 1)], name="Mới")
    services.campaign_update(campaign=campaign, name="Mới", value=D("10"), budget=D("2000000"))

    assert set(error.value.fields) == {"value", "tiers"}
    campaign.refresh_from_db()
    assert (campaign.name, campaign.budget) == ("Mới", 2000000)


def test_the_budget_never_drops_below_what_is_spent(shop):
    campaign = CampaignFactory(shop=shop, spent=D("300000"), budget=D("1000000"))

    with pytest.raises(InvalidInput) as error:
        services.campaign_update(campaign=campaign, budget=D("299999"))

    assert "budget" in error.value.fields
    services.campaign_update(campaign=campaign, budget=D("300000"))
    campaign.refresh_from_db()
    assert campaign.status == Status.EXHAUSTED


def test_transitions(shop):
    campaign = CampaignFactory(shop=shop, published_at=None)

    assert services.campaign_publish(campaign=campaign).status == Status.ACTIVE
    assert services.campaign_pause(campaign=campaign).status == Status.PAUSED
    assert services.campaign_resume(campaign=campaign).status == Status.ACTIVE
    assert services.campaign_end(campaign=campaign).status == Status.ENDED


@pytest.mark.parametrize(
    ("state", "service"),
    [
        ({"published_at": None}, services.campaign_pause),
        ({"published_at": None}, services.campaign_end),
        ({}, services.campaign_publish),
        ({}, services.campaign_resume),
        ({"ended_at": timezone.now()}, services.campaign_pause),
        ({"ended_at": timezone.now()}, services.campaign_end),
        ({"ended_at": timezone.now(), "paused_at": timezone.now()}, services.campaign_resume),
        ({"paused_at": timezone.now()}, services.campaign_pause),
    ],
)
def test_transitions_the_status_does_not_allow_are_refused(shop, state, service):
    campaign = CampaignFactory(shop=shop, **state)
    before = Campaign.objects.values().get(pk=campaign.pk)

    with pytest.raises(NotAllowed):
        service(campaign=campaign)

    assert Campaign.objects.values().get(pk=campaign.pk) == before


def test_a_draft_whose_end_has_passed_cannot_be_published(shop):
    campaign = CampaignFactory(
        shop=shop, published_at=None, starts_at=timezone.now() - timedelta(days=9), ends_at=timezone.now()
    )

    with pytest.raises(InvalidInput) as error:
        services.campaign_publish(campaign=campaign)

    assert "ends_at" in error.value.fields


def test_duplicate_copies_the_terms_into_a_fresh_draft(shop):
    original = CampaignFactory(
        shop=shop,
        name="Sale 11.11",
        code_mode=CodeMode.SHARED,
        code="SALE1111",
        spent=D("500000"),
        uses_count=10,
        tiers=[tier_of(shop, 4)],
        channels=["app"],
        segment=repeat_buyers_segment(shop),
    )

    copy = services.campaign_duplicate(campaign=original)

    assert copy.pk != original.pk
    assert copy.status == Status.DRAFT
    assert (copy.name, copy.code, copy.code_mode) == ("Sale 11.11 (copy)", "", CodeMode.AUTOMATIC)
    assert (copy.spent, copy.uses_count) == (0, 0)
    assert (copy.channels, copy.segment, list(copy.tiers.all())) == (["app"], original.segment, [tier_of(shop, 4)])


def test_voucher_batch_codes_are_unique_random_and_prefixed(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)

    first = services.vouchers_generate(campaign=campaign, count=500, prefix="tet-")
    second = services.vouchers_generate(campaign=campaign, count=500, prefix="TET-")

    codes = [v.code for v in first + second]
    assert len(set(codes)) == 1000
    assert all(re.fullmatch(r"TET-[A-HJKMNP-Z2-9]{10}", code) for code in codes)
    assert {v.batch for v in first} != {v.batch for v in second}
    assert len({v.batch for v in first}) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"count": 0}, "count"), ({"count": 10001}, "count"), ({"count": 1, "prefix": "QUÁ-DÀI-1234567"}, "prefix")],
)
def test_voucher_batch_input_is_checked(shop, kwargs, field):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)

    with pytest.raises(InvalidInput) as error:
        services.vouchers_generate(campaign=campaign, **kwargs)

    assert field in error.value.fields


def test_voucher_batches_only_for_unique_code_campaigns_that_have_not_ended(shop):
    with pytest.raises(NotAllowed):
        services.vouchers_generate(campaign=CampaignFactory(shop=shop), count=1)
    with pytest.raises(NotAllowed):
        services.vouchers_generate(
            campaign=CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE, ended_at=timezone.now()), count=1
        )


def test_a_campaign_with_vouchers_keeps_unique_codes(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE, starts_at=timezone.now() + timedelta(days=1))
    services.vouchers_generate(campaign=campaign, count=1)

    with pytest.raises(InvalidInput) as error:
        services.campaign_update(campaign=campaign, code_mode=CodeMode.AUTOMATIC)

    assert "code_mode" in error.value.fields


def test_status_is_the_same_in_python_and_in_sql(shop):
    now = timezone.now()
    expected = {
        Status.DRAFT: CampaignFactory(shop=shop, published_at=None, paused_at=now),
        Status.SCHEDULED: CampaignFactory(shop=shop, starts_at=now + timedelta(hours=1)),
        Status.ACTIVE: CampaignFactory(shop=shop),
        Status.PAUSED: CampaignFactory(shop=shop, paused_at=now),
        Status.ENDED: CampaignFactory(shop=shop, starts_at=now - timedelta(days=3), ends_at=now, spent=D("10000000")),
        Status.EXHAUSTED: CampaignFactory(shop=shop, usage_limit_total=2, uses_count=2, paused_at=now),
    }

    annotated = {c.pk: c.current_status for c in Campaign.objects.with_status(now)}

    for status, campaign in expected.items():
        assert campaign.status_at(now) == status
        assert annotated[campaign.pk] == status
