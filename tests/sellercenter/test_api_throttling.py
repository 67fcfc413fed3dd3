"""Rate limits: per API key, per client address, and stricter where an answer is worth guessing."""

import pytest
from django.test import override_settings

from tests.conftest import make_api_client

pytestmark = pytest.mark.django_db

VALIDATE = "/api/v1/promotions/vouchers/validate"


def _guess(api, code: str, address: str = "203.0.113.7"):
    return api.post(VALIDATE, {"code": code}, format="json", REMOTE_ADDR=address)


def test_voucher_guessing_is_stopped_with_429_and_retry_after(api):
    answers = [_guess(api, f"DOAN{n}") for n in range(60)]

    statuses = [answer.status_code for answer in answers]
    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}
    throttled = answers[-1]
    assert throttled.json()["error"]["code"] == "throttled"
    assert 1 <= int(throttled["Retry-After"]) <= 60


@override_settings(API_RATE_VOUCHER_VALIDATE="3/minute")
def test_a_second_key_from_the_same_address_shares_the_address_limit(api, shop):
    for n in range(3):
        assert _guess(api, f"A{n}").status_code == 200

    other_key = make_api_client(shop)
    assert _guess(other_key, "B0").status_code == 429
    assert _guess(other_key, "B0", address="198.51.100.1").status_code == 200


@override_settings(API_RATE_VOUCHER_VALIDATE="3/minute")
def test_one_key_is_limited_from_every_address(api):
    for n in range(3):
        assert _guess(api, f"A{n}", address=f"198.51.100.{n}").status_code == 200

    assert _guess(api, "A9", address="198.51.100.99").status_code == 429


@override_settings(API_RATE_QUOTE="2/minute")
def test_quotes_have_their_own_limit(api):
    cart = {"lines": [{"sku": "AO-DAI", "quantity": 1, "unit_price": "250000"}], "channel": "website"}
    statuses = [api.post("/api/v1/promotions/quote", cart, format="json").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert api.get("/api/v1/shop").status_code == 200


@override_settings(API_RATE_PER_KEY="5/minute")
def test_every_endpoint_counts_against_the_key(api, shop):
    statuses = [api.get("/api/v1/shop").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    assert make_api_client(shop).get("/api/v1/shop").status_code == 200


@override_settings(API_RATE_PER_ADDRESS="4/minute")
def test_every_request_counts_against_its_address(client):
    statuses = [client.get("/api/v1/shop", REMOTE_ADDR="192.0.2.1").status_code for _ in range(5)]

    assert statuses == [401] * 4 + [429]
    assert client.get("/api/v1/shop", REMOTE_ADDR="192.0.2.2").status_code == 401
    # Unknown paths count too: the address limit comes before any view.
    assert client.get("/api/v1/no-such-thing", REMOTE_ADDR="192.0.2.1").status_code == 429


@pytest.mark.redis
def test_limits_are_counted_in_redis_when_cache_url_names_it(api, redis_url):
    from sellercenter.environment import cache_settings_from_url

    caches = cache_settings_from_url(redis_url)
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    with override_settings(CACHES=caches, API_RATE_VOUCHER_VALIDATE="2/minute"):
        from django.core.cache import cache

        cache.clear()
        statuses = [_guess(api, f"R{n}").status_code for n in range(3)]
        cache.clear()

    assert statuses == [200, 200, 429]
