from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from customers import services
from customers.models import ConsentRecord
from customers.selectors import customer_consents, marketing_allowed, marketing_allowed_among
from sellercenter.errors import InvalidInput, NotAllowed
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop)


def grant(customer, channel="email", at=T0, **kwargs):
    return services.consent_record(
        customer=customer,
        channel=channel,
        granted=True,
        source="checkout",
        wording_version="2025-01",
        recorded_at=at,
        **kwargs,
    )


def withdraw(customer, channel="email", at=T0):
    return services.consent_record(
        customer=customer, channel=channel, granted=False, source="unsubscribe_link", recorded_at=at
    )


def test_no_record_means_no_marketing(customer):
    for channel in ("email", "sms", "zalo", "web_push"):
        assert marketing_allowed(customer=customer, channel=channel) is False


def test_a_grant_allows_that_channel_only(customer):
    grant(customer, "zalo", evidence={"ip": "203.0.113.7"})

    assert marketing_allowed(customer=customer, channel="zalo") is True
    assert marketing_allowed(customer=customer, channel="sms") is False


def test_the_latest_record_decides_and_history_answers_for_the_past(customer):
    grant(customer, at=T0)
    withdraw(customer, at=T0 + timedelta(days=30))

    assert marketing_allowed(customer=customer, channel="email") is False
    assert marketing_allowed(customer=customer, channel="email", at=T0 + timedelta(days=1)) is True
    assert marketing_allowed(customer=customer, channel="email", at=T0 - timedelta(days=1)) is False

    grant(customer, at=T0 + timedelta(days=40))
    assert marketing_allowed(customer=customer, channel="email") is True
    assert ConsentRecord.objects.filter(customer=customer).count() == 3  # nothing is overwritten


def test_current_state_per_channel(customer):
    grant(customer, "email")
    withdraw(customer, "sms")

    state = customer_consents(customer=customer)

    assert state["email"].granted is True
    assert state["sms"].granted is False
    assert state["zalo"] is None and state["web_push"] is None


def test_erased_profiles_never_get_marketing(customer):
    grant(customer)
    services.customer_erase(customer=customer)
    customer.refresh_from_db()

    assert marketing_allowed(customer=customer, channel="email") is False
    with pytest.raises(NotAllowed):
        grant(customer)
    withdraw(customer)  # a withdrawal is always accepted


@pytest.mark.parametrize(
    ("fields", "at_fault"),
    [
        ({"channel": "fax"}, "channel"),
        ({"source": " "}, "source"),
        ({"wording_version": ""}, "wording_version"),
        ({"recorded_at": timezone.now() + timedelta(days=1)}, "recorded_at"),
        ({"recorded_at": datetime(2026, 1, 1)}, "recorded_at"),
        ({"evidence": ["ip"]}, "evidence"),
        ({"granted": "yes"}, "granted"),
    ],
)
def test_a_grant_needs_channel_source_wording_and_a_past_moment(customer, fields, at_fault):
    arguments = {"channel": "email", "granted": True, "source": "checkout", "wording_version": "2025-01", **fields}

    with pytest.raises(InvalidInput) as error:
        services.consent_record(customer=customer, **arguments)

    assert at_fault in error.value.fields
    assert not ConsentRecord.objects.exists()


def test_an_unknown_channel_is_a_programming_error(customer):
    with pytest.raises(ValueError):
        marketing_allowed(customer=customer, channel="fax")


@pytest.mark.parametrize(
    "distinct_on",
    [pytest.param(True, id="distinct-on", marks=pytest.mark.postgres), pytest.param(False, id="subquery")],
)
def test_a_batch_reads_each_pairs_latest_record_with_or_without_distinct_on(shop, distinct_on, monkeypatch):
    """PostgreSQL reads the latest record of each (customer, channel) with DISTINCT ON, SQLite (the
    demo's database) with a subquery: both give the same answer, the same-moment tie included."""
    from django.db import connection

    monkeypatch.setattr(connection.features, "can_distinct_on_fields", distinct_on)
    lan, minh, hoa = CustomerFactory.create_batch(3, shop=shop)
    grant(lan, "email", at=T0)
    withdraw(lan, "email", at=T0 + timedelta(days=3))
    grant(lan, "sms", at=T0)
    withdraw(minh, "email", at=T0)
    grant(minh, "email", at=T0 + timedelta(days=2))
    withdraw(hoa, "zalo", at=T0)
    grant(hoa, "zalo", at=T0)  # the same moment: the later record wins

    allowed = marketing_allowed_among(customers=[lan, minh, hoa], channels=["email", "sms", "zalo"])

    assert allowed == {(lan.pk, "sms"), (minh.pk, "email"), (hoa.pk, "zalo")}
    assert marketing_allowed_among(customers=[lan, minh], channels=["email"], at=T0 + timedelta(days=1)) == {
        (lan.pk, "email")
    }
