"""The statement list builds its page from query rows (StatementListView through
sellercenter.api.rows, the payout's columns joined): through the API it answers what
StatementOutputSerializer(many=True) renders, on every page and in the caller's time zone."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance import services
from finance.api.statements import StatementOutputSerializer
from finance.models import Statement, StatementStatus
from tests.conftest import make_api_client
from tests.finance.factories import adjustment, reload
from tests.finance.test_services_statements import AFTER_WEEK_1, AFTER_WEEK_2, WEEK_1, WEEK_2, WEEK_3
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import (
    assert_pages_are_serialized,
    assert_queries_do_not_grow_with_the_page,
    staff_client,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/finance/statements"


def _every_kind_of_statement(shop) -> None:
    """Paid (with its payout), closed and not paid, still open; amounts in cents. Closed a day after
    their week, so that the week is over in any of the tests' time zones."""
    paid = adjustment(shop, "4200.50", at=WEEK_1).statement
    services.statement_close(statement=paid, now=AFTER_WEEK_1 + timedelta(days=1))
    services.payout_record(
        statement=reload(paid), amount=Decimal("4200.50"), paid_on=date(2025, 3, 12), bank_reference="VCB-001"
    )
    closed = adjustment(shop, "120.25", at=WEEK_2).statement
    adjustment(shop, "-20.75", at=WEEK_2 + timedelta(hours=1))
    services.statement_close(statement=closed, now=AFTER_WEEK_2 + timedelta(days=1))
    adjustment(shop, "-99.99", at=WEEK_3)


def _statements(shop):
    return Statement.objects.filter(shop=shop).select_related("payout").order_by("-period_start")


def _usd_shop(**fields):
    return ShopFactory(currency="USD", **fields)


def test_the_kinds_of_statements_are_all_there():
    shop = _usd_shop()
    _every_kind_of_statement(shop)
    statements = _statements(shop)

    assert [s.status for s in statements] == [StatementStatus.OPEN, StatementStatus.CLOSED, StatementStatus.PAID]
    assert statements.get(status=StatementStatus.PAID).payout.amount == Decimal("4200.50")


def test_every_page_answers_what_the_serializer_renders_through_a_key(other_shop):
    shop = _usd_shop(slug="hoa-mai-usd")
    _every_kind_of_statement(shop)
    adjustment(other_shop, "5000", at=WEEK_1)

    listed = assert_pages_are_serialized(
        make_api_client(shop),
        f"{URL}?limit=1",
        StatementOutputSerializer,
        _statements(shop),
        timezone.get_default_timezone(),
    )

    payouts = [(statement["paid_on"], statement["bank_reference"]) for statement in listed]
    assert payouts == [(None, None), (None, None), ("2025-03-12", "VCB-001")]
    assert listed[2]["payout_amount"] == "4200.50"


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = _usd_shop(slug="mui-gio", time_zone=time_zone)
    _every_kind_of_statement(shop)

    assert_pages_are_serialized(
        staff_client(shop), f"{URL}?limit=2", StatementOutputSerializer, _statements(shop), shop.tzinfo
    )


def test_the_page_runs_as_many_queries_whatever_its_size():
    shop = _usd_shop()
    _every_kind_of_statement(shop)

    assert_queries_do_not_grow_with_the_page(make_api_client(shop), URL)
