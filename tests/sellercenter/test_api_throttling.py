"""Rate limits: per API key, per client address, and stricter where an answer is worth guessing."""

import bisect

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.concurrency import run_concurrently
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
    # Within the minute and the tenth of it the counts are kept by.
    assert 1 <= int(throttled["Retry-After"]) <= 66


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


def _caches(request):
    """The local-memory cache of the demo, or Redis as in production (`redis_url`)."""
    if request.param == "locmem":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from sellercenter.environment import cache_settings_from_url

    return cache_settings_from_url(request.getfixturevalue("redis_url"))


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def counted_in(request):
    with override_settings(CACHES=_caches(request)):
        from django.core.cache import cache

        cache.clear()
        yield
        cache.clear()


@pytest.mark.django_db(transaction=False)
@override_settings(API_RATE_PER_ADDRESS="10/minute")
def test_requests_at_once_from_one_address_pass_no_more_than_its_limit(counted_in):
    from django.test import Client

    def call(_):
        return Client().get("/api/v1/shop", REMOTE_ADDR="192.0.2.50").status_code

    statuses = run_concurrently(call, 40)

    assert statuses.count(401) == 10 and statuses.count(429) == 30
    # Refused requests are not counted: the address is still at its limit, not past it.
    assert Client().get("/api/v1/shop", REMOTE_ADDR="192.0.2.50").status_code == 429
    assert Client().get("/api/v1/shop", REMOTE_ADDR="192.0.2.51").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(API_RATE_VOUCHER_VALIDATE="5/minute")
def test_voucher_guesses_at_once_pass_no_more_than_the_limit(counted_in, shop):
    from sellercenter.models import ApiKey
    from tests.sellercenter.factories import api_key_secret

    secret = api_key_secret(shop)

    def guess(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
        return _guess(client, f"SONG{n}").status_code

    statuses = run_concurrently(guess, 20)

    assert statuses.count(200) == 5 and statuses.count(429) == 15
    assert ApiKey.objects.filter(shop=shop).count() == 1


def _counter(limit: int, duration: int = 60):
    import uuid

    from django.core.cache.backends.locmem import LocMemCache

    from sellercenter.api.throttling import RateCounter

    # A local-memory cache of its own: caches of the same name share their rows.
    return RateCounter(LocMemCache(uuid.uuid4().hex, {}), "throttle_test_caller", limit, duration)


def test_a_limit_holds_across_the_edge_of_its_window():
    counter = _counter(5)
    assert [counter.allow(59.0 + n / 10) for n in range(6)] == [True] * 5 + [False]

    # In the next minute's first seconds, and half a minute on: the last minute already had 5.
    assert counter.allow(61.0) is False
    assert counter.allow(90.0) is False
    # A minute after the slot of the five (54 to 60 s) ended, they no longer count.
    assert counter.allow(119.9) is False
    assert [counter.allow(120.0) for _ in range(6)] == [True] * 5 + [False]


def _replay(limit: int, duration: int, seed: int):
    """Requests at random times, bursts and lulls, each refused one retried at its Retry-After.
    Yields (time, allowed, the counter) for each request."""
    import random

    generator = random.Random(seed)
    counter = _counter(limit, duration)
    now = generator.uniform(0, 10 * duration)
    for _ in range(300):
        now += generator.expovariate(1.0) * duration / limit * generator.choice([0.05, 0.3, 1, 3])
        allowed = counter.allow(now)
        wait = counter.wait_seconds
        yield now, allowed, counter
        if not allowed:
            now += wait + duration * 1e-9
            retried = counter.allow(now)
            yield now, retried, counter


CASES = [(limit, duration, seed) for seed in range(2) for limit in (1, 2, 5, 30) for duration in (1, 60, 3600)]


def test_no_span_of_the_duration_lets_more_through_than_the_limit():
    for case in CASES:
        limit, duration, _seed = case
        allowed_at = []  # in order: requests only move forward in time
        for now, allowed, _ in _replay(*case):
            if allowed:
                allowed_at.append(now)
                assert len(allowed_at) - bisect.bisect_left(allowed_at, now - duration) <= limit, (case, now)
            else:
                # Never stricter than the duration and one slot of it (a tenth).
                assert len(allowed_at) - bisect.bisect_left(allowed_at, now - duration * 1.1) >= limit, (case, now)


def test_retry_after_is_when_the_next_request_is_let_through():
    for case in CASES:
        duration = case[1]
        replay = _replay(*case)
        for now, allowed, counter in replay:
            if allowed:
                continue
            wait = counter.wait_seconds
            assert 0 < wait <= duration * 1.1 + 1e-6, (case, now)
            if wait > duration * 1e-6:
                assert counter.allow(now + wait - duration * 1e-6) is False, (case, now)  # refused: not counted
            retried_at, retried, _ = next(replay)
            assert (retried_at, retried) == (pytest.approx(now + wait), True), (case, now)


@override_settings(API_RATE_QUOTE="0/minute")
def test_a_rate_of_none_at_all_refuses_with_a_retry_after(api):
    cart = {"lines": [{"sku": "AO-DAI", "quantity": 1, "unit_price": "250000"}], "channel": "website"}
    refused = api.post("/api/v1/promotions/quote", cart, format="json")

    assert refused.status_code == 429
    assert 60 <= int(refused["Retry-After"]) <= 120


def test_a_stopped_redis_lets_the_api_answer_and_the_limits_come_back_with_it(api, tmp_path, caplog, monkeypatch):
    import time

    from sellercenter.api import throttling
    from sellercenter.environment import cache_settings_from_url
    from tests.processes import Redis

    monkeypatch.setattr(throttling, "CACHE_RETRY_SECONDS", 1.0)
    server = Redis(tmp_path).start()
    try:
        with override_settings(CACHES=cache_settings_from_url(server.url), API_RATE_PER_KEY="2/minute"):
            assert [api.get("/api/v1/shop").status_code for _ in range(3)] == [200, 200, 429]

            server.kill()
            with caplog.at_level("WARNING", logger="sellercenter.api"):
                assert [api.get("/api/v1/shop").status_code for _ in range(3)] == [200, 200, 200]
            # Asked once, then left alone for its retry time: one warning for three requests.
            assert caplog.text.count("Rate limits not counted for 1.0 s: the cache did not answer") == 1
            health = api.get("/healthz").json()
            assert (health["status"], health["cache"]) == ("degraded", "unavailable")

            server.start()
            time.sleep(1.1)
            assert [api.get("/api/v1/shop").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        server.kill()


def test_a_redis_that_never_answers_costs_its_timeout_once_not_a_hang(api, caplog):
    import socket

    from sellercenter.environment import cache_settings_from_url

    # A port that takes connections (the kernel completes them) and never says a word.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    try:
        with override_settings(CACHES=cache_settings_from_url(url)), caplog.at_level("WARNING", "sellercenter.api"):
            assert [api.get("/api/v1/shop").status_code for _ in range(3)] == [200, 200, 200]
        assert caplog.text.count("the cache did not answer (Timeout") == 1
    finally:
        silent.close()


def test_a_counter_evicted_between_its_steps_is_no_error():
    counter = _counter(1)

    class Evicting(type(counter.cache)):
        """The cache drops every counter right after handing it out, as a full cache may."""

        def incr(self, key, delta=1, version=None):
            value = super().incr(key, delta, version)
            self.delete(key, version)
            return value

        def add(self, key, value, timeout=None, version=None):
            return False  # another request's, evicted at once

    counter.cache.__class__ = Evicting
    counter.cache.set(f"{counter.key}:{int(30 // counter.slot_seconds)}", 5)

    assert counter.allow(30.0) is False  # 6 > 1; taking it off again finds nothing
    assert counter.allow(31.0) is True  # not there, added elsewhere and gone: counted alone


@override_settings(API_RATE_PER_ADDRESS="3/minute")
def test_a_forged_x_forwarded_for_does_not_make_a_new_address(client):
    # No proxy is configured (API_NUM_PROXIES 0): the header is the client's own words.
    statuses = [
        client.get("/api/v1/shop", REMOTE_ADDR="192.0.2.60", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_behind_proxies_the_address_is_the_one_the_nearest_proxy_saw(client, settings):
    from django.conf import settings as live

    settings.REST_FRAMEWORK = {**live.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.API_RATE_PER_ADDRESS = "2/minute"

    def call(forwarded: str) -> int:
        return client.get("/api/v1/shop", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # The client may write anything before what the proxy appends; the proxy's entry is the last.
    assert [call(f"forged-{n}, 203.0.113.9") for n in range(3)] == [401, 401, 429]
    assert call("203.0.113.10") == 401


@override_settings(API_RATE_VOUCHER_VALIDATE="", API_RATE_QUOTE="")
def test_a_stricter_limit_left_empty_is_off(api):
    cart = {"lines": [{"sku": "AO-DAI", "quantity": 1, "unit_price": "250000"}], "channel": "website"}

    assert _guess(api, "KHONG-CO").status_code == 200
    assert api.post("/api/v1/promotions/quote", cart, format="json").status_code == 200


@override_settings(API_RATE_VOUCHER_VALIDATE="2/minute")
def test_a_guess_refused_for_its_key_gives_the_address_its_count_back(api, shop):
    assert _guess(api, "K0", address="198.51.100.1").status_code == 200
    assert _guess(api, "K1", address="198.51.100.2").status_code == 200
    assert _guess(api, "K2", address="198.51.100.1").status_code == 429  # the key's two are spent
    # The address was counted once, not twice: another key there still has its guess.
    assert _guess(make_api_client(shop), "L0", address="198.51.100.1").status_code == 200


def test_the_demos_cache_remembers_the_counts_of_hundreds_of_callers():
    import uuid

    from django.core.cache.backends.locmem import LocMemCache

    from sellercenter.api.throttling import RateCounter
    from sellercenter.environment import cache_settings_from_url

    options = cache_settings_from_url("locmem://")["default"].get("OPTIONS", {})
    cache = LocMemCache(uuid.uuid4().hex, {"OPTIONS": options})
    callers = [RateCounter(cache, f"throttle_address_198.51.{n // 250}.{n % 250}", 1, 60) for n in range(500)]
    assert all(caller.allow(30.0 + n / 100) for n, caller in enumerate(callers))

    # Django's default of 300 entries would have culled most of them by now.
    assert not any(caller.allow(40.0) for caller in callers)
