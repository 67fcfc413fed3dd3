from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from customers.models import AnonymousIdentity, Customer, CustomerEvent
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def an_event(event_id, **fields):
    return {"event_id": event_id, "type": "product_view", "occurred_at": "2026-03-01T10:00:00+07:00", **fields}


def test_a_mixed_batch_keeps_the_good_events(api, shop):
    CustomerFactory(shop=shop, external_id="web-1")
    api.post("/api/v1/events", {"events": [an_event("seen-before", anonymous_id="a1")]}, format="json")

    response = api.post(
        "/api/v1/events",
        {
            "events": [
                an_event("e1", customer_id="web-1", properties={"sku": "AO-THUN-01", "price": 250000, "quantity": 1}),
                an_event("seen-before", anonymous_id="a1"),
                an_event("e2", type="teleported", anonymous_id="a1"),
                an_event("e3"),
                "not an event",
                an_event("e4", anonymous_id="a1", occurred_at="yesterday"),
                an_event("e5", anonymous_id="a1", properties={"price": "-5"}),
                an_event("e6", anonymous_id="a1", type="add_to_cart", session_id="s-9", channel="app"),
                an_event("e6", anonymous_id="a1"),
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 2, 5)
    statuses = [(r["index"], r["event_id"], r["status"]) for r in body["results"]]
    assert statuses == [
        (0, "e1", "accepted"),
        (1, "seen-before", "duplicate"),
        (2, "e2", "rejected"),
        (3, "e3", "rejected"),
        (4, None, "rejected"),
        (5, "e4", "rejected"),
        (6, "e5", "rejected"),
        (7, "e6", "accepted"),
        (8, "e6", "duplicate"),
    ]
    errors = {r["index"]: r["errors"] for r in body["results"] if r["status"] == "rejected"}
    assert list(errors[2]) == ["type"]
    assert list(errors[3]) == ["anonymous_id"]
    assert list(errors[5]) == ["occurred_at"]
    assert list(errors[6]) == ["properties.price"]
    assert set(CustomerEvent.objects.filter(shop=shop).values_list("event_id", flat=True)) == {
        "seen-before",
        "e1",
        "e6",
    }
    assert CustomerEvent.objects.get(event_id="e1").customer.external_id == "web-1"


def test_events_from_the_future_are_rejected(api):
    later = (timezone.now() + timedelta(hours=1)).isoformat()

    response = api.post(
        "/api/v1/events", {"events": [an_event("e1", anonymous_id="a", occurred_at=later)]}, format="json"
    )

    assert response.json()["results"][0]["errors"] == {"occurred_at": ["The event cannot have happened in the future."]}


@pytest.mark.parametrize("body", [{}, {"events": []}, {"events": "e1"}, [an_event("e1", anonymous_id="a")]])
def test_the_batch_itself_must_be_a_list_of_1_to_500_events(api, body):
    response = api.post("/api/v1/events", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"events": ["Give a list of 1 to 500 events."]}


def test_more_than_500_events_are_refused_whole(api):
    events = [an_event(f"e{i}", anonymous_id="a") for i in range(501)]

    response = api.post("/api/v1/events", {"events": events}, format="json")

    assert response.status_code == 400
    assert not CustomerEvent.objects.exists()


def test_a_full_batch_of_500_is_stored(api, shop):
    events = [an_event(f"e{i}", anonymous_id=f"a{i % 7}", session_id=f"s{i % 40}") for i in range(500)]

    response = api.post("/api/v1/events", {"events": events}, format="json")

    assert response.json()["accepted"] == 500
    assert CustomerEvent.objects.filter(shop=shop).count() == 500


def test_storefront_keys_may_send_events(shop):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])

    response = storefront.post("/api/v1/events", {"events": [an_event("e1", anonymous_id="a")]}, format="json")

    assert response.status_code == 200


def test_identify_creates_the_customer_and_attaches_anonymous_events(api, shop):
    api.post("/api/v1/events", {"events": [an_event("e1", anonymous_id="cookie-1")]}, format="json")

    response = api.post(
        "/api/v1/customers/identify",
        {
            "anonymous_id": "cookie-1",
            "customer_id": "web-7",
            "traits": {"full_name": "Lê Thu Hương", "phone": "0987 654 321"},
        },
        format="json",
    )

    assert response.status_code == 200
    customer = Customer.objects.get(shop=shop, external_id="web-7")
    assert response.json() == {"customer": customer.pk, "external_id": "web-7", "attached_events": 1}
    assert customer.phone == "+84987654321"
    assert customer.journey_stage == "consideration"
    assert AnonymousIdentity.objects.get(shop=shop, anonymous_id="cookie-1").customer == customer


def test_identify_names_bad_traits(api):
    response = api.post(
        "/api/v1/customers/identify",
        {"anonymous_id": "cookie-1", "customer_id": "web-7", "traits": {"phone": "12"}},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["traits.phone"]
    assert not Customer.objects.exists()


def test_identify_never_reaches_another_shops_events(api, other_api, shop, other_shop):
    other_api.post("/api/v1/events", {"events": [an_event("e1", anonymous_id="cookie-1")]}, format="json")

    response = api.post(
        "/api/v1/customers/identify", {"anonymous_id": "cookie-1", "customer_id": "web-7"}, format="json"
    )

    assert response.json()["attached_events"] == 0
    assert CustomerEvent.objects.get(shop=other_shop).customer is None


def test_each_event_of_a_batch_is_judged_as_if_it_came_alone(api, shop):
    """The batch is checked by one serializer: nothing of one event's check may leak into the next."""
    recent = (timezone.now() - timedelta(days=1)).isoformat()
    kinds = [
        an_event("ok-{}", anonymous_id="a1", occurred_at=recent),
        an_event("bad-type-{}", type="teleported", anonymous_id="a1", occurred_at=recent),
        {"event_id": "no-time-{}", "type": "product_view", "anonymous_id": "a1"},
        an_event("who-{}", occurred_at=recent),
        None,
        an_event("price-{}", anonymous_id="a1", occurred_at=recent, properties={"price": "abc", "quantity": -1}),
        an_event("x" * 101 + "-{}", anonymous_id="a1", occurred_at=recent),
        an_event("ok-{}", customer_id="web-9", channel="app", occurred_at=recent, properties={"sku": "AO"}),
    ]
    batch = [
        {key: value.format(index) if key == "event_id" else value for key, value in kinds[index % len(kinds)].items()}
        if kinds[index % len(kinds)] is not None
        else None
        for index in range(80)
    ]

    answer = api.post("/api/v1/events", {"events": batch}, format="json")

    assert answer.status_code == 200
    alone = []
    for index, raw in enumerate(batch):
        single = api.post("/api/v1/events", {"events": [raw]}, format="json").json()["results"][0]
        alone.append({**single, "index": index, "status": single["status"].replace("duplicate", "accepted")})
    assert answer.json()["results"] == alone
    assert answer.json()["accepted"] == 20


def _generated_events():
    """Events of the shape storefronts send, and every way of getting a field wrong or odd."""
    from hypothesis import strategies as st

    from customers.models import Channel, EventType

    now = timezone.now()
    # Mostly inside the window the shop keeps (months back to a few minutes ahead), some outside it.
    recent = st.builds(
        lambda seconds, zone, naive: (
            (now + timedelta(seconds=seconds)).astimezone(zone).replace(tzinfo=None if naive else zone)
        ),
        st.integers(-400 * 86400, 3600),
        st.sampled_from([UTC, HANOI]),
        st.booleans(),
    ).map(lambda moment: moment.isoformat())
    text = st.one_of(
        st.text(max_size=110),
        st.sampled_from(["", "  ", " a1 ", "x" * 100, " " + "x" * 100 + " ", "x" * 101]),
        st.integers(),
        st.none(),
        st.booleans(),
    )
    fields = {
        "event_id": text,
        "type": st.one_of(st.sampled_from([*EventType.values, "teleported", " product_view", ""]), st.integers()),
        "occurred_at": st.one_of(
            recent, st.sampled_from(["yesterday", "2026-03-01", "2999-01-01T00:00:00Z", "1990-01-01T00:00:00Z"])
        ),
        "customer_id": text,
        "anonymous_id": text,
        "session_id": text,
        "channel": st.one_of(st.sampled_from([*Channel.values, "", "pigeon", " app"]), st.integers()),
        "properties": st.one_of(
            st.dictionaries(
                st.sampled_from(["sku", "price", "quantity", "url", "note"]),
                st.one_of(
                    st.integers(-5, 10**6), st.text(max_size=20), st.floats(allow_nan=True), st.booleans(), st.none()
                ),
                max_size=5,
            ),
            st.just({f"k{i}": i for i in range(101)}),
            st.just({"note": "x" * 9000}),
            st.lists(st.integers(), max_size=2),
            st.text(max_size=5),
        ),
    }
    always = {"event_id": st.text(min_size=1, max_size=20), "type": st.just("product_view"), "occurred_at": recent}
    sane = {
        "anonymous_id": st.text(min_size=1, max_size=30),
        "customer_id": st.sampled_from(["", "web-1", " web-2 "]),
        "session_id": st.text(max_size=30),
        "channel": st.sampled_from([*Channel.values, ""]),
        "properties": st.fixed_dictionaries(
            {}, optional={"sku": st.text(max_size=10), "price": st.integers(0, 10**6), "quantity": st.integers(0, 9)}
        ),
    }
    plain = st.one_of(
        st.fixed_dictionaries(
            {**always, "anonymous_id": sane["anonymous_id"]},
            optional={k: v for k, v in sane.items() if k != "anonymous_id"},
        ),
        st.fixed_dictionaries(always, optional={k: v for k, v in fields.items() if k not in always}),
    )
    return st.one_of(
        plain,
        st.fixed_dictionaries({}, optional=fields),
        st.lists(st.integers(), max_size=2),
        st.text(max_size=5),
    )


def test_the_quick_check_of_an_event_agrees_with_the_serializer():
    """Plain events skip the serializer's machinery: whatever the quick check accepts, it must accept
    exactly as the serializer does (same values, same types); what it does not take, the serializer
    judges."""
    from hypothesis import HealthCheck, given, settings
    from rest_framework.exceptions import ValidationError

    from customers.api.events import EventInputSerializer, event_checked_quickly, event_time_window

    checker = EventInputSerializer()
    quick_ones = []

    @settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=_generated_events())
    def agree(raw):
        quick = event_checked_quickly(raw, checker, event_time_window())
        try:
            full = dict(checker.run_validation(raw))
        except ValidationError:
            full = None
        if quick is not None:
            quick_ones.append(raw)
            assert quick == full
            assert {key: type(value) for key, value in quick.items()} == {
                key: type(value) for key, value in full.items()
            }

    agree()
    assert len(quick_ones) > 50  # the generator does reach the quick path
