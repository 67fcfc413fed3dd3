"""A customer's addresses are listed from query rows (AddressListView through sellercenter.api.rows):
through the API they answer what AddressSerializer(many=True) renders, default first, key order
included, in as many queries whatever the number of addresses."""

import pytest
from django.utils import timezone

from customers import services
from customers.api.serializers import AddressSerializer
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import AddressFactory, CustomerFactory
from tests.sellercenter.row_pages import queries_of, serialized, staff_client

pytestmark = pytest.mark.django_db


def _url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/addresses"


def _customer_with_every_kind_of_address(shop):
    """Addresses through the service (the first the default until another is made so), with and
    without a label and a district, accents and a line break in the street."""
    customer = CustomerFactory(shop=shop)
    fields = {"recipient_name": "Trần Thị Mai", "phone": "0912345678", "ward": "Phường Bến Nghé"}
    services.address_create(customer=customer, street="1 Lê Lợi", province="TP. Hồ Chí Minh", **fields)
    office = services.address_create(
        customer=customer, label="Văn phòng", street="Tầng 5\n12 Hàng Bạc", district="Hoàn Kiếm", province="Hà Nội",
        **fields,
    )  # fmt: skip
    services.address_create(customer=customer, label="Nhà mẹ", street="3 Trần Phú", province="Huế", **fields)
    services.address_update(address=office, is_default=True)
    return customer


def _assert_listed_as_serialized(client, customer) -> list:
    response = client.get(_url(customer))
    assert response.status_code == 200, response.content
    listed = response.json()
    expected = serialized(AddressSerializer, customer.addresses.all(), timezone.get_default_timezone())
    assert listed == expected
    assert [list(address) for address in listed] == [list(address) for address in expected]
    return listed


@pytest.mark.parametrize("scopes", [[ApiScope.STOREFRONT], [ApiScope.BACK_OFFICE]])
def test_the_addresses_are_what_the_serializer_renders_through_a_key(shop, scopes):
    customer = _customer_with_every_kind_of_address(shop)

    listed = _assert_listed_as_serialized(make_api_client(shop, scopes), customer)

    assert [address["label"] for address in listed] == ["Văn phòng", "", "Nhà mẹ"]
    assert [address["is_default"] for address in listed] == [True, False, False]


def test_staff_read_what_the_serializer_renders(shop):
    _assert_listed_as_serialized(staff_client(shop), _customer_with_every_kind_of_address(shop))


def test_a_customer_without_an_address_has_an_empty_list(shop):
    customer = CustomerFactory(shop=shop)

    assert _assert_listed_as_serialized(make_api_client(shop), customer) == []


def test_another_shops_customer_is_not_found(shop, other_shop):
    theirs = _customer_with_every_kind_of_address(other_shop)

    response = make_api_client(shop).get(_url(theirs))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_list_runs_as_many_queries_however_many_addresses(shop):
    customer = CustomerFactory(shop=shop)
    AddressFactory(customer=customer, is_default=True)
    client = make_api_client(shop)
    client.get(_url(customer))  # the key's first use is recorded once
    one = queries_of(client, _url(customer))
    AddressFactory.create_batch(9, customer=customer)

    assert queries_of(client, _url(customer)) == one
    assert len(client.get(_url(customer)).json()) == 10
