import pytest

from customers import services
from customers.models import Address
from sellercenter.errors import InvalidInput
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HANOI = {
    "recipient_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "street": "12 Hàng Bạc",
    "ward": "Phường Hoàn Kiếm",
    "province": "Hà Nội",
}


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop)


def test_the_first_address_becomes_the_default_and_has_an_e164_phone(customer):
    address = services.address_create(customer=customer, **HANOI)

    assert address.is_default
    assert address.phone == "+84912345678"
    assert address.district == ""  # since 2025, ward and province are enough
    assert address.shop_id == customer.shop_id


def test_a_new_default_replaces_the_old_one(customer):
    first = services.address_create(customer=customer, **HANOI)
    second = services.address_create(customer=customer, **{**HANOI, "street": "5 Lê Lợi"}, is_default=True)

    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert Address.objects.filter(customer=customer, is_default=True).count() == 1


def test_update_can_move_the_default(customer):
    first = services.address_create(customer=customer, **HANOI)
    second = services.address_create(customer=customer, **{**HANOI, "street": "5 Lê Lợi"})

    services.address_update(address=second, is_default=True, district="Quận 1")

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    assert second.district == "Quận 1"
    with pytest.raises(InvalidInput):
        services.address_update(address=second, is_default=False)


def test_deleting_the_default_promotes_the_oldest_remaining(customer):
    first = services.address_create(customer=customer, **HANOI)
    second = services.address_create(customer=customer, **{**HANOI, "street": "5 Lê Lợi"})
    third = services.address_create(customer=customer, **{**HANOI, "street": "9 Trần Phú"})

    services.address_delete(address=first)

    assert list(Address.objects.filter(customer=customer, is_default=True)) == [second]
    assert not Address.objects.get(pk=third.pk).is_default


def test_missing_and_bad_fields_are_named(customer):
    with pytest.raises(InvalidInput) as error:
        services.address_create(
            customer=customer, recipient_name="", phone="abc", street="1 Lê Lợi", ward="", province=""
        )

    assert set(error.value.fields) == {"recipient_name", "phone", "ward", "province"}
    assert not Address.objects.exists()
