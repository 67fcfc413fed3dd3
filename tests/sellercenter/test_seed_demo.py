from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from sellercenter.models import ApiKey, Membership, Role, Shop

pytestmark = pytest.mark.django_db


def _counts():
    return (Shop.objects.count(), get_user_model().objects.count(), Membership.objects.count(), ApiKey.objects.count())


def test_seed_demo_is_idempotent_and_prints_logins_and_a_working_key(client):
    call_command("seed_demo", "--size", "5", stdout=StringIO())
    first = _counts()

    out = StringIO()
    call_command("seed_demo", "--size", "5", stdout=out)

    assert _counts() == first
    assert first[0] == 2
    assert Membership.objects.filter(role=Role.ACCOUNTANT).count() == 2
    printed = out.getvalue()
    assert "hoamai.owner" in printed
    secret = printed.split("Authorization: Api-Key ")[1].split()[0]
    response = client.get("/api/v1/shop", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 200
    assert response.json()["name"] == "Thời Trang Hoa Mai"


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
