"""`manage.py reconcile`: clean when every app's rows come from the same orders; exit 1 naming each
problem when one app's rows were tampered with."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer, CustomerPurchase
from finance.models import StatementLine
from loyalty.models import EntryKind, PointsEntry
from loyalty.services import account_enrol
from orders import services
from orders.models import Order, OrderStatus
from orders.pipeline import Actor
from promotions.models import Campaign, CodeMode
from tests.loyalty.factories import SYSTEM
from tests.orders.factories import ProductFactory, advance, place, return_window_closed
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(shop):
    """A completed order with a voucher, a delivered one, a cancelled one: every app has rows for them."""
    ProductFactory(shop=shop, sku="AO", price=Decimal("400000"), stock_on_hand=20)
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    account_enrol(customer=Customer.objects.create(shop=shop, external_id="KH-1", email="a@example.vn"), actor=SYSTEM)
    completed = advance(place(shop, lines=[("AO", 1)], customer_id="KH-1", voucher_codes=["GIAM10"]), "delivered")
    return_window_closed(completed)
    completed = services.order_complete(order=completed, actor=Actor.system())
    delivered = advance(place(shop, lines=[("AO", 2)], customer_id="KH-2"), "delivered")
    cancelled = services.order_cancel(
        order=place(shop, lines=[("AO", 1)], customer_id="KH-3"), actor=Actor(kind="customer")
    )
    return {"completed": completed, "delivered": delivered, "cancelled": cancelled, "campaign": campaign}


def _run(*args) -> tuple[int, str]:
    err = StringIO()
    try:
        call_command("reconcile", *args, stdout=StringIO(), stderr=err)
    except CommandError as error:
        return error.returncode, err.getvalue()
    return 0, err.getvalue()


def test_orders_that_went_through_the_services_reconcile(story, shop):
    assert _run() == (0, "")
    assert _run("--shop", shop.slug) == (0, "")


def test_a_purchase_that_does_not_match_its_order_is_named(story):
    CustomerPurchase.objects.filter(reference=story["delivered"].number).update(amount=Decimal("1"))

    code, out = _run()

    assert code == 1
    assert "[purchase_facts]" in out and story["delivered"].number in out


def test_points_awarded_twice_or_off_the_programme_are_named(story):
    PointsEntry.objects.filter(kind=EntryKind.EARN, source=f"order:{story['completed'].number}").update(
        pending_delta=999
    )

    code, out = _run()

    assert code == 1
    assert "[order_points]" in out and story["completed"].number in out


def test_a_campaign_whose_spend_differs_from_its_orders_is_named(story):
    Campaign.objects.filter(pk=story["campaign"].pk).update(spent=Decimal("1"))

    code, out = _run()

    assert code == 1
    assert "[campaign_spend]" in out and story["campaign"].name in out


def test_a_delivered_order_without_its_statement_line_is_named(story):
    StatementLine.objects.filter(order=story["delivered"]).delete()

    code, out = _run()

    assert code == 1
    assert "missing_sale_line" in out and story["delivered"].number in out


def test_a_broken_points_ledger_is_named(story):
    entry = PointsEntry.objects.filter(kind=EntryKind.EARN).first()
    PointsEntry.objects.filter(pk=entry.pk).update(pending_delta=entry.pending_delta + 5, amount=None)

    code, out = _run()

    assert code == 1
    assert "[loyalty]" in out


def test_an_unknown_shop_is_refused():
    with pytest.raises(CommandError, match="No shop"):
        call_command("reconcile", "--shop", "khong-co", stdout=StringIO(), stderr=StringIO())


def test_cancelled_orders_leave_nothing_behind(story):
    assert Order.objects.get(pk=story["cancelled"].pk).status == OrderStatus.CANCELLED
    assert CustomerPurchase.objects.get(reference=story["cancelled"].number).reversed_at is not None
