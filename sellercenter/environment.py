"""Reading configuration from environment variables.

Settings import this module only: it must not import Django models or apps.
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "submission": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def email_settings_from_url(url: str) -> dict:
    """Turn `smtp://user:password@host:587?tls=1` (or console://, locmem://, file:///path) into settings.

    `smtps://` means implicit TLS (port 465 by default), `submission://` STARTTLS on 587.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in EMAIL_BACKENDS:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {scheme!r} is not one of {', '.join(sorted(EMAIL_BACKENDS))}")
    settings = {"EMAIL_BACKEND": EMAIL_BACKENDS[scheme]}
    if scheme == "file":
        settings["EMAIL_FILE_PATH"] = unquote(parts.path)
        return settings
    if scheme not in {"smtp", "smtps", "submission"}:
        return settings
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    default_port = {"smtp": 25, "smtps": 465, "submission": 587}[scheme]
    settings.update(
        EMAIL_HOST=parts.hostname or "localhost",
        EMAIL_PORT=parts.port or default_port,
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_SSL=scheme == "smtps" or query.get("ssl", "").lower() in TRUE_WORDS,
        EMAIL_USE_TLS=scheme == "submission" or query.get("tls", "").lower() in TRUE_WORDS,
        EMAIL_TIMEOUT=int(query.get("timeout", "10")),
    )
    return settings


def cache_settings_from_url(url: str) -> dict:
    """Turn CACHE_URL into the default cache: `redis://host:6379/1` (or rediss://) or `locmem://`.

    The cache holds the API's rate-limit counters: with several web processes it must be shared
    (Redis), or each process would count on its own."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in {"redis", "rediss"}:
        # A Redis that stops answering costs a request at most a second (the limits are then not
        # counted for a while, see sellercenter.api.throttling), not redis-py's default of five.
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
        backend = "django.core.cache.backends.redis.RedisCache"
        return {"default": {"BACKEND": backend, "LOCATION": url, "OPTIONS": options}}
    if scheme == "locmem":
        # Room for the counters of some hundreds of callers (up to 11 per caller and limit), not
        # Django's default of 300 entries, past which a third of them are forgotten.
        backend = "django.core.cache.backends.locmem.LocMemCache"
        return {"default": {"BACKEND": backend, "LOCATION": "sellercenter", "OPTIONS": {"MAX_ENTRIES": 10000}}}
    raise ImproperlyConfigured(f"CACHE_URL scheme {scheme!r} is not one of locmem, redis, rediss")
