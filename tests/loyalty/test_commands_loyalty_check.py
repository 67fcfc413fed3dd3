from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from loyalty import services
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry
from tests.loyalty.factories import SYSTEM, member, with_available_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(shop):
    account = member(shop)
    with_available_points(account, 120, order_ref="SC-1")
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-2", amount=Decimal(30000), at=timezone.now(), actor=SYSTEM
    )
    return account


def test_a_consistent_ledger_passes(account):
    out = StringIO()

    call_command("loyalty_check", stdout=out)

    assert "consistent" in out.getvalue()


def test_a_tampered_balance_is_caught_with_a_non_zero_exit(account):
    LoyaltyAccount.objects.filter(pk=account.pk).update(available_points=500)
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("loyalty_check", stderr=err)

    assert raised.value.returncode == 1
    assert f"{account.member_code}: available balance 500 but the ledger sums to 120" in err.getvalue()


def test_a_tampered_pending_balance_is_caught(account):
    LoyaltyAccount.objects.filter(pk=account.pk).update(pending_points=0)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("loyalty_check", stderr=err)

    assert "pending balance 0 but the ledger sums to 30" in err.getvalue()


@pytest.mark.postgres
def test_an_order_awarded_twice_is_caught(account):
    # As in a database restored without its constraints: drop the unique index for this test only
    # (the test's transaction is rolled back afterwards).
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX entry_once_per_order_and_kind")
    PointsEntry.objects.create(
        shop=account.shop, account=account, kind=EntryKind.EARN, pending_delta=30, source="order:SC-2"
    )
    LoyaltyAccount.objects.filter(pk=account.pk).update(pending_points=60)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("loyalty_check", stderr=err)

    assert f"{account.member_code}: 2 'earn' entries for order:SC-2" in err.getvalue()


def test_only_the_named_shop_is_checked(account, other_shop):
    LoyaltyAccount.objects.filter(pk=account.pk).update(available_points=500)

    out = StringIO()

    call_command("loyalty_check", shop=other_shop.slug, stdout=out)

    assert "consistent" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("loyalty_check", shop=account.shop.slug, stderr=StringIO())
