from decimal import Decimal

import pytest

from customers.models import Customer, CustomerPurchase
from loyalty.models import LoyaltyAccount
from orders import services
from orders.models import CancelledBy, OrderStatus, PaymentMethod, StockMovement, StockMovementKind
from orders.pipeline import Actor
from promotions.models import CodeMode, Redemption
from sellercenter.errors import NotAllowed
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import ProductFactory, advance, place, snapshot, staff_actor
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def spent_order(shop):
    """A confirmed COD order of 2 units that used a voucher and 1.000 points."""
    account = member(shop, external_id="KH-001")
    with_available_points(account, 2000, order_ref="SC-SEED")
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    product = ProductFactory(shop=shop, sku="AO", price=Decimal("200000"), stock_on_hand=3)
    order = place(shop, lines=[(product.sku, 2)], voucher_codes=["GIAM10"], points=1000)
    return order, product, campaign, account


def _released(order, product, campaign, account):
    product.refresh_from_db()
    campaign.refresh_from_db()
    return (
        (product.stock_on_hand, product.stock_reserved),
        campaign.spent,
        LoyaltyAccount.objects.get(pk=account.pk).available_points,
        Customer.objects.get(pk=order.customer_id).orders_count,
    )


def test_cancelling_releases_stock_budget_and_points_and_takes_the_purchase_back(spent_order):
    order, product, campaign, account = spent_order
    assert _released(order, product, campaign, account) == ((3, 2), Decimal("40000"), 1000, 1)

    cancelled = services.order_cancel(order=order, actor=Actor(kind="customer"), reason="Đặt nhầm size")

    assert cancelled.status == S.CANCELLED
    assert (cancelled.cancelled_by, cancelled.cancel_reason) == (CancelledBy.CUSTOMER, "Đặt nhầm size")
    assert _released(order, product, campaign, account) == ((3, 0), Decimal("0"), 2000, 0)
    assert Redemption.objects.get(order_ref=order.number).released_at is not None
    assert StockMovement.objects.filter(order=order, kind=StockMovementKind.RELEASED).count() == 1


def test_a_second_cancellation_is_refused_and_releases_nothing_again(spent_order):
    order, product, campaign, account = spent_order
    services.order_cancel(order=order, actor=staff_actor(), reason="Hết hàng")
    before = snapshot(order)
    released = _released(order, product, campaign, account)

    for actor in (staff_actor(), Actor(kind="customer"), Actor.system()):
        with pytest.raises(NotAllowed):
            services.order_cancel(order=order, actor=actor, reason="Lần nữa")

    assert snapshot(order) == before
    assert _released(order, product, campaign, account) == released


@pytest.mark.parametrize("status", [S.PACKED, S.READY_TO_SHIP])
def test_customers_cannot_cancel_once_packed_but_staff_still_can(shop, status):
    order = advance(place(shop), status)

    with pytest.raises(NotAllowed):
        services.order_cancel(order=order, actor=Actor(kind="customer"))
    cancelled = services.order_cancel(order=order, actor=staff_actor(), reason="Khách gọi điện hủy")

    assert cancelled.cancelled_by == CancelledBy.SELLER


def test_nobody_cancels_an_order_handed_to_the_carrier(shop):
    order = advance(place(shop), S.SHIPPED)

    with pytest.raises(NotAllowed):
        services.order_cancel(order=order, actor=staff_actor())


def test_a_paid_order_cancelled_says_the_refund_is_due(shop):
    order = advance(place(shop, payment_method=PaymentMethod.VNPAY), S.CONFIRMED)

    services.order_cancel(order=order, actor=staff_actor(), reason="Hết hàng")

    assert order.events.latest("pk").data["refund_due"] == str(order.total)


def test_an_unpaid_order_cancelled_counted_no_purchase_and_reverses_none(shop):
    order = place(shop, payment_method=PaymentMethod.BANK_TRANSFER)

    services.order_cancel(order=order, actor=Actor(kind="customer"))

    assert Customer.objects.get(pk=order.customer_id).orders_count == 0


def test_an_order_whose_purchase_was_never_counted_still_cancels(shop):
    order = place(shop)
    CustomerPurchase.objects.filter(reference=order.number).delete()  # e.g. imported from another system

    cancelled = services.order_cancel(order=order, actor=staff_actor(), reason="Hết hàng")

    assert cancelled.status == S.CANCELLED
