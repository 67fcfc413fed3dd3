"""orders.services.staff_order_place: the customer picked or created, then the checkout."""

from decimal import Decimal

import pytest

from customers.models import Customer
from orders import services
from orders.models import Order
from orders.pricing import CartLine
from sellercenter.errors import Conflict, InvalidInput, NotFound
from tests.customers.factories import CustomerFactory
from tests.orders.factories import ADDRESS, ProductFactory, staff_actor

pytestmark = pytest.mark.django_db


def _place(shop, **kwargs):
    kwargs.setdefault("lines", [CartLine("AO-DAI", 1)])
    kwargs.setdefault("shipping_address", ADDRESS)
    return services.staff_order_place(shop=shop, actor=staff_actor(), channel="phone", payment_method="cod", **kwargs)


@pytest.fixture
def dress(shop):
    return ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=1)


def test_another_shops_customer_is_refused(shop, other_shop, dress):
    with pytest.raises(NotFound):
        _place(shop, customer=CustomerFactory(shop=other_shop))
    assert not Order.objects.exists()


def test_a_refused_checkout_leaves_no_new_customer_behind(shop, dress):
    with pytest.raises(Conflict):
        _place(shop, lines=[CartLine("AO-DAI", 2)], new_customer={"full_name": "Minh", "phone": "0987 654 321"})

    assert not Customer.objects.exists() and not Order.objects.exists()


@pytest.mark.parametrize("new_customer", [None, {"full_name": "Minh"}, {"phone": "12"}])
def test_no_customer_or_no_valid_phone_is_refused_naming_the_field(shop, dress, new_customer):
    with pytest.raises(InvalidInput) as refused:
        _place(shop, new_customer=new_customer)

    assert set(refused.value.fields) <= {"customer", "customer.phone"}
    assert not Customer.objects.exists()


def test_only_a_counter_sale_may_come_without_an_address(shop, dress):
    customer = CustomerFactory(shop=shop, phone="+84912345678")

    with pytest.raises(InvalidInput) as refused:
        _place(shop, customer=customer, shipping_address=None)

    assert "shipping_address.street" in refused.value.fields
