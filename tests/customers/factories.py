from datetime import UTC, datetime
from decimal import Decimal

import factory

from customers.models import Address, ConsentRecord, Customer, CustomerEvent, EventType, Segment
from tests.sellercenter.factories import ShopFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    external_id = factory.Sequence(lambda n: f"KH{n:05d}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Thị Lan {n}")
    email = factory.Sequence(lambda n: f"khach{n}@example.vn")
    phone = factory.Sequence(lambda n: f"+8491{n:07d}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.SelfAttribute("customer.shop")
    recipient_name = "Nguyễn Thị Lan"
    phone = "+84912345678"
    street = "12 Hàng Bạc"
    ward = "Phường Hoàn Kiếm"
    province = "Hà Nội"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerEvent

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.SelfAttribute("customer.shop")
    event_id = factory.Sequence(lambda n: f"evt-{n}")
    type = EventType.PAGE_VIEW
    session_id = factory.Sequence(lambda n: f"sess-{n}")
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 3, 1, 3, 0, tzinfo=UTC))


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.SelfAttribute("customer.shop")
    channel = "email"
    granted = True
    source = "checkout"
    wording_version = "2025-01"


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Nhóm khách {n}")
    rules = factory.LazyFunction(lambda: [{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 1}])


def purchase_amount(value) -> Decimal:
    return Decimal(str(value))
