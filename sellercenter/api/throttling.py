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
    """Requests counted in slots of a tenth of the rate's duration, each by the cache's atomic
    increment (Redis `INCR`; the local-memory cache's lock), so requests at once are each counted.

    A request is let through when its own slot and the `SLOTS` slots before it hold no more than the
    limit. Those slots cover the last duration and at most one slot more, so no span of the duration
    ever holds more requests than the limit, across the edge of a window neither; the price is that a
    caller at its limit may wait up to a tenth of the duration longer than an exact log of times
    would make it. A refused request is taken off the count again, as DRF does not count it either:
    a caller over its limit gets through again as its earlier requests age out, however often it
    retries."""

    SLOTS = 10

    def __init__(self, cache, key: str, limit: int, duration: int):
        self.cache, self.key, self.limit, self.duration = cache, key, limit, duration
        self.slot_seconds = duration / self.SLOTS
        self.wait_seconds: float | None = None
        self.counted_key: str | None = None

    def allow(self, now: float) -> bool:
        slot = int(now // self.slot_seconds)
        own_key = f"{self.key}:{slot}"
        own = self._increment(own_key)
        earlier = [0] * self.SLOTS
        if own <= self.limit:
            earlier = self._counts(range(slot - self.SLOTS, slot))
            if own + sum(earlier) <= self.limit:
                self.counted_key = own_key
                return True
        self._take_off(own_key)
        self.wait_seconds = self._wait(now, slot, [*earlier, own - 1])
        return False

    def give_back(self) -> None:
        """Take a request let through off the count again (another limit refused it)."""
        if self.counted_key:
            self._take_off(self.counted_key)
            self.counted_key = None

    def _take_off(self, key: str) -> None:
        with contextlib.suppress(ValueError):  # gone meanwhile (evicted): nothing to take off
            self.cache.decr(key)

    def _counts(self, slots: range) -> list[int]:
        """The count of each slot, oldest first (one MGET on Redis)."""
        keys = [f"{self.key}:{slot}" for slot in slots]
        found = self.cache.get_many(keys)
        return [int(found.get(key) or 0) for key in keys]

    def _increment(self, key: str) -> int:
        with contextlib.suppress(ValueError):  # not there yet
            return self.cache.incr(key)
        # Kept while a later slot may still count it.
        if self.cache.add(key, 1, timeout=math.ceil(self.duration + 2 * self.slot_seconds) + 1):
            return 1
        try:
            return self.cache.incr(key)  # another request added it first
        except ValueError:
            return 1  # and it is gone again already (evicted): this one counts alone

    def _wait(self, now: float, slot: int, counts: list[int]) -> float:
        """Seconds until one more request would be let through, no one else asking meanwhile:
        `counts` are the slots from `SLOTS` before `slot` to `slot` itself."""
        if self.limit < 1:  # a rate of 0: nothing is let through, ask again a duration later
            return float(self.duration)
        # In slot + ahead, the slots before slot + ahead - SLOTS no longer count.
        ahead = next(ahead for ahead in range(1, len(counts) + 1) if sum(counts[ahead:]) < self.limit)
        return (slot + ahead) * self.slot_seconds - now


class _CountedThrottle(SimpleRateThrottle):
    """DRF's throttle, its rate read from the setting its scope names (empty: no limit) and its
    requests counted by `RateCounter`."""

    wait_seconds: float | None = None

    def get_rate(self):
        scope = getattr(self, "scope", None)
        return (getattr(settings, SCOPE_SETTINGS[scope]) or None) if scope else None

    def _allow_counted(self, *keys: str) -> bool:
        """Let the request through if every limit named by `keys` allows it; when one refuses, the
        ones before it take it off their count again, so a refused request counts nowhere."""
        global _cache_down_until
        if time.monotonic() < _cache_down_until:
            return True
        counted: list[RateCounter] = []
        now = self.timer()
        try:
            for key in keys:
                counter = RateCounter(self.cache, key, self.num_requests, self.duration)
                if not counter.allow(now):
                    for earlier in counted:
                        earlier.give_back()
                    self.wait_seconds = counter.wait_seconds
                    return False
                counted.append(counter)
        except CACHE_DOWN as error:
            _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
            logger.warning(
                "Rate limits not counted for %s s: the cache did not answer (%s)", CACHE_RETRY_SECONDS, error
            )
        return True

    def wait(self):
        return None if self.wait_seconds is None else max(1, math.ceil(self.wait_seconds))


class _SettingRateThrottle(_CountedThrottle):
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
        if self.rate is None:
            return True  # left empty: this limit is off, as the others are
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return self._allow_counted(*(self._key(ident) for ident in self._idents(request)))

    def _idents(self, request) -> list[str]:
        idents = [f"address-{self.get_ident(request)}"]
        caller = _caller(request)
        if caller:
            idents.append(caller)
        return idents

    def _key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}
