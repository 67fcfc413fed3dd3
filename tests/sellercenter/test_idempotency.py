import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from sellercenter import services
from sellercenter.models import ApiKey, IdempotencyKey
from tests.sellercenter import api_views_for_tests
from tests.sellercenter.factories import ShopFactory

pytestmark = pytest.mark.urls("tests.sellercenter.api_views_for_tests")


def _issued(shop):
    return ApiKey.objects.filter(shop=shop, name="Kho Hà Nội").count()


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_answer_and_does_nothing_again(api, shop):
    first = api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert _issued(shop) == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_422_and_changes_nothing(api, shop):
    api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = api.post("/api/test/keys", {"name": "Kho Đà Nẵng"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not ApiKey.objects.filter(name="Kho Đà Nẵng").exists()


@pytest.mark.django_db
def test_without_the_header_every_request_does_the_work(api, shop):
    api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json")
    api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json")

    assert _issued(shop) == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_keys_are_per_shop(api, other_api, shop, other_shop):
    api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    response = other_api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert _issued(other_shop) == 1


@pytest.mark.django_db
def test_a_failed_request_stores_nothing_and_may_be_retried(api, shop):
    bad = api.post("/api/test/keys", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    good = api.post("/api/test/keys", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert bad.status_code == good.status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert fixed.status_code == 201


@pytest.mark.django_db
def test_an_overlong_key_is_400_naming_the_header(api):
    response = api.post("/api/test/keys", {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]


@pytest.mark.django_db
def test_prune_deletes_only_keys_older_than_the_ttl(settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    shop = ShopFactory()
    old = IdempotencyKey.objects.create(shop=shop, key="old", fingerprint="x", response_status=201)
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyKey.objects.create(shop=shop, key="new", fingerprint="x", response_status=201)

    assert services.idempotency_keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_while_the_first_is_running_is_409_then_replays(api, shop):
    api_views_for_tests.hold_requests.clear()
    api_views_for_tests.request_entered.clear()
    body = {"name": "Kho Hà Nội", "wait": True}
    first: dict = {}

    def first_request():
        from django.db import connection

        try:
            first["response"] = api.post("/api/test/keys", body, format="json", HTTP_IDEMPOTENCY_KEY="slow")
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert api_views_for_tests.request_entered.wait(timeout=10)
    try:
        during = api.post("/api/test/keys", body, format="json", HTTP_IDEMPOTENCY_KEY="slow")
    finally:
        api_views_for_tests.hold_requests.set()
        thread.join(timeout=30)
    after = api.post("/api/test/keys", body, format="json", HTTP_IDEMPOTENCY_KEY="slow")

    assert during.status_code == 409
    assert during.json()["error"]["code"] == "idempotency_key_in_progress"
    assert first["response"].status_code == 201
    assert after.status_code == 201
    assert after.json() == first["response"].json()
    assert _issued(shop) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": "k-durable"}])
def test_an_api_write_refuses_to_join_a_transaction_opened_around_it(api, shop, headers, caplog):
    with transaction.atomic():
        response = api.post("/api/test/keys", {"name": "Kho Hà Nội"}, format="json", **headers)

    # The refusal is Django's durable-atomic RuntimeError, answered (and logged) as a server error.
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    errors = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert any(isinstance(error, RuntimeError) and "durable" in str(error) for error in errors)
    assert _issued(shop) == 0


@pytest.mark.django_db
def test_the_same_json_re_encoded_is_replayed(api, shop):
    first = api.generic(
        "POST",
        "/api/test/keys",
        '{"name": "Kho Hà Nội", "wait": false}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-re",
    )
    again = api.generic(
        "POST",
        "/api/test/keys",
        '{\n  "wait" : false,\n  "name" : "Kho H\\u00e0 N\\u1ed9i"\n}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-re",
    )

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _issued(shop) == 1
