"""Merging duplicate profiles, exporting and erasing a customer's personal data."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customers import services
from customers.models import (
    Address,
    AnonymousIdentity,
    ConsentRecord,
    Customer,
    CustomerEvent,
    CustomerMerge,
    CustomerPurchase,
    PersonalDataRequest,
)
from customers.signals import customer_erased, customer_merged
from sellercenter.errors import InvalidInput, NotAllowed
from tests.customers.factories import AddressFactory, ConsentFactory, CustomerFactory, EventFactory

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 1, 3, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, 3, tzinfo=UTC)


def buy(customer, amount, at, discounted=False):
    services.customer_record_purchase(customer=customer, amount=Decimal(amount), ordered_at=at, discounted=discounted)


@pytest.fixture
def twins(shop):
    """The same person signed up online and at the counter."""
    online = CustomerFactory(
        shop=shop, external_id="web-1", full_name="Nguyễn Thị Lan", email="lan@example.vn", phone="", gender=""
    )
    counter = CustomerFactory(
        shop=shop, external_id="pos-7", full_name="Lan", email="", phone="+84912345678", gender="female"
    )
    AddressFactory(customer=online, shop=shop, is_default=True)
    AddressFactory(customer=counter, shop=shop, is_default=True, street="1 Lê Lợi")
    EventFactory(customer=counter, shop=shop, type="review_posted")
    ConsentFactory(customer=counter, shop=shop, channel="sms", recorded_at=MARCH)
    services.customer_identify(customer=counter, anonymous_id="tablet-1")
    services.customer_tags_set(customer=counter, tags=["vip"])
    buy(online, "100000", APRIL)
    buy(counter, "300000", MARCH, discounted=True)
    friend = CustomerFactory(shop=shop, referred_by=counter)
    return online, counter, friend


def test_merge_moves_everything_and_adds_the_facts(shop, twins):
    online, counter, friend = twins
    received = []
    customer_merged.connect(lambda sender, **kwargs: received.append(kwargs), weak=False, dispatch_uid="test-merge")

    try:
        merge = services.customer_merge(source=counter, target=online)
    finally:
        customer_merged.disconnect(dispatch_uid="test-merge")

    online.refresh_from_db()
    counter.refresh_from_db()
    assert (online.orders_count, online.discounted_orders_count, online.total_spent) == (2, 1, Decimal("400000"))
    assert (online.first_order_at, online.last_order_at) == (MARCH, APRIL)
    assert online.phone == "+84912345678" and online.gender == "female"  # blanks filled
    assert online.full_name == "Nguyễn Thị Lan"  # filled fields kept
    assert online.journey_stage == "advocacy"  # the review moved over
    assert Address.objects.filter(customer=online).count() == 2
    assert Address.objects.filter(customer=online, is_default=True).count() == 1
    assert CustomerEvent.objects.filter(customer=online).count() == 1
    assert ConsentRecord.objects.filter(customer=online).count() == 1
    assert CustomerPurchase.objects.filter(customer=online).count() == 2
    assert AnonymousIdentity.objects.get(anonymous_id="tablet-1").customer == online
    assert list(online.tags.values_list("name", flat=True)) == ["vip"]
    assert Customer.objects.get(pk=friend.pk).referred_by == online
    assert counter.merged_into == online and counter.orders_count == 0
    assert merge.source_snapshot["external_id"] == "pos-7"
    assert merge.moved["events"] == 1 and merge.moved["addresses"] == 1
    assert received[0]["source"].pk == counter.pk and received[0]["target"].pk == online.pk


def test_a_merged_profile_is_no_longer_a_duplicate_or_current(shop, twins):
    online, counter, _friend = twins
    services.customer_merge(source=counter, target=online)

    assert set(Customer.objects.current().filter(shop=shop)) == {online, twins[2]}


@pytest.mark.parametrize("case", ["self", "other_shop", "erased", "merged"])
def test_merge_refusals(shop, other_shop, case):
    a, b = CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    if case == "self":
        b = a
    elif case == "other_shop":
        b = CustomerFactory(shop=other_shop)
    elif case == "erased":
        services.customer_erase(customer=b)
    else:
        services.customer_merge(source=b, target=CustomerFactory(shop=shop))

    with pytest.raises(InvalidInput if case in ("self", "other_shop") else NotAllowed):
        services.customer_merge(source=a, target=b)

    assert not CustomerMerge.objects.filter(target=b).exists() or case == "merged"


def test_export_holds_everything_and_is_recorded(shop, twins, owner):
    _online, counter, _friend = twins

    data = services.customer_export(customer=counter, requested_by=owner)

    assert data["profile"]["external_id"] == "pos-7"
    assert data["profile"]["total_spent"] == "300000.00"
    assert data["tags"] == ["vip"]
    assert data["addresses"][0]["street"] == "1 Lê Lợi"
    assert data["consents"][0]["channel"] == "sms"
    assert data["purchases"][0]["discounted"] is True
    assert data["anonymous_ids"] == ["tablet-1"]
    assert data["events"][0]["type"] == "review_posted"
    audit = PersonalDataRequest.objects.get()
    assert (audit.kind, audit.customer, audit.requested_by) == ("export", counter, owner)


def test_erase_blanks_the_person_and_keeps_the_records(shop, twins):
    online, counter, _friend = twins
    services.customer_merge(source=counter, target=online)
    received = []
    customer_erased.connect(lambda sender, **kwargs: received.append(kwargs), weak=False, dispatch_uid="test-erase")

    try:
        audit = services.customer_erase(customer=online, reason="Khách yêu cầu qua hotline")
    finally:
        customer_erased.disconnect(dispatch_uid="test-erase")

    for profile in (online, counter):  # the merged profile is erased too
        profile.refresh_from_db()
        assert (profile.full_name, profile.email, profile.phone, profile.external_id) == ("", "", "", None)
        assert profile.erased_at is not None
    assert online.orders_count == 2 and online.total_spent == Decimal("400000")  # financial facts stay
    assert CustomerPurchase.objects.filter(customer=online).count() == 2
    assert ConsentRecord.objects.filter(customer=online).count() == 1  # the proof stays
    assert not Address.objects.filter(customer__in=[online, counter]).exists()
    assert not AnonymousIdentity.objects.exists()
    assert not online.tags.exists()
    event = CustomerEvent.objects.get()
    assert (event.customer, event.anonymous_id, event.customer_external_id) == (None, "", "")
    assert CustomerMerge.objects.get().source_snapshot == {}
    assert (audit.kind, audit.reason) == ("erase", "Khách yêu cầu qua hotline")
    assert received[0]["customer"].pk == online.pk


def test_after_erasure_the_storefront_id_starts_a_new_profile(shop):
    customer = CustomerFactory(shop=shop, external_id="web-1")
    services.customer_erase(customer=customer)

    again = services.customer_upsert(shop=shop, external_id="web-1", full_name="Lan")

    assert again.pk != customer.pk


def test_erasing_twice_or_a_merged_profile_is_refused(shop):
    erased, kept, merged = CustomerFactory(shop=shop), CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    services.customer_erase(customer=erased)
    services.customer_merge(source=merged, target=kept)

    with pytest.raises(NotAllowed):
        services.customer_erase(customer=erased)
    with pytest.raises(NotAllowed):
        services.customer_erase(customer=merged)
    assert PersonalDataRequest.objects.count() == 1


def test_a_request_stays_open_until_the_export_or_erasure_carries_it_out(shop, owner):
    customer = CustomerFactory(shop=shop)
    export = services.personal_data_request_open(customer=customer, kind="export", requested_by=owner)
    erase = services.personal_data_request_open(customer=customer, kind="erase", reason=" Gọi hotline ")
    assert (export.completed_at, erase.completed_at, erase.reason) == (None, None, "Gọi hotline")

    services.customer_export(customer=customer)
    assert PersonalDataRequest.objects.get(pk=export.pk).completed_at is not None
    assert PersonalDataRequest.objects.get(pk=erase.pk).completed_at is None  # another kind

    audit = services.customer_erase(customer=customer, reason="Khách xác nhận")
    assert audit.pk == erase.pk and audit.completed_at is not None
    assert PersonalDataRequest.objects.count() == 2  # carried out, nothing recorded twice
    assert not PersonalDataRequest.objects.filter(completed_at__isnull=True).exists()


def test_carrying_out_without_a_request_records_a_completed_one(shop):
    customer = CustomerFactory(shop=shop)

    services.customer_export(customer=customer)

    request = PersonalDataRequest.objects.get()
    assert request.completed_at is not None and request.kind == "export"


def test_a_request_for_an_erased_profile_or_of_an_unknown_kind_is_refused(shop):
    erased = CustomerFactory(shop=shop)
    services.customer_erase(customer=erased)

    with pytest.raises(NotAllowed):
        services.personal_data_request_open(customer=erased, kind="export")
    with pytest.raises(InvalidInput) as refused:
        services.personal_data_request_open(customer=CustomerFactory(shop=shop), kind="delete")
    assert "kind" in refused.value.fields
    assert PersonalDataRequest.objects.count() == 1
