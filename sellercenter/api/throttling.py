"""Rate limits for every API request, counted in the cache (Redis in production, local memory in the demo).

Every request counts against its client address (`API_RATE_PER_ADDRESS`, checked by the API
middleware before any view) and, once authenticated, against its API key or staff user
(`API_RATE_PER_KEY`). Views that answer what an attacker would
like to guess (is this voucher code real? what does this cart cost with it?) name a stricter scope in
`throttle_scope`, counted per key and per address together (`API_RATE_VOUCHER_VALIDATE`,
`API_RATE_QUOTE`). Rates are read from the settings at each request, so a deployment (or a test)
changes them without a restart of the class definitions. Over the limit: 429 with `Retry-After`.

Counted by `RateCounter`, not by DRF's history of request times: DRF reads a caller's list of
times, adds one and writes the list back, so requests that arrive together read the same list and
all but one go uncounted (on Redis, 17 of 20 voucher guesses at once passed a limit of 5).

A cache that does not answer lets requests through uncounted, with a warning in the log: the limits
guard the shop against floods, and a stopped Redis must not stop its API (checkouts, the storefront).
The process then leaves the cache alone for `CACHE_RETRY_SECONDS`, so an unreachable Redis costs its
timeout once in that time, not on every limit of every request.
"""

import contextlib
import logging
import math
import time

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from sellercenter.models import ApiKey

logger = logging.getLogger("sellercenter.api")

# What a cache that is down or unreachable raises: redis-py's own errors, the socket's otherwise.
CACHE_DOWN = (RedisError, OSError)
CACHE_RETRY_SECONDS = 5.0
# Until when (time.monotonic()) this process counts nothing: the cache did not answer.
_cache_down_until = 0.0

# throttle_scope -> the setting that holds its rate ("<count>/<second|minute|hour|day>").
SCOPE_SETTINGS = {
    "address": "API_RATE_PER_ADDRESS",
    "key": "API_RATE_PER_KEY",
    "voucher_validate": "API_RATE_VOUCHER_VALIDATE",
    "quote": "API_RATE_QUOTE",
}


def _caller(request) -> str | None:
    if isinstance(request.auth, ApiKey):
        return f"key-{request.auth.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user-{user.pk}"
    return None


class RateCounter:
    """Requests counted per window of the rate's duration, by the cache's atomic increment (Redis
    `INCR`; the local-memory cache's lock), so requests at once are each counted.

    A request is let through when the count of the current window, plus the previous window's
    weighted by how much of it is still within the last duration, is at most the limit (a sliding
    window, estimated from two counters: no burst of twice the rate across a window's edge). A
    refused request is taken off the count again, as DRF does not count it either: a caller over
    its limit gets through again as its earlier requests age out, however often it retries."""

    def __init__(self, cache, key: str, limit: int, duration: int):
        self.cache, self.key, self.limit, self.duration = cache, key, limit, duration
        self.wait_seconds: float | None = None

    def allow(self, now: float) -> bool:
        window = int(now // self.duration)
        into = (now - window * self.duration) / self.duration
        current_key = f"{self.key}:{window}"
        current = self._increment(current_key)
        previous = self.cache.get(f"{self.key}:{window - 1}", 0) if current <= self.limit else 0
        if current + previous * (1 - into) <= self.limit:
            return True
        with contextlib.suppress(ValueError):  # gone meanwhile (evicted): nothing to take off
            self.cache.decr(current_key)
        self.wait_seconds = self._wait(current - 1, previous, into)
        return False

    def _increment(self, key: str) -> int:
        with contextlib.suppress(ValueError):  # not there yet
            return self.cache.incr(key)
        # Kept for two windows: the next one weighs it.
        if self.cache.add(key, 1, timeout=2 * self.duration + 1):
            return 1
        try:
            return self.cache.incr(key)  # another request added it first
        except ValueError:
            return 1  # and it is gone again already (evicted): this one counts alone

    def _wait(self, current: int, previous: int, into: float) -> float:
        """Seconds until one more request would be let through, no one else asking meanwhile."""
        left = 1 - into
        if self.limit < 1:  # a rate of 0: nothing is let through, ask again a window later
            return self.duration * left + self.duration
        room = self.limit - current - 1
        if room >= 0 and previous and previous * left > room:
            return self.duration * (left - room / previous)
        # Not within this window: in the next, this one's count weighs as the previous.
        later = 1 - (self.limit - 1) / current if current > self.limit - 1 else 0
        return self.duration * (left + max(0.0, later))


class _CountedThrottle(SimpleRateThrottle):
    """DRF's throttle, its requests counted by `RateCounter`."""

    wait_seconds: float | None = None

    def _allow_counted(self, key: str) -> bool:
        global _cache_down_until
        if time.monotonic() < _cache_down_until:
            return True
        counter = RateCounter(self.cache, key, self.num_requests, self.duration)
        try:
            if counter.allow(self.timer()):
                return True
        except CACHE_DOWN as error:
            _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
            logger.warning(
                "Rate limits not counted for %s s: the cache did not answer (%s)", CACHE_RETRY_SECONDS, error
            )
            return True
        self.wait_seconds = counter.wait_seconds
        return False

    def wait(self):
        return None if self.wait_seconds is None else max(1, math.ceil(self.wait_seconds))


class _SettingRateThrottle(_CountedThrottle):
    def get_rate(self):
        return getattr(settings, SCOPE_SETTINGS[self.scope]) or None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        return key is None or self._allow_counted(key)


class AddressRateThrottle(_SettingRateThrottle):
    scope = "address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class KeyRateThrottle(_SettingRateThrottle):
    scope = "key"

    def get_cache_key(self, request, view):
        caller = _caller(request)
        if caller is None:
            return None  # Not authenticated: the address limit applies, and the 401 follows.
        return self.cache_format % {"scope": self.scope, "ident": caller}


class GuessRateThrottle(_CountedThrottle):
    """The stricter limit of views with a `throttle_scope`, per key and per address alike."""

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None)
        if self.scope is None:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return all(self._allow_counted(self._key(ident)) for ident in self._idents(request))

    def get_rate(self):
        scope = getattr(self, "scope", None)
        return getattr(settings, SCOPE_SETTINGS[scope]) if scope else None

    def _idents(self, request) -> list[str]:
        idents = [f"address-{self.get_ident(request)}"]
        caller = _caller(request)
        if caller:
            idents.append(caller)
        return idents

    def _key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}
