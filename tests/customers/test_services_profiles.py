import pytest

from customers import services
from customers.models import Customer, CustomerTag
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from tests.customers.factories import CustomerFactory, EventFactory

pytestmark = pytest.mark.django_db


def test_upsert_creates_a_customer_with_a_normalised_phone(shop):
    customer = services.customer_upsert(
        shop=shop, external_id="web-1", full_name=" Trần Văn Minh ", email="Minh@Example.VN", phone="0912 345 678"
    )

    assert customer.external_id == "web-1"
    assert customer.full_name == "Trần Văn Minh"
    assert customer.email == "minh@example.vn"
    assert customer.phone == "+84912345678"


def test_upsert_updates_the_same_customer_by_external_id(shop):
    first = services.customer_upsert(shop=shop, external_id="web-1", full_name="Minh")
    second, created = services.customer_create_or_update(shop=shop, external_id="web-1", phone="+84912345678")

    assert created is False
    assert second.pk == first.pk
    assert Customer.objects.get(pk=first.pk).phone == "+84912345678"
    assert Customer.objects.filter(shop=shop).count() == 1


def test_upsert_never_wipes_a_stored_value_with_a_blank_one(shop):
    services.customer_upsert(shop=shop, external_id="web-1", email="minh@example.vn", phone="0912345678")

    customer = services.customer_upsert(shop=shop, external_id="web-1", email="", phone="", full_name="Minh")

    customer.refresh_from_db()
    assert (customer.email, customer.phone, customer.full_name) == ("minh@example.vn", "+84912345678", "Minh")


def test_the_same_external_id_in_another_shop_is_another_customer(shop, other_shop):
    mine = services.customer_upsert(shop=shop, external_id="web-1")
    theirs = services.customer_upsert(shop=other_shop, external_id="web-1")

    assert mine.pk != theirs.pk


def test_bad_fields_are_refused_by_name_and_nothing_is_saved(shop):
    with pytest.raises(InvalidInput) as error:
        services.customer_upsert(
            shop=shop, external_id="web-1", email="not-an-email", phone="12345", gender="robot", birth_date="2999-01-01"
        )

    assert set(error.value.fields) == {"email", "phone", "gender", "birth_date"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize("external_id", ["", "   ", "x" * 101, None])
def test_an_external_id_is_required(shop, external_id):
    with pytest.raises(InvalidInput) as error:
        services.customer_upsert(shop=shop, external_id=external_id)

    assert "external_id" in error.value.fields


def test_unknown_field_names_are_a_programming_error(shop):
    with pytest.raises(TypeError):
        services.customer_upsert(shop=shop, external_id="web-1", nickname="Minh")


def test_upsert_adds_tags_and_update_replaces_them(shop):
    customer = services.customer_upsert(shop=shop, external_id="web-1", tags=["VIP", " Khách  Sỉ "])
    services.customer_upsert(shop=shop, external_id="web-1", tags=["vip", "hà nội"])

    assert sorted(customer.tags.values_list("name", flat=True)) == ["hà nội", "khách sỉ", "vip"]

    services.customer_update(customer=customer, tags=["vip"])

    assert list(CustomerTag.objects.filter(customer=customer).values_list("name", flat=True)) == ["vip"]


def test_the_id_of_a_merged_profile_updates_the_kept_profile(shop):
    kept = CustomerFactory(shop=shop, full_name="Lan")
    merged = CustomerFactory(shop=shop, external_id="old-id")
    services.customer_merge(source=merged, target=kept)

    customer = services.customer_upsert(shop=shop, external_id="old-id", note="Gọi trước khi giao")

    assert customer.pk == kept.pk
    kept.refresh_from_db()
    assert kept.note == "Gọi trước khi giao"


def test_events_sent_before_the_customer_existed_are_claimed_on_creation(shop):
    EventFactory(customer=None, shop=shop, customer_external_id="web-9", type="product_view")

    customer = services.customer_upsert(shop=shop, external_id="web-9")

    assert customer.events.count() == 1
    customer.refresh_from_db()
    assert customer.journey_stage == "consideration"
    assert customer.last_seen_at is not None


def test_update_clears_fields_and_validates(shop):
    customer = CustomerFactory(shop=shop, email="lan@example.vn")

    services.customer_update(customer=customer, email="", gender="female", birth_date="1990-05-17")

    customer.refresh_from_db()
    assert customer.email == ""
    assert customer.gender == "female"
    assert str(customer.birth_date) == "1990-05-17"
    with pytest.raises(InvalidInput):
        services.customer_update(customer=customer, phone="abc")


def test_a_referral_from_another_shop_is_refused(shop, other_shop):
    customer = CustomerFactory(shop=shop)
    stranger = CustomerFactory(shop=other_shop)

    with pytest.raises(InvalidInput) as error:
        services.customer_update(customer=customer, referred_by=stranger)

    assert "referred_by" in error.value.fields


def test_an_erased_profile_cannot_be_updated(shop):
    customer = CustomerFactory(shop=shop)
    services.customer_erase(customer=customer)

    with pytest.raises(NotAllowed):
        services.customer_update(customer=customer, full_name="Lan")


def test_create_without_external_id_and_refuse_a_taken_one(shop):
    walk_in = services.customer_create(shop=shop, full_name="Khách tại quầy", phone="0987654321")
    other_walk_in = services.customer_create(shop=shop, full_name="Khách tại quầy 2")
    CustomerFactory(shop=shop, external_id="web-1")

    assert walk_in.external_id is None and other_walk_in.external_id is None
    assert walk_in.phone == "+84987654321"
    with pytest.raises(Conflict):
        services.customer_create(shop=shop, external_id="web-1")


def test_a_profile_without_a_storefront_id_is_given_one_built_from_its_own_id(shop):
    counter = services.customer_create(shop=shop, full_name="Khách tại quầy", phone="0912 345 678")
    known = services.customer_create(shop=shop, external_id="KH-9", full_name="Khách web")

    given = services.customer_external_id_ensure(customer=counter)

    assert given == f"SC-{counter.pk}" == Customer.objects.get(pk=counter.pk).external_id
    assert services.customer_external_id_ensure(customer=counter) == given
    assert services.customer_external_id_ensure(customer=known) == "KH-9"


def test_an_erased_profile_is_given_no_storefront_id(shop):
    customer = services.customer_create(shop=shop, full_name="Khách tại quầy")
    services.customer_erase(customer=customer)

    with pytest.raises(NotAllowed):
        services.customer_external_id_ensure(customer=Customer.objects.get(pk=customer.pk))
    assert Customer.objects.get(pk=customer.pk).external_id is None
