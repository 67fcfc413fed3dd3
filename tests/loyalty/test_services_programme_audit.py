"""Programme rules and tiers: each change is in the audit log, from the admin page too."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty import services
from loyalty.models import ProgrammeSettings, Tier
from sellercenter.actor import Actor
from sellercenter.errors import InvalidInput
from sellercenter.models import AuditAction, AuditEntry
from tests.loyalty.test_admin import _programme_post

pytestmark = pytest.mark.django_db


def _rows(model: str):
    return list(AuditEntry.objects.filter(content_type__model=model).order_by("pk"))


def test_programme_and_tier_changes_record_old_and_new(shop, owner):
    programme = ProgrammeSettings.objects.get(shop=shop)
    actor = Actor.staff(owner)

    services.programme_update(programme=programme, actor=actor, point_value=Decimal("20"))
    services.tiers_update(shop=shop, changes={5: {"name": "Kim cương đen"}}, actor=actor)

    (rules,) = _rows("programmesettings")
    assert (rules.action, rules.user, rules.changes["point_value"][1]) == (AuditAction.UPDATE, owner, "20.00")
    (tier,) = _rows("tier")
    assert tier.changes["name"][1] == "Kim cương đen"
    assert tier.object_id == str(Tier.objects.get(shop=shop, rank=5).pk)


def test_a_refused_tier_set_records_nothing(shop, owner):
    with pytest.raises(InvalidInput):
        services.tiers_update(shop=shop, changes={2: {"threshold": Decimal("0")}}, actor=Actor.staff(owner))

    assert _rows("tier") == []


def test_the_programme_page_saves_through_the_services(owner_client, owner, shop):
    programme = ProgrammeSettings.objects.get(shop=shop)
    url = reverse("admin:loyalty_programmesettings_change", args=[programme.pk])

    response = owner_client.post(url, _programme_post(programme, point_value="15", tier3_name="Vàng Plus"))

    assert response.status_code == 302
    assert [row.user for row in _rows("programmesettings")] == [owner]
    assert [row.changes for row in _rows("tier")] == [{"name": ["Vàng", "Vàng Plus"]}]
