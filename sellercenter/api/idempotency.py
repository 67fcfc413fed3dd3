"""`Idempotency-Key` support for POST endpoints that opt in with the `@idempotent` decorator.

- same key, same request: the first answer is replayed and nothing is done again;
- same key, another request (method, path or body differ): 422. The body is compared by meaning:
  the fingerprint is taken from the parsed body as canonical JSON (keys sorted, no whitespace), so
  a client that re-encodes the same JSON on retry (other key order or spacing) gets its replay;
- same key while the first request is still running: 409 (PostgreSQL advisory lock, not a wait);
- only successful answers are stored, in the same transaction as the work, so a failed request
  changed nothing and may be retried with the same key. Keys are per shop and pruned after
  IDEMPOTENCY_KEY_TTL_HOURS by a beat job.
"""

import functools
import hashlib
import json

from django.db import connection, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from sellercenter.errors import IdempotencyKeyInProgress, IdempotencyKeyReused
from sellercenter.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def canonical_json(data) -> bytes:
    """The one encoding of a parsed JSON body: equal meaning, equal bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), canonical_json(request.data)):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _lock_or_conflict(shop_id: int, key: str) -> None:
    """Hold a transaction-scoped lock on (shop, key), or refuse at once if another request holds it."""
    if connection.vendor != "postgresql":
        return  # SQLite (the demo database) runs one write transaction at a time anyway.
    lock_id = int.from_bytes(hashlib.sha256(f"idempotency:{shop_id}:{key}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise IdempotencyKeyInProgress()


def _validated_key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("Give 1 to %(max)d printable characters.") % {"max": MAX_KEY_LENGTH}]}
        )
    return key


def idempotent(handler):
    """Decorate a view method (post/put/patch) to honour the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _validated_key(request)
        if key is None:
            with transaction.atomic(durable=True):
                return handler(view, request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        # The outermost transaction of the write (see sellercenter.api.transactions).
        with transaction.atomic(durable=True):
            _lock_or_conflict(request.shop.pk, key)
            stored = IdempotencyKey.objects.filter(shop=request.shop, key=key).first()
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise IdempotencyKeyReused(fields={HEADER: [str(IdempotencyKeyReused.default_message)]})
                replay = Response(stored.response_body, status=stored.response_status)
                replay["Idempotent-Replayed"] = "true"
                return replay
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                IdempotencyKey.objects.create(
                    shop=request.shop,
                    key=key,
                    fingerprint=fingerprint,
                    response_status=response.status_code,
                    response_body=response.data,
                )
            else:
                transaction.set_rollback(True)
            return response

    # Read by the OpenAPI schema, which declares the header on this operation.
    wrapper.honours_idempotency_key = True
    return wrapper
