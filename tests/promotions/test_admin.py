"""The promotions admin: campaign list and form, actions, voucher batches and export, results."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from promotions.models import Campaign, CodeMode, Kind, Status, Voucher
from tests.promotions.factories import CampaignFactory, RedemptionFactory, VoucherFactory, tier_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:promotions_campaign_changelist")
ADD = reverse("admin:promotions_campaign_add")


def _change(campaign):
    return reverse("admin:promotions_campaign_change", args=[campaign.pk])


def _form(shop, **overrides):
    data = {
        "shop": shop.pk,
        "name": "Sale 8.8",
        "description": "",
        "kind": Kind.ORDER_PERCENTAGE,
        "value": "8",
        "skus": "",
        "gift_sku": "",
        "gift_quantity": "1",
        "min_subtotal": "0",
        "max_discount": "",
        "starts_at_0": "2030-08-08",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2030-08-09",
        "ends_at_1": "00:00:00",
        "budget": "5000000",
        "usage_limit_total": "",
        "usage_limit_per_customer": "",
        "tiers": [],
        "segment": "",
        "channels": [],
        "priority": "0",
        "code_mode": CodeMode.AUTOMATIC,
        "code": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_changelist_shows_status_and_spend_and_filters_by_status(owner_client, shop):
    CampaignFactory(shop=shop, name="Đang chạy", budget=Decimal("1000000"), spent=Decimal("950000"))
    CampaignFactory(shop=shop, name="Tạm dừng", paused_at=timezone.now())

    page = owner_client.get(CHANGELIST).content.decode()
    paused = owner_client.get(CHANGELIST, {"status": Status.PAUSED}).content.decode()

    assert "Đang chạy" in page and str(Status.ACTIVE.label) in page
    assert "950.000 ₫ / 1.000.000 ₫" in page
    assert "Tạm dừng" in paused and "Đang chạy" not in paused


def test_changelist_queries_do_not_grow_with_the_campaigns(owner_client, shop, django_assert_max_num_queries):
    CampaignFactory.create_batch(2, shop=shop)
    owner_client.get(CHANGELIST)
    with django_assert_max_num_queries(100) as few:
        owner_client.get(CHANGELIST)
    CampaignFactory.create_batch(8, shop=shop)

    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get(CHANGELIST)


def test_add_through_the_form_creates_a_draft_in_the_shops_time_zone(owner_client, shop):
    response = owner_client.post(ADD, _form(shop, tiers=[tier_of(shop, 5).pk], channels=["app", "pos"]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get()
    assert campaign.status == Status.DRAFT
    assert campaign.starts_at == datetime(2030, 8, 7, 17, 0, tzinfo=UTC)
    assert list(campaign.tiers.all()) == [tier_of(shop, 5)]
    assert campaign.channels == ["app", "pos"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value": "150"}, "value"),
        ({"kind": Kind.SKU_PERCENTAGE}, "skus"),
        ({"code_mode": CodeMode.SHARED, "code": "?"}, "code"),
        ({"ends_at_0": "2030-08-07"}, "ends_at"),
    ],
)
def test_an_invalid_form_shows_the_services_error_and_creates_nothing(owner_client, shop, overrides, field):
    response = owner_client.post(ADD, _form(shop, **overrides))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Campaign.objects.exists()


def test_sku_list_is_typed_one_per_line(owner_client, shop):
    owner_client.post(ADD, _form(shop, kind=Kind.SKU_PERCENTAGE, skus="AO-01\nAO-02, QUAN-01\n"))

    assert Campaign.objects.get().skus == ["AO-01", "AO-02", "QUAN-01"]


def test_a_running_campaigns_offer_is_read_only_but_its_budget_can_grow(owner_client, shop):
    campaign = CampaignFactory(
        shop=shop, budget=Decimal("1000000"), kind=Kind.SKU_PERCENTAGE, skus=["AO-01"], channels=["app"]
    )

    page = owner_client.get(_change(campaign))
    response = owner_client.post(
        _change(campaign),
        {
            "name": campaign.name,
            "description": "",
            "ends_at_0": "2099-01-01",
            "ends_at_1": "00:00:00",
            "budget": "2000000",
            "usage_limit_total": "",
            "usage_limit_per_customer": "",
            "priority": "0",
            "value": "90",
        },
    )

    assert not {"value", "skus", "channels"} & set(page.context["adminform"].form.fields)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.budget, campaign.value) == (Decimal("2000000"), Decimal("10"))
    assert (campaign.skus, campaign.channels) == (["AO-01"], ["app"])


def test_actions_go_through_the_services_and_report_refusals(owner_client, shop):
    running = CampaignFactory(shop=shop)
    draft = CampaignFactory(shop=shop, published_at=None)

    owner_client.post(CHANGELIST, {"action": "pause", "_selected_action": [running.pk]})
    refused = owner_client.post(CHANGELIST, {"action": "resume", "_selected_action": [draft.pk]}, follow=True)
    owner_client.post(CHANGELIST, {"action": "duplicate", "_selected_action": [running.pk]})

    running.refresh_from_db()
    assert running.status == Status.PAUSED
    assert "Only a paused campaign can be resumed." in refused.content.decode()
    assert Campaign.objects.filter(name=f"{running.name} (copy)", published_at__isnull=True).exists()


def test_generate_a_voucher_batch_and_export_it(owner_client, shop):
    campaign = CampaignFactory(shop=shop, name="=HYPERLINK(1)", code_mode=CodeMode.UNIQUE)
    url = reverse("admin:promotions_campaign_generate_vouchers", args=[campaign.pk])

    chosen = owner_client.post(CHANGELIST, {"action": "generate_vouchers", "_selected_action": [campaign.pk]})
    generated = owner_client.post(url, {"count": "25", "prefix": "tet26"})

    assert chosen.url == url
    assert generated.status_code == 302
    codes = list(Voucher.objects.filter(campaign=campaign).values_list("code", flat=True))
    assert len(codes) == 25 and all(code.startswith("TET26") and len(code) == 15 for code in codes)

    export = owner_client.post(
        reverse("admin:promotions_voucher_export") + f"?campaign__id__exact={campaign.pk}",
        {
            "format": _csv_format_index(),
            "resource": "0",
            **{f"voucherresource_{name}": "on" for name in ("code", "campaign", "batch", "used_order_ref")},
        },
    )
    content = export.content.decode("utf-8-sig")
    assert export.status_code == 200, content[:500]
    assert set(codes) <= set(line.split(",")[0] for line in content.splitlines()[1:])
    assert "'=HYPERLINK(1)" in content


def _csv_format_index() -> str:
    formats = admin.site._registry[Voucher].get_export_formats()
    return str(next(index for index, fmt in enumerate(formats) if fmt().get_title() == "csv"))


def test_a_batch_for_a_campaign_without_unique_codes_is_refused(owner_client, shop):
    campaign = CampaignFactory(shop=shop)

    response = owner_client.post(
        reverse("admin:promotions_campaign_generate_vouchers", args=[campaign.pk]),
        {"count": "5", "prefix": ""},
        follow=True,
    )

    assert "unique voucher codes" in response.content.decode()
    assert not Voucher.objects.exists()


def test_another_shops_campaign_and_its_batch_page_are_not_found(owner_client, other_shop):
    campaign = CampaignFactory(shop=other_shop, code_mode=CodeMode.UNIQUE)

    assert owner_client.get(_change(campaign)).status_code == 404
    url = reverse("admin:promotions_campaign_generate_vouchers", args=[campaign.pk])
    assert owner_client.post(url, {"count": "5"}).status_code == 404
    assert not Voucher.objects.exists()


def test_the_change_page_shows_results_with_a_chart(owner_client, shop):
    campaign = CampaignFactory(shop=shop, starts_at=timezone.now() - timedelta(days=3))
    RedemptionFactory(campaign=campaign, tier=tier_of(shop, 2), amount=Decimal("40000"))
    RedemptionFactory(campaign=campaign, channel="app", created_at=timezone.now() - timedelta(days=1))

    page = owner_client.get(_change(campaign)).content.decode()

    assert "<svg" in page and page.count("<rect") >= 4
    assert "90.000 ₫" in page  # cost
    assert "1.000.000 ₫" in page  # revenue
    assert "11.11×" in page  # return on spend


def test_vouchers_and_redemptions_are_read_only(owner_client, shop):
    voucher = VoucherFactory(campaign=CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE))
    RedemptionFactory(campaign=voucher.campaign)

    assert owner_client.get(reverse("admin:promotions_voucher_changelist")).status_code == 200
    assert owner_client.get(reverse("admin:promotions_redemption_changelist")).status_code == 200
    assert owner_client.get(reverse("admin:promotions_voucher_add")).status_code == 403
    assert owner_client.get(reverse("admin:promotions_redemption_add")).status_code == 403


def test_the_campaign_page_shows_its_results_on_top_and_its_settings_in_tabs(owner_client, shop):
    campaign = CampaignFactory(shop=shop)

    page = owner_client.get(_change(campaign))

    fieldsets = list(page.context["adminform"])
    assert [("tab" in f.classes) for f in fieldsets] == [False, False, True, True, True, True, True]
    assert "results" in fieldsets[1].fields
