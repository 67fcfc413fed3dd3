"""Campaign changes write the audit log with the caller behind them (API and admin)."""

import pytest
from django.urls import reverse

from promotions import services
from promotions.models import Campaign
from sellercenter import services as kernel
from sellercenter.errors import NotAllowed
from sellercenter.models import AuditAction, AuditEntry, Role
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/api/v1/promotions/campaigns"
NEW = {
    "name": "Sale 7.7",
    "kind": "order_percentage",
    "value": "7",
    "starts_at": "2030-07-07T00:00:00",
    "ends_at": "2030-07-08T00:00:00",
    "budget": "20000000",
}


def _log(campaign):
    rows = AuditEntry.objects.filter(content_type__model="campaign", object_id=str(campaign.pk)).order_by("pk")
    return [(row.action, row.user, row.changes) for row in rows]


def test_create_publish_budget_pause_and_end_through_the_api_are_logged_with_the_staff_member(client, shop):
    marketer = staff_user(shop, Role.MARKETING)
    client.force_login(marketer)

    pk = client.post(CAMPAIGNS, NEW, content_type="application/json").json()["id"]
    client.post(f"{CAMPAIGNS}/{pk}/publish")
    client.patch(f"{CAMPAIGNS}/{pk}", {"budget": "25000000"}, content_type="application/json")
    client.post(f"{CAMPAIGNS}/{pk}/pause")
    client.post(f"{CAMPAIGNS}/{pk}/end")

    log = _log(Campaign.objects.get(pk=pk))
    assert [(action, user) for action, user, _changes in log] == [
        (AuditAction.CREATE, marketer),
        (AuditAction.PUBLISH, marketer),
        (AuditAction.UPDATE, marketer),
        (AuditAction.PAUSE, marketer),
        (AuditAction.END, marketer),
    ]
    assert log[0][2]["budget"] == [None, "20000000.00"]
    assert log[2][2] == {"budget": ["20000000.00", "25000000.00"]}
    assert log[1][2]["published_at"][0] is None and log[1][2]["published_at"][1]


def test_a_refused_transition_writes_nothing(shop):
    campaign = CampaignFactory(shop=shop, published_at=None)

    with pytest.raises(NotAllowed):
        services.campaign_resume(campaign=campaign)

    assert _log(campaign) == []


def test_the_admin_actions_check_the_role_in_each_campaigns_shop(client, shop, other_shop):
    user = staff_user(shop, Role.MARKETING)
    kernel.membership_set(user=user, shop=other_shop, role=Role.ACCOUNTANT)
    mine = CampaignFactory(shop=shop, published_at=None)
    theirs = CampaignFactory(shop=other_shop, published_at=None)
    client.force_login(user)

    client.post(
        reverse("admin:promotions_campaign_changelist"),
        {"action": "publish", "_selected_action": [mine.pk, theirs.pk]},
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.published_at is not None
    assert theirs.published_at is None
    assert [action for action, user_, _ in _log(mine)] == [AuditAction.PUBLISH]
    assert _log(theirs) == []
