"""The member ledger builds its page from query rows (MemberLedgerView through sellercenter.api.rows,
`points` computed by the query): through the API it answers what LedgerEntrySerializer(many=True)
renders, on every page and in the caller's time zone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.api.ledger import LedgerEntrySerializer
from loyalty.models import EntryKind, PointsEntry
from tests.conftest import make_api_client
from tests.loyalty.factories import SYSTEM, member
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import (
    assert_pages_are_serialized,
    assert_queries_do_not_grow_with_the_page,
    staff_client,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/loyalty/members/KH-0001/ledger"


def _every_kind_of_entry(shop):
    """Earned (an amount with cents), released, redeemed, clawed back, adjusted both ways (no amount)."""
    account = member(shop, external_id="KH-0001")
    customer = account.customer
    long_ago = timezone.now() - timedelta(days=40)
    services.points_award_for_order(
        customer=customer, order_ref="SC-1", amount=Decimal("812345.50"), at=long_ago, actor=SYSTEM
    )
    services.points_release_for_order(customer=customer, order_ref="SC-1", at=long_ago, actor=SYSTEM)
    services.points_award_for_order(
        customer=customer, order_ref="SC-2", amount=Decimal("99999.99"), at=timezone.now(), actor=SYSTEM
    )
    services.points_redeem_for_order(customer=customer, order_ref="SC-3", points=200, actor=SYSTEM)
    services.points_clawback_for_refund(
        customer=customer,
        order_ref="SC-1",
        refund_amount=Decimal("100000.50"),
        order_amount=Decimal("812345.50"),
        actor=SYSTEM,
    )
    services.points_adjust(account=account, points=15, reason="Quà sinh nhật", actor=SYSTEM)
    services.points_adjust(account=account, points=-5, reason="Sửa nhầm", actor=SYSTEM)
    member(shop, external_id="KH-0002")  # another member's ledger stays out
    return account


def _entries(account):
    return PointsEntry.objects.filter(account=account).order_by("-pk")


def test_the_kinds_of_entries_are_all_there(shop):
    entries = _entries(_every_kind_of_entry(shop))

    assert {EntryKind.EARN, EntryKind.RELEASE, EntryKind.REDEEM, EntryKind.ADJUSTMENT} <= {e.kind for e in entries}
    assert entries.filter(amount__isnull=True).exists() and entries.filter(amount__isnull=False).exists()


def test_every_page_answers_what_the_serializer_renders_through_a_key(shop):
    account = _every_kind_of_entry(shop)

    listed = assert_pages_are_serialized(
        make_api_client(shop),
        f"{URL}?limit=2",
        LedgerEntrySerializer,
        _entries(account),
        timezone.get_default_timezone(),
    )

    assert [entry["points"] for entry in listed] == [entry.points for entry in _entries(account)]


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    account = _every_kind_of_entry(shop)

    assert_pages_are_serialized(
        staff_client(shop), f"{URL}?limit=3", LedgerEntrySerializer, _entries(account), shop.tzinfo
    )


def test_the_page_runs_as_many_queries_whatever_its_size(shop):
    _every_kind_of_entry(shop)

    assert_queries_do_not_grow_with_the_page(make_api_client(shop), URL)
