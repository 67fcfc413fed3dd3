from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from loyalty.models import LoyaltyAccount
from orders.models import (
    Order,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    StockMovement,
    StockMovementKind,
)
from promotions.models import CodeMode, Kind, Redemption
from sellercenter.errors import Conflict, InvalidInput
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import ProductFactory, place
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dress(shop):
    return ProductFactory(shop=shop, sku="AO-DAI", name="Áo dài lụa tơ tằm", price=Decimal("400000"), stock_on_hand=5)


@pytest.fixture
def scarf(shop):
    return ProductFactory(shop=shop, sku="KHAN", name="Khăn lụa", price=Decimal("100000"), stock_on_hand=5)


def _stock(product):
    product.refresh_from_db()
    return product.stock_on_hand, product.stock_reserved


def test_a_cod_order_takes_prices_from_products_and_is_confirmed_with_a_ship_by_deadline(shop, dress, scarf):
    order = place(shop, lines=[(dress.sku, 2), (scarf.sku, 1)], shipping_fee="30000")

    assert order.number == "HM-00001"  # the shop's first order, its prefix from the slug
    assert order.status == OrderStatus.CONFIRMED
    assert (order.subtotal, order.shipping_fee, order.total) == (Decimal("900000"), Decimal("30000"), Decimal("930000"))
    lines = list(order.lines.values_list("sku", "name", "unit_price", "quantity", "total"))
    assert lines == [
        ("AO-DAI", "Áo dài lụa tơ tằm", Decimal("400000"), 2, Decimal("800000")),
        ("KHAN", "Khăn lụa", Decimal("100000"), 1, Decimal("100000")),
    ]
    assert order.ship_by_at > order.confirmed_at
    assert order.payment_due_at is None
    assert (_stock(dress), _stock(scarf)) == ((5, 2), (5, 1))
    assert StockMovement.objects.filter(order=order, kind=StockMovementKind.RESERVED).count() == 2
    assert list(order.events.values_list("type", "to_status")) == [
        (OrderEventType.PLACED, OrderStatus.PENDING_PAYMENT),
        (OrderEventType.STATUS_CHANGED, OrderStatus.CONFIRMED),
    ]
    customer = Customer.objects.get(shop=shop, external_id="KH-001")
    assert (customer.email, customer.orders_count, customer.total_spent) == (
        "lan.nguyen@example.vn",
        1,
        Decimal("930000"),
    )
    assert order.recipient_phone == "+84912345678"


def test_a_prepaid_order_waits_for_payment_until_the_shops_timeout(shop, dress):
    shop.payment_timeout_minutes = 30
    shop.save()

    order = place(shop, lines=[(dress.sku, 1)], payment_method=PaymentMethod.MOMO)

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_due_at == order.placed_at + timedelta(minutes=30)
    assert order.confirmed_at is order.ship_by_at is None
    assert Customer.objects.get(shop=shop, external_id="KH-001").orders_count == 0
    assert _stock(dress) == (5, 1)


def test_a_voucher_and_points_are_spent_and_every_line_carries_its_share(shop, dress, scarf):
    account = member(shop, external_id="KH-001")
    with_available_points(account, 5000, order_ref="SC-SEED")
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10", budget=Decimal("1000000"))

    order = place(shop, lines=[(dress.sku, 2), (scarf.sku, 1)], voucher_codes=["giam10"], points=3000)

    assert (order.subtotal, order.discount_total) == (Decimal("900000"), Decimal("90000"))
    assert (order.points_redeemed, order.points_discount) == (3000, Decimal("30000"))
    assert order.total == Decimal("780000")
    assert order.voucher_codes == ["GIAM10"]
    assert order.promotions[0]["campaign_id"] == campaign.pk
    lines = {line.sku: line for line in order.lines.all()}
    assert (lines["AO-DAI"].discount, lines["KHAN"].discount) == (Decimal("80000"), Decimal("10000"))
    assert sum(line.points_discount for line in lines.values()) == Decimal("30000")
    assert sum(line.total for line in lines.values()) == order.merchandise_paid == Decimal("780000")
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("90000")
    assert Redemption.objects.get(order_ref=order.number).amount == Decimal("90000")
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 2000


def _nothing_left(shop, *products, campaign=None, account=None, points=None):
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not StockMovement.objects.exists()
    assert all(_stock(product)[1] == 0 for product in products)
    if campaign is not None:
        campaign.refresh_from_db()
        assert (campaign.spent, campaign.uses_count) == (Decimal("0"), 0)
        assert not Redemption.objects.exists()
    if account is not None:
        assert LoyaltyAccount.objects.get(pk=account.pk).available_points == points


def test_out_of_stock_is_a_conflict_naming_the_sku_and_leaves_nothing_behind(shop, dress, scarf):
    account = member(shop, external_id="KH-001")
    with_available_points(account, 5000, order_ref="SC-SEED")
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10")
    Product.objects.filter(pk=scarf.pk).update(stock_on_hand=1)

    with pytest.raises(Conflict) as refused:
        place(shop, lines=[(dress.sku, 1), (scarf.sku, 2)], voucher_codes=["GIAM10"], points=1000)

    assert refused.value.code == "out_of_stock"
    assert refused.value.params == {"sku": "KHAN"}
    _nothing_left(shop, dress, scarf, campaign=campaign, account=account, points=5000)


def test_a_campaign_without_budget_left_is_a_conflict_naming_it(shop, dress):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10", budget=Decimal("10000"))

    with pytest.raises(Conflict) as refused:
        place(shop, lines=[(dress.sku, 1)], voucher_codes=["GIAM10"])

    assert refused.value.code == "budget_exhausted"
    assert refused.value.params["campaign_id"] == campaign.pk
    assert list(refused.value.fields) == ["voucher_codes.0"]
    _nothing_left(shop, dress, campaign=campaign)
    assert not Customer.objects.filter(external_id="KH-001").exists()


def test_a_free_gift_becomes_a_line_at_no_charge_with_its_stock_reserved(shop, dress, scarf):
    CampaignFactory(shop=shop, kind=Kind.FREE_GIFT, gift_sku=scarf.sku, gift_quantity=1, value=Decimal("100000"))

    order = place(shop, lines=[(dress.sku, 1)])

    gift = order.lines.get(is_gift=True)
    assert (gift.sku, gift.unit_price, gift.total) == ("KHAN", Decimal("0"), Decimal("0"))
    assert order.total == Decimal("400000")
    assert _stock(scarf) == (5, 1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lines": [("KHONG-CO", 1)]}, "lines.0.sku"),
        ({"lines": [("AO-DAI", 1), ("AO-DAI", 1)]}, "lines.1.sku"),
        ({"lines": [("AO-DAI", 0)]}, "lines.0.quantity"),
        ({"lines": []}, "lines"),
        ({"voucher_codes": ["KHONG-TON-TAI"]}, "voucher_codes.0"),
        ({"points": 10}, "points"),
        ({"channel": "tiktok"}, "channel"),
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"shipping_fee": "-1"}, "shipping_fee"),
        (
            {
                "shipping_address": {
                    "recipient_name": "Lan",
                    "phone": "123",
                    "street": "1",
                    "ward": "2",
                    "province": "3",
                }
            },
            "shipping_address.phone",
        ),
        ({"shipping_address": {"phone": "0912345678"}}, "shipping_address.street"),
        ({"customer_id": ""}, "customer.external_id"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(shop, dress, kwargs, field):
    kwargs.setdefault("lines", [(dress.sku, 1)])

    with pytest.raises(InvalidInput) as refused:
        place(shop, **kwargs)

    assert field in refused.value.fields
    _nothing_left(shop, dress)


def test_an_inactive_product_is_not_sold(shop, dress):
    Product.objects.filter(pk=dress.pk).update(is_active=False)

    with pytest.raises(InvalidInput) as refused:
        place(shop, lines=[(dress.sku, 1)])

    assert list(refused.value.fields) == ["lines.0.sku"]


def test_another_shops_sku_is_unknown(shop, other_shop):
    theirs = ProductFactory(shop=other_shop, sku="CUA-HANG-KHAC")

    with pytest.raises(InvalidInput):
        place(shop, lines=[(theirs.sku, 1)])

    assert _stock(theirs) == (10, 0)


def test_placed_at_is_now(shop, dress):
    before = timezone.now()

    order = place(shop, lines=[(dress.sku, 1)])

    assert before <= order.placed_at <= timezone.now()
