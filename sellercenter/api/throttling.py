"""Rate limits for every API request, counted in the cache (Redis in production, local memory in the demo).

Every request counts against its client address (`API_RATE_PER_ADDRESS`, checked by the API
middleware before any view) and, once authenticated, against its API key or staff user
(`API_RATE_PER_KEY`). Views that answer what an attacker would
like to guess (is this voucher code real? what does this cart cost with it?) name a stricter scope in
`throttle_scope`, counted per key and per address together (`API_RATE_VOUCHER_VALIDATE`,
`API_RATE_QUOTE`). Rates are read from the settings at each request, so a deployment (or a test)
changes them without a restart of the class definitions. Over the limit: 429 with `Retry-After`.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from sellercenter.models import ApiKey

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


class _SettingRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return getattr(settings, SCOPE_SETTINGS[self.scope]) or None


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


class GuessRateThrottle(SimpleRateThrottle):
    """The stricter limit of views with a `throttle_scope`, per key and per address alike."""

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None)
        if self.scope is None:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return all(self._allow(request, ident) for ident in self._idents(request))

    def get_rate(self):
        scope = getattr(self, "scope", None)
        return getattr(settings, SCOPE_SETTINGS[scope]) if scope else None

    def _idents(self, request) -> list[str]:
        idents = [f"address-{self.get_ident(request)}"]
        caller = _caller(request)
        if caller:
            idents.append(caller)
        return idents

    def _allow(self, request, ident: str) -> bool:
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()
