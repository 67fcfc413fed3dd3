"""`/healthz`: which part is down. 200 while the database answers (the web can serve), 503 when it
does not; the broker and the cache are reported too ("degraded" when one of them is down: side
effects wait in the outbox, rate limits and caches fall back)."""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sellercenter.celery import app as celery_app


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unavailable"
    return "ok"


def broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # No broker configured: tasks run in-process. Not a failure.
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # Any transport error means the same to an operator: the broker is unreachable.
        return "unavailable"
    return "ok"


def cache_status() -> str:
    try:
        cache.set("healthz", "ok", timeout=10)
        answer = cache.get("healthz")
    except Exception:  # Each cache backend raises its own errors; all mean the cache is unreachable.
        return "unavailable"
    return "ok" if answer == "ok" else "unavailable"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status(), "cache": cache_status()}
    if checks["database"] != "ok":
        return JsonResponse({"status": "unavailable", **checks}, status=503)
    degraded = any(value == "unavailable" for value in checks.values())
    return JsonResponse({"status": "degraded" if degraded else "ok", **checks}, status=200)
