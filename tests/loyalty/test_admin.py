import re
from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, ProgrammeSettings, Tier, TierChangeReason
from sellercenter.admin_base import actor_shown
from sellercenter.models import ActorKind
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import member, with_available_points

pytestmark = pytest.mark.django_db


def _programme_post(programme, **overrides) -> dict:
    data = {
        "qualification_basis": programme.qualification_basis,
        "qualification_window": programme.qualification_window,
        "spend_per_point": programme.spend_per_point,
        "point_value": programme.point_value,
        "max_redemption_percent": programme.max_redemption_percent,
        "points_lifetime_months": programme.points_lifetime_months,
    }
    for tier in Tier.objects.filter(shop=programme.shop):
        for name in ("name", "threshold", "earn_multiplier", "benefits"):
            data[f"tier{tier.rank}_{name}"] = getattr(tier, name)
    data.update(overrides)
    return data


def test_programme_page_configures_rules_and_tiers_together(owner_client, shop):
    programme = ProgrammeSettings.objects.get(shop=shop)
    url = reverse("admin:loyalty_programmesettings_change", args=[programme.pk])
    assert owner_client.get(url).status_code == 200

    response = owner_client.post(
        url,
        _programme_post(
            programme,
            point_value="20",
            tier2_threshold="6000000",
            tier3_threshold="8000000",
            tier3_name="Vàng Plus",
        ),
    )

    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.point_value == Decimal("20")
    tiers = {tier.rank: tier for tier in Tier.objects.filter(shop=shop)}
    assert (tiers[2].threshold, tiers[3].threshold, tiers[3].name) == (Decimal(6000000), Decimal(8000000), "Vàng Plus")


def test_tiers_out_of_order_are_refused_on_the_page_and_nothing_changes(owner_client, shop):
    programme = ProgrammeSettings.objects.get(shop=shop)
    url = reverse("admin:loyalty_programmesettings_change", args=[programme.pk])

    response = owner_client.post(url, _programme_post(programme, point_value="20", tier4_threshold="100"))

    assert response.status_code == 200
    assert "tier4_threshold" in response.context["adminform"].form.errors
    programme.refresh_from_db()
    assert programme.point_value == Decimal("10")
    assert Tier.objects.get(shop=shop, rank=4).threshold == Decimal("15000000")


def test_account_page_shows_barcode_card_ledger_and_another_shops_account_is_404(owner_client, shop, other_shop):
    account = member(shop)
    with_available_points(account, 40, order_ref="SC-1")
    theirs = member(other_shop)

    page = owner_client.get(reverse("admin:loyalty_loyaltyaccount_change", args=[account.pk]))
    card = owner_client.get(reverse("admin:loyalty_loyaltyaccount_card", args=[account.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content
    assert "order:SC-1" in content
    assert card.status_code == 200
    assert account.member_code in card.content.decode()
    assert "Thời Trang Hoa Mai" in card.content.decode()
    assert owner_client.get(reverse("admin:loyalty_loyaltyaccount_change", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("admin:loyalty_loyaltyaccount_card", args=[theirs.pk])).status_code == 404


def test_adjust_action_asks_for_points_and_a_reason_then_adjusts(owner_client, owner, shop):
    account = member(shop)
    url = reverse("admin:loyalty_loyaltyaccount_changelist")
    selection = {"action": "adjust_points", "_selected_action": [account.pk]}

    form_page = owner_client.post(url, selection)
    assert form_page.status_code == 200
    assert "reason" in form_page.context["form"].fields

    no_reason = owner_client.post(url, {**selection, "apply": "1", "points": "30", "reason": ""})
    assert no_reason.status_code == 200
    assert not PointsEntry.objects.filter(account=account).exists()

    done = owner_client.post(url, {**selection, "apply": "1", "points": "30", "reason": "Tri ân"})
    assert done.status_code == 302
    entry = PointsEntry.objects.get(account=account)
    assert (entry.kind, entry.available_delta, entry.reason, entry.actor_kind, entry.user) == (
        EntryKind.ADJUSTMENT,
        30,
        "Tri ân",
        "staff",
        owner,
    )


def test_ledger_and_tier_history_show_by_whom_staff_the_system_or_an_api_key(owner_client, owner, shop):
    account = member(shop)
    owner_client.post(
        reverse("admin:loyalty_loyaltyaccount_changelist"),
        {"action": "adjust_points", "_selected_action": [account.pk], "apply": "1", "points": "30", "reason": "Tri ân"},
    )
    with_available_points(account, 10, order_ref="SC-1")

    ledger = owner_client.get(reverse("admin:loyalty_pointsentry_changelist"))
    history = owner_client.get(reverse("admin:loyalty_tierchange_changelist"))

    rows = {entry.kind: str(actor_shown(entry)) for entry in ledger.context["cl"].result_list}
    assert rows[EntryKind.ADJUSTMENT] == str(owner)
    assert rows[EntryKind.EARN] == rows[EntryKind.RELEASE] == str(ActorKind.SYSTEM.label)
    assert re.search(rf'<td class="field-actor_shown[^>]*>{re.escape(str(owner))}</td>', ledger.content.decode())
    assert [str(actor_shown(change)) for change in history.context["cl"].result_list] == [str(ActorKind.SYSTEM.label)]


def test_adjust_action_refusal_is_a_message_and_changes_nothing(owner_client, shop):
    account = member(shop)
    url = reverse("admin:loyalty_loyaltyaccount_changelist")

    response = owner_client.post(
        url,
        {"action": "adjust_points", "_selected_action": [account.pk], "apply": "1", "points": "-5", "reason": "Sửa"},
        follow=True,
    )

    assert any("available" in str(message) for message in response.context["messages"])
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 0


def test_tier_floor_action_sets_the_floor_with_the_reason(owner_client, owner, shop):
    account = member(shop)

    owner_client.post(
        reverse("admin:loyalty_loyaltyaccount_changelist"),
        {"action": "set_tier_floor", "_selected_action": [account.pk], "apply": "1", "rank": "4", "reason": "KOL"},
    )

    account.refresh_from_db()
    assert (account.tier.rank, account.tier_floor.rank, account.tier_floor_reason) == (4, 4, "KOL")
    change = account.tier_changes.latest("pk")
    assert (change.reason, change.actor_kind, change.user) == (TierChangeReason.MANUAL, "staff", owner)


def test_enrol_from_the_add_page(owner_client, shop, other_shop):
    customer = CustomerFactory(shop=shop)
    stranger = CustomerFactory(shop=other_shop)
    url = reverse("admin:loyalty_loyaltyaccount_add")

    choices = list(owner_client.get(url).context["adminform"].form.fields["customer"].queryset)
    assert customer in choices
    assert stranger not in choices

    response = owner_client.post(url, {"customer": customer.pk})

    assert response.status_code == 302
    assert LoyaltyAccount.objects.get(customer=customer).tier.rank == 1


def test_changelist_filters_by_tier_with_a_fixed_number_of_queries(owner_client, shop, django_assert_max_num_queries):
    accounts = [member(shop) for _ in range(6)]
    LoyaltyAccount.objects.filter(pk__in=[a.pk for a in accounts[:2]]).update(tier=Tier.objects.get(shop=shop, rank=3))
    url = reverse("admin:loyalty_loyaltyaccount_changelist")

    with django_assert_max_num_queries(20):
        response = owner_client.get(url, {"tier_rank": "3"})

    assert response.status_code == 200
    assert {a.pk for a in response.context["cl"].result_list} == {accounts[0].pk, accounts[1].pk}
