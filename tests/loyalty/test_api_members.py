import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty import services
from loyalty.models import LoyaltyAccount, PointsEntry, PointsLot
from sellercenter.models import ActorKind, ApiKey, ApiScope
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import SYSTEM, member, with_available_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(shop):
    account = member(shop, external_id="KH-0001", full_name="Trần Thị Mai")
    with_available_points(account, 300, order_ref="SC-1", at=timezone.now() - timedelta(days=350))
    with_available_points(account, 200, order_ref="SC-2")
    services.points_award_for_order(
        customer=account.customer, order_ref="SC-3", amount=Decimal(40000), at=timezone.now(), actor=SYSTEM
    )
    services.tier_record_qualifying_spend(
        customer=account.customer, order_ref="SC-1", amount=Decimal(1_500_000), at=timezone.now(), actor=SYSTEM
    )
    return account


def test_member_card_shows_tier_balances_expiry_progress_and_barcode(api, account):
    response = api.get("/api/v1/loyalty/members/KH-0001")

    assert response.status_code == 200
    card = response.json()
    assert card["member_code"] == account.member_code
    assert card["full_name"] == "Trần Thị Mai"
    assert card["tier"]["name"] == "Thành viên"
    assert (card["available_points"], card["pending_points"], card["points_owed"]) == (500, 40, 0)
    assert card["expiring_points"] == 300  # the lot released 350 days ago expires within 30 days
    assert card["next_tier"]["name"] == "Bạc"
    assert Decimal(card["qualifying_amount"]) == Decimal("1500000")
    assert Decimal(card["amount_to_next_tier"]) == Decimal("500000")
    assert card["barcode_svg"].startswith("<svg")
    assert account.member_code in card["barcode_svg"]


def test_a_customer_without_account_or_of_another_shop_is_404(api, other_api, shop, account):
    CustomerFactory(shop=shop, external_id="KH-0002")

    assert api.get("/api/v1/loyalty/members/KH-0002").json()["error"]["code"] == "not_a_member"
    assert api.get("/api/v1/loyalty/members/KH-9999").status_code == 404
    assert other_api.get("/api/v1/loyalty/members/KH-0001").status_code == 404
    assert other_api.get("/api/v1/loyalty/members/KH-0001/ledger").status_code == 404


def test_ledger_is_cursor_paginated_newest_first(api, account):
    first = api.get("/api/v1/loyalty/members/KH-0001/ledger?limit=3").json()

    ids = [entry["id"] for entry in first["results"]]
    assert ids == sorted(ids, reverse=True)
    assert first["results"][0]["kind"] == "earn"
    assert first["results"][0]["source"] == "order:SC-3"
    second = api.get(first["next"]).json()
    total = len(first["results"]) + len(second["results"])
    assert total == PointsEntry.objects.filter(account=account).count()


def test_ledger_page_runs_a_fixed_number_of_queries(api, account, django_assert_max_num_queries):
    for n in range(10):
        services.points_adjust(account=account, points=1, reason=f"Quà {n}", actor=SYSTEM)

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/loyalty/members/KH-0001/ledger?limit=50")

    assert len(response.json()["results"]) > 10


def test_redemption_quote_respects_the_balance_and_the_share_of_the_order(api, account):
    response = api.post(
        "/api/v1/loyalty/redemption-quote", {"external_id": "KH-0001", "order_amount": "60000"}, format="json"
    )

    assert response.status_code == 200
    quote = response.json()
    # Half of 60.000 ₫ at 10 ₫ a point: 3.000 points allowed, but only 500 are available.
    assert (quote["available_points"], quote["max_points"], quote["points"]) == (500, 500, 500)
    assert Decimal(quote["value"]) == Decimal("5000")

    small = api.post(
        "/api/v1/loyalty/redemption-quote",
        {"external_id": "KH-0001", "order_amount": "6000", "points": 400},
        format="json",
    ).json()
    assert (small["max_points"], small["points"], Decimal(small["value"])) == (300, 300, Decimal("3000"))


def test_redemption_quote_for_a_customer_who_is_not_a_member_is_zero(api, shop):
    CustomerFactory(shop=shop, external_id="KH-0003")

    quote = api.post(
        "/api/v1/loyalty/redemption-quote", {"external_id": "KH-0003", "order_amount": "500000"}, format="json"
    ).json()

    assert (quote["max_points"], quote["points"], quote["value"]) == (0, 0, "0.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"external_id": "KH-0001", "order_amount": "-1"}, "order_amount"),
        ({"external_id": "KH-0001", "order_amount": "abc"}, "order_amount"),
        ({"external_id": "KH-0001", "order_amount": "1000", "points": -3}, "points"),
        ({"order_amount": "1000"}, "external_id"),
    ],
)
def test_redemption_quote_refuses_bad_input_naming_the_field(api, account, body, field):
    response = api.post("/api/v1/loyalty/redemption-quote", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_enrol_creates_an_account_once(api, shop):
    CustomerFactory(shop=shop, external_id="KH-0004")

    first = api.post("/api/v1/loyalty/members", {"external_id": "KH-0004"}, format="json")
    again = api.post("/api/v1/loyalty/members", {"external_id": "KH-0004"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["member_code"] == again.json()["member_code"]
    assert LoyaltyAccount.objects.filter(customer__external_id="KH-0004").count() == 1
    assert first.json()["tier"]["rank"] == 1


def test_enrolling_an_unknown_customer_is_404_naming_the_field(api):
    response = api.post("/api/v1/loyalty/members", {"external_id": "KH-404"}, format="json")

    assert response.status_code == 404
    assert "external_id" in response.json()["error"]["fields"]


def test_adjustment_is_back_office_only_and_needs_a_reason(shop, account):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])
    back_office = make_api_client(shop, [ApiScope.BACK_OFFICE])
    url = "/api/v1/loyalty/members/KH-0001/adjustments"

    assert storefront.post(url, {"points": 50, "reason": "Quà"}, format="json").status_code == 403
    missing = back_office.post(url, {"points": 50}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["error"]["fields"]
    too_many = back_office.post(url, {"points": -501, "reason": "Sửa sai"}, format="json")
    assert too_many.status_code == 400
    assert "points" in too_many.json()["error"]["fields"]

    done = back_office.post(url, {"points": 50, "reason": "Tri ân khách quen"}, format="json")

    assert done.status_code == 201
    assert done.json()["kind"] == "adjustment"
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 550


def test_an_adjustment_by_an_api_key_records_the_key_and_the_admin_ledger_shows_it(shop, account, owner_client):
    back_office = make_api_client(shop, [ApiScope.BACK_OFFICE])
    key = ApiKey.objects.get(shop=shop)

    done = back_office.post(
        "/api/v1/loyalty/members/KH-0001/adjustments", {"points": 30, "reason": "Tri ân"}, format="json"
    )

    assert done.status_code == 201
    entry = PointsEntry.objects.get(pk=done.json()["id"])
    assert (entry.actor_kind, entry.api_key, entry.user) == (ActorKind.STAFF, key, None)
    ledger = owner_client.get(reverse("admin:loyalty_pointsentry_changelist"), {"kind": "adjustment"})
    assert ledger.status_code == 200
    assert re.search(rf'<td class="field-actor_shown[^>]*>{re.escape(str(key))}</td>', ledger.content.decode())


def test_an_adjustment_in_a_staff_session_records_the_staff_member(shop, account, owner, client):
    client.force_login(owner)

    done = client.post(
        "/api/v1/loyalty/members/KH-0001/adjustments",
        {"points": 30, "reason": "Tri ân"},
        content_type="application/json",
    )

    assert done.status_code == 201
    entry = PointsEntry.objects.get(pk=done.json()["id"])
    assert (entry.actor_kind, entry.user, entry.api_key) == (ActorKind.STAFF, owner, None)


def test_adjustment_with_an_idempotency_key_is_applied_once(api, account):
    url = "/api/v1/loyalty/members/KH-0001/adjustments"
    body = {"points": 20, "reason": "Bồi thường"}

    api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="adj-1")
    replay = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="adj-1")

    assert replay["Idempotent-Replayed"] == "true"
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 520


def test_expired_but_unprocessed_points_are_not_shown_as_available(api, account):
    PointsLot.objects.filter(account=account, entry__source="order:SC-1").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    card = api.get("/api/v1/loyalty/members/KH-0001").json()

    assert card["available_points"] == 200
