from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import services
from customers.models import Customer, PersonalDataRequest
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import AddressFactory, ConsentFactory, CustomerFactory, EventFactory

pytestmark = pytest.mark.django_db


def test_upsert_creates_then_updates(api, shop):
    created = api.post(
        "/api/v1/customers",
        {"external_id": "web-1", "full_name": "Phạm Quốc Dũng", "phone": "0912 345 678", "tags": ["VIP"]},
        format="json",
    )
    updated = api.post("/api/v1/customers", {"external_id": "web-1", "email": "Dung@Example.vn"}, format="json")

    assert created.status_code == 201
    assert updated.status_code == 200
    body = updated.json()
    assert body["id"] == created.json()["id"]
    assert (body["phone"], body["email"], body["tags"]) == ("+84912345678", "dung@example.vn", ["vip"])
    assert body["consents"] == {"email": None, "sms": None, "zalo": None, "web_push": None}
    assert Customer.objects.filter(shop=shop).count() == 1


def test_upsert_names_bad_fields(api):
    response = api.post(
        "/api/v1/customers",
        {"external_id": "web-1", "phone": "12", "email": "@", "gender": "robot", "referred_by": "nobody"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"gender"}  # shape first, then the domain rules
    response = api.post(
        "/api/v1/customers",
        {"external_id": "web-1", "phone": "12", "email": "@", "referred_by": "nobody"},
        format="json",
    )
    assert set(response.json()["error"]["fields"]) == {"referred_by"}
    response = api.post("/api/v1/customers", {"external_id": "web-1", "phone": "12", "email": "@"}, format="json")
    assert set(response.json()["error"]["fields"]) == {"phone", "email"}
    assert not Customer.objects.exists()


def test_referral_by_external_id(api, shop):
    referrer = CustomerFactory(shop=shop, external_id="web-1")

    response = api.post("/api/v1/customers", {"external_id": "web-2", "referred_by": "web-1"}, format="json")

    assert response.json()["referred_by"] == referrer.pk
    referrer.refresh_from_db()
    assert referrer.journey_stage == "advocacy"


def test_retrieve_and_patch(api, shop):
    customer = CustomerFactory(shop=shop, note="")
    AddressFactory(customer=customer, shop=shop)
    ConsentFactory(customer=customer, shop=shop, channel="zalo", recorded_at=datetime(2026, 1, 1, tzinfo=UTC))

    body = api.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["addresses"][0]["province"] == "Hà Nội"
    assert body["consents"]["zalo"]["granted"] is True

    response = api.patch(f"/api/v1/customers/{customer.pk}", {"note": "Giao giờ hành chính", "tags": []}, format="json")
    assert response.status_code == 200
    assert response.json()["note"] == "Giao giờ hành chính"


def test_list_filters(api, shop):
    lan = CustomerFactory(shop=shop, full_name="Nguyễn Thị Lan", phone="+84912345678", journey_stage="retention")
    minh = CustomerFactory(shop=shop, full_name="Trần Văn Minh", phone="+84987654321", email="minh@example.vn")
    services.customer_tags_set(customer=minh, tags=["sỉ"])
    services.customer_record_purchase(
        customer=lan, amount=Decimal("100000"), ordered_at=datetime(2026, 1, 1, tzinfo=UTC), discounted=False
    )
    buyers = services.segment_create(
        shop=shop, name="Đã mua", rules=[{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 1}]
    )

    def ids(query):
        response = api.get(f"/api/v1/customers?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("phone=0912 345 678") == [lan.pk]
    assert ids("phone=not-a-phone") == []
    assert ids("q=912345") == [lan.pk]
    assert ids("q=minh") == [minh.pk]
    assert ids("q=tran van") == [minh.pk]  # without the accents of "Trần Văn"
    assert ids("q=Nguyễn") == [lan.pk]
    assert ids("email=MINH@example.vn") == [minh.pk]
    assert ids("tag=SỈ") == [minh.pk]
    assert ids(f"segment={buyers.pk}") == [lan.pk]
    assert ids("journey_stage=purchase") == [lan.pk]
    assert ids("") == [minh.pk, lan.pk]


def test_a_segment_of_another_shop_is_a_bad_filter(api, other_shop):
    theirs = services.segment_create(shop=other_shop, name="Của họ", rules=[{"kind": "consent", "channel": "sms"}])

    response = api.get(f"/api/v1/customers?segment={theirs.pk}")

    assert response.status_code == 400
    assert "segment" in response.json()["error"]["fields"]


def test_the_list_runs_a_fixed_number_of_queries(api, shop, django_assert_max_num_queries):
    for i in range(3):
        services.customer_tags_set(customer=CustomerFactory(shop=shop), tags=[f"tag-{i}", "vip"])
    api.get("/api/v1/customers")  # warm the key's last-used stamp
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/customers")
    for i in range(20):
        services.customer_tags_set(customer=CustomerFactory(shop=shop), tags=[f"more-{i}"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get("/api/v1/customers")

    assert len(response.json()["results"]) == 23


def test_addresses(api, shop):
    customer = CustomerFactory(shop=shop)
    url = f"/api/v1/customers/{customer.pk}/addresses"
    first = api.post(
        url,
        {
            "recipient_name": "Lan",
            "phone": "0912345678",
            "street": "12 Hàng Bạc",
            "ward": "Hoàn Kiếm",
            "province": "Hà Nội",
        },
        format="json",
    )
    second = api.post(
        url,
        {
            "recipient_name": "Lan",
            "phone": "0912345678",
            "street": "1 Lê Lợi",
            "ward": "Bến Nghé",
            "province": "TP. Hồ Chí Minh",
        },
        format="json",
    )

    assert first.status_code == 201 and first.json()["is_default"] is True
    assert second.json()["is_default"] is False
    made_default = api.patch(f"{url}/{second.json()['id']}", {"is_default": True}, format="json")
    assert made_default.json()["is_default"] is True
    assert [a["id"] for a in api.get(url).json()] == [second.json()["id"], first.json()["id"]]
    assert api.delete(f"{url}/{first.json()['id']}").status_code == 204
    bad = api.post(
        url, {"recipient_name": "Lan", "phone": "abc", "street": "x", "ward": "y", "province": "z"}, format="json"
    )
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["phone"]


def test_consents(api, shop):
    customer = CustomerFactory(shop=shop)
    url = f"/api/v1/customers/{customer.pk}/consents"

    granted = api.post(
        url,
        {
            "channel": "email",
            "granted": True,
            "source": "checkout_form",
            "wording_version": "2025-01",
            "evidence": {"ip": "203.0.113.7"},
        },
        format="json",
    )
    missing_wording = api.post(url, {"channel": "sms", "granted": True, "source": "checkout_form"}, format="json")
    api.post(url, {"channel": "email", "granted": False, "source": "unsubscribe_link"}, format="json")

    assert granted.status_code == 201
    assert missing_wording.status_code == 400
    assert list(missing_wording.json()["error"]["fields"]) == ["wording_version"]
    state = api.get(url).json()
    assert state["channels"]["email"]["granted"] is False
    assert len(state["history"]) == 2


def test_timeline(api, shop):
    customer = CustomerFactory(shop=shop)
    for hour in (1, 3, 2):
        EventFactory(
            customer=customer, shop=shop, event_id=f"h{hour}", occurred_at=datetime(2026, 3, 1, hour, tzinfo=UTC)
        )

    response = api.get(f"/api/v1/customers/{customer.pk}/events")

    assert [e["event_id"] for e in response.json()["results"]] == ["h3", "h2", "h1"]


def test_export_and_erase_are_back_office_only_and_recorded(shop):
    customer = CustomerFactory(shop=shop, full_name="Lê Thu Hương")
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])
    back_office = make_api_client(shop, [ApiScope.BACK_OFFICE])

    assert storefront.get(f"/api/v1/customers/{customer.pk}/export").status_code == 403
    assert storefront.post(f"/api/v1/customers/{customer.pk}/erase", {}, format="json").status_code == 403

    exported = back_office.get(f"/api/v1/customers/{customer.pk}/export")
    assert exported.json()["profile"]["full_name"] == "Lê Thu Hương"
    erased = back_office.post(f"/api/v1/customers/{customer.pk}/erase", {"reason": "Khách yêu cầu"}, format="json")
    assert erased.status_code == 200
    again = back_office.post(f"/api/v1/customers/{customer.pk}/erase", {}, format="json")
    assert again.status_code == 409

    customer.refresh_from_db()
    assert customer.full_name == "" and customer.erased_at is not None
    kinds = list(
        PersonalDataRequest.objects.filter(customer=customer).order_by("pk").values_list("kind", "api_key__name")
    )
    assert kinds == [("export", "Test key"), ("erase", "Test key")]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/customers/{id}", None),
        ("patch", "/api/v1/customers/{id}", {"note": "x"}),
        ("get", "/api/v1/customers/{id}/addresses", None),
        (
            "post",
            "/api/v1/customers/{id}/addresses",
            {"recipient_name": "A", "phone": "0912345678", "street": "1", "ward": "2", "province": "3"},
        ),
        ("patch", "/api/v1/customers/{id}/addresses/{address}", {"label": "x"}),
        ("delete", "/api/v1/customers/{id}/addresses/{address}", None),
        ("get", "/api/v1/customers/{id}/consents", None),
        ("post", "/api/v1/customers/{id}/consents", {"channel": "sms", "granted": False, "source": "x"}),
        ("get", "/api/v1/customers/{id}/events", None),
        ("get", "/api/v1/customers/{id}/export", None),
        ("post", "/api/v1/customers/{id}/erase", {}),
    ],
)
def test_another_shops_customer_is_not_found(api, other_shop, method, path, body):
    theirs = CustomerFactory(shop=other_shop, full_name="Khách của shop khác")
    address = AddressFactory(customer=theirs, shop=other_shop)

    response = getattr(api, method)(path.format(id=theirs.pk, address=address.pk), body, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.full_name == "Khách của shop khác" and theirs.note == ""
    assert theirs.addresses.count() == 1 and not theirs.consent_records.exists()
    assert not PersonalDataRequest.objects.exists()


def test_another_shops_address_under_my_customer_is_not_found(api, shop, other_shop):
    mine = CustomerFactory(shop=shop)
    theirs = AddressFactory(customer=CustomerFactory(shop=other_shop), shop=other_shop)

    response = api.delete(f"/api/v1/customers/{mine.pk}/addresses/{theirs.pk}")

    assert response.status_code == 404


def test_lists_show_only_the_shops_customers(api, shop, other_shop):
    mine = CustomerFactory(shop=shop)
    CustomerFactory(shop=other_shop, external_id="shared-id")

    assert [row["id"] for row in api.get("/api/v1/customers").json()["results"]] == [mine.pk]
    assert api.get("/api/v1/customers?external_id=shared-id").json()["results"] == []


def test_the_list_flags_profiles_sharing_an_email_or_a_phone_with_another_current_one(api, shop, other_shop):
    by_email = [CustomerFactory(shop=shop, email="song.sinh@example.vn") for _ in range(2)]
    by_phone = [CustomerFactory(shop=shop, email="", phone="+84911111111") for _ in range(2)]
    no_contact = [CustomerFactory(shop=shop, email="", phone="") for _ in range(2)]  # blanks match nothing
    alone = CustomerFactory(shop=shop, email="mot.minh@example.vn", phone="+84922222222")
    CustomerFactory(shop=other_shop, email="mot.minh@example.vn")  # another shop's profile
    CustomerFactory(shop=shop, phone="+84922222222", erased_at=datetime(2026, 1, 1, tzinfo=UTC))

    listed = {row["id"]: row["has_duplicates"] for row in api.get("/api/v1/customers").json()["results"]}

    assert listed == {
        **{customer.pk: True for customer in by_email + by_phone},
        **{customer.pk: False for customer in [*no_contact, alone]},
    }
