from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customers import services
from customers.models import Customer, CustomerPurchase
from sellercenter.errors import InvalidInput, NotAllowed
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 2, 5, 0, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 20, 5, 0, tzinfo=UTC)


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop)


def record(customer, amount, at, discounted=False, **kwargs):
    services.customer_record_purchase(
        customer=customer, amount=Decimal(amount), ordered_at=at, discounted=discounted, **kwargs
    )
    return Customer.objects.get(pk=customer.pk)


def test_recording_purchases_keeps_the_facts_and_the_stage(customer):
    after_one = record(customer, "350000", MARCH, discounted=True)

    assert after_one.orders_count == 1
    assert after_one.discounted_orders_count == 1
    assert after_one.total_spent == Decimal("350000")
    assert after_one.first_order_at == after_one.last_order_at == MARCH
    assert after_one.journey_stage == "purchase"

    after_three = record(record(customer, "120000", APRIL), "99999.6", FEBRUARY)

    assert after_three.orders_count == 3
    assert after_three.discounted_orders_count == 1
    assert after_three.total_spent == Decimal("570000")  # 99 999,6 ₫ is rounded to 100 000 ₫
    assert after_three.first_order_at == FEBRUARY
    assert after_three.last_order_at == APRIL
    assert after_three.journey_stage == "retention"


def test_the_same_reference_is_counted_once(customer):
    record(customer, "200000", MARCH, reference="DH-1001")
    facts = record(customer, "200000", MARCH, reference="DH-1001")

    assert facts.orders_count == 1
    assert CustomerPurchase.objects.count() == 1


def test_reversal_takes_back_the_latest_matching_purchase(customer):
    record(customer, "200000", MARCH)
    record(customer, "200000", APRIL, discounted=True)

    services.customer_reverse_purchase(customer=customer, amount=Decimal("200000"), discounted=True)

    facts = Customer.objects.get(pk=customer.pk)
    assert facts.orders_count == 1
    assert facts.discounted_orders_count == 0
    assert facts.total_spent == Decimal("200000")
    assert facts.last_order_at == MARCH
    assert facts.journey_stage == "purchase"


def test_reversing_the_only_purchase_clears_the_dates(customer):
    record(customer, "200000", MARCH)

    services.customer_reverse_purchase(customer=customer, amount=Decimal("200000"), discounted=False)

    facts = Customer.objects.get(pk=customer.pk)
    assert (facts.orders_count, facts.total_spent, facts.first_order_at, facts.last_order_at) == (0, 0, None, None)


def test_a_partial_refund_by_reference_lowers_the_spend_only(customer):
    record(customer, "500000", MARCH, reference="DH-1")

    services.customer_reverse_purchase(customer=customer, amount=Decimal("150000"), discounted=False, reference="DH-1")

    facts = Customer.objects.get(pk=customer.pk)
    assert facts.orders_count == 1
    assert facts.total_spent == Decimal("350000")
    services.customer_reverse_purchase(customer=customer, amount=Decimal("350000"), discounted=False, reference="DH-1")
    assert Customer.objects.get(pk=customer.pk).orders_count == 0


def test_a_reversal_without_a_matching_purchase_is_refused_and_changes_nothing(customer):
    record(customer, "200000", MARCH)

    with pytest.raises(NotAllowed):
        services.customer_reverse_purchase(customer=customer, amount=Decimal("300000"), discounted=False)
    services.customer_reverse_purchase(customer=customer, amount=Decimal("200000"), discounted=False)
    with pytest.raises(NotAllowed):
        services.customer_reverse_purchase(customer=customer, amount=Decimal("200000"), discounted=False)

    assert Customer.objects.get(pk=customer.pk).orders_count == 0


@pytest.mark.parametrize(
    ("amount", "at"),
    [(Decimal("-1"), MARCH), (1.5, MARCH), ("abc", MARCH), (Decimal("1000"), datetime(2026, 3, 1))],
)
def test_bad_amounts_and_naive_times_are_refused(customer, amount, at):
    with pytest.raises(InvalidInput):
        services.customer_record_purchase(customer=customer, amount=amount, ordered_at=at, discounted=False)

    assert Customer.objects.get(pk=customer.pk).orders_count == 0


def test_purchases_of_a_merged_profile_go_to_the_kept_one(shop):
    kept = CustomerFactory(shop=shop)
    merged = CustomerFactory(shop=shop)
    services.customer_merge(source=merged, target=kept)

    record(merged, "100000", MARCH)

    assert Customer.objects.get(pk=kept.pk).orders_count == 1
    assert Customer.objects.get(pk=merged.pk).orders_count == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_are_all_counted(shop):
    from tests.concurrency import run_concurrently

    customer = CustomerFactory(shop=shop)

    def place(index):
        services.customer_record_purchase(
            customer=customer, amount=Decimal("10000"), ordered_at=MARCH, discounted=index % 2 == 0
        )

    results = run_concurrently(place, 12)

    assert not [r for r in results if isinstance(r, Exception)]
    facts = Customer.objects.get(pk=customer.pk)
    assert facts.orders_count == 12
    assert facts.discounted_orders_count == 6
    assert facts.total_spent == Decimal("120000")


def test_an_edited_order_amends_its_purchase_and_still_counts_once(customer):
    record(customer, "350000", MARCH, discounted=True, reference="DH-2001")
    record(customer, "100000", APRIL, reference="DH-2002")

    services.customer_amend_purchase(customer=customer, reference="DH-2001", amount=Decimal("500000"), discounted=False)

    facts = Customer.objects.get(pk=customer.pk)
    assert (facts.orders_count, facts.discounted_orders_count, facts.total_spent) == (2, 0, Decimal("600000"))
    assert CustomerPurchase.objects.get(reference="DH-2001").amount == Decimal("500000")


@pytest.mark.parametrize(
    ("reference", "amount", "error"), [("DH-KHAC", "1000", NotAllowed), ("DH-3001", "0", InvalidInput)]
)
def test_amending_no_recorded_purchase_or_to_nothing_is_refused(customer, reference, amount, error):
    record(customer, "350000", MARCH, reference="DH-3001")

    with pytest.raises(error):
        services.customer_amend_purchase(
            customer=customer, reference=reference, amount=Decimal(amount), discounted=False
        )

    assert Customer.objects.get(pk=customer.pk).total_spent == Decimal("350000")
