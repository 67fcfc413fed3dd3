"""A counter sale typed in by staff in a real browser: a scan adds the line, the customer is found by
phone, the cart is priced, the order is paid in cash."""

from decimal import Decimal

import pytest
from selenium.webdriver.support.ui import Select

from orders.models import Order, OrderStatus, PaymentMethod
from sellercenter.models import Role
from tests.customers.factories import CustomerFactory
from tests.orders.factories import ProductFactory
from tests.sellercenter.factories import staff_user

# One worker drives the one browser: the tests of tests/browser share its session (conftest.chrome).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_operations_sells_at_the_counter(person, shop):
    staff_user(shop, Role.OPERATIONS, username="van.hanh")
    ProductFactory(shop=shop, sku="AO-DAI-M", name="Áo dài lụa M", price=Decimal("450000"), stock_on_hand=5)
    lan = CustomerFactory(shop=shop, external_id=None, full_name="Nguyễn Thị Lan", phone="+84912345678")
    ops = person("counter").login("van.hanh")

    ops.go("/admin/orders/order/add/").shot("empty")
    # The scanner types the code and Enter into the focused product field.
    ops.type_into_focused("add_text", "AO-DAI-M\n")
    ops.wait_for_text("Áo dài lụa M")
    # The page comes back with the line added and the cursor in the product field again: scan on.
    ops.type_into_focused("add_text", "AO-DAI-M\n")
    ops.wait_for_text("900.000 ₫").shot("scanned-twice")
    ops.find('[name="customer_query"]').send_keys("0912 345 678")
    ops.click('button[name="do"][value="search"]').wait_for_text("Nguyễn Thị Lan")
    ops.click(f'input[name="customer"][value="{lan.pk}"]')
    # By value: the labels of the counter channel and of cash are translated elsewhere.
    Select(ops.find('[name="channel"]')).select_by_value("pos")
    Select(ops.find('[name="payment_method"]')).select_by_value("cash")
    ops.find('[name="shipping_fee"]').clear()
    ops.click('button[name="do"][value="preview"]').wait_for_text("Giỏ hàng đã tính tiền").shot("priced")
    ops.click('button[name="do"][value="create"]').wait_for_text("Đã tạo đơn").shot("created")

    order = Order.objects.get()
    assert (order.customer, order.channel, order.payment_method, order.status, order.total) == (
        lan,
        "pos",
        PaymentMethod.CASH,
        OrderStatus.CONFIRMED,
        Decimal("900000"),
    )
    assert order.number in ops.text()
