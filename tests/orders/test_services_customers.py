"""Orders follow the customer's profile: merged profiles bring their orders, erased ones anonymise them."""

import pytest

from customers.models import Customer
from customers.services import customer_erase, customer_merge
from orders import services
from orders.models import Order, OrderEventType, OrderStatus
from orders.pipeline import Actor
from tests.orders.factories import advance, place

pytestmark = pytest.mark.django_db


def test_a_merge_moves_the_orders_to_the_kept_profile(shop):
    duplicate = place(shop, customer_id="KH-TRUNG")
    kept = place(shop, customer_id="KH-GIU")

    customer_merge(source=duplicate.customer, target=kept.customer)

    assert set(Order.objects.values_list("customer_id", flat=True)) == {kept.customer_id}


def test_an_erasure_anonymises_finished_orders_and_keeps_those_on_their_way(shop):
    finished = services.order_cancel(order=place(shop), actor=Actor(kind="customer"))
    services.order_email_send(order=finished, kind="confirmation")
    on_the_way = advance(place(shop), OrderStatus.SHIPPED)

    customer_erase(customer=Customer.objects.get(pk=finished.customer_id), reason="Khách yêu cầu xóa dữ liệu")

    finished.refresh_from_db()
    on_the_way.refresh_from_db()
    assert (finished.customer_email, finished.recipient_phone, finished.street) == ("", "", "")
    assert finished.province == "Hà Nội" and finished.total > 0
    assert finished.events.get(type=OrderEventType.EMAIL_SENT).data == {"kind": "confirmation"}
    assert on_the_way.recipient_phone == "+84912345678"
