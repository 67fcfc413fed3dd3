"""What a request gets while the database does not answer: 503 with Retry-After, in the API's error
shape under /api/ and as a plain page elsewhere (the admin), instead of a server error.

Django drops a broken connection at the end of the request, so the first request after the database
returns is served normally: no restart is needed.

A transaction the database cancelled because another one held what it needed (a deadlock, a
serialization failure, a lock it would not wait for, SQLite's "database is locked") is an
OperationalError too, but the database is answering: the answer is the same 503, under its own code
(`database_busy`) and words, with a shorter Retry-After. The transaction was rolled back whole, so
retrying it is safe.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Long enough for a failover or a restart, short enough that clients come back soon.
RETRY_AFTER_SECONDS = 5
# A cancelled transaction can run again at once; a second lets the other one finish.
BUSY_RETRY_AFTER_SECONDS = 1
DATABASE_ERRORS = (OperationalError, InterfaceError)
# SQLSTATEs of a transaction cancelled by contention: deadlock_detected, serialization_failure,
# lock_not_available (NOWAIT or lock_timeout).
CONTENTION_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def is_contention(exc: BaseException | None) -> bool:
    """True for a transaction the database cancelled because another held what it needed."""
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in CONTENTION_SQLSTATES
    return "database is locked" in str(exc)


def current_exception() -> BaseException | None:
    """The error being handled, inside Django's handler500."""
    return sys.exc_info()[1]


def database_unavailable_response(request, exc: BaseException | None = None) -> HttpResponse:
    """The 503 answer, rendered without touching the database: `database_busy` when `exc` is
    contention, `database_unavailable` otherwise."""
    from sellercenter.api.exceptions import error_body

    busy = is_contention(exc)
    if request.path.startswith("/api/"):
        if busy:
            code = "database_busy"
            message = _("Another change to the same data ran at the same time, so nothing was saved. Please retry.")
        else:
            code = "database_unavailable"
            message = _("The database is not answering. Please retry in a few seconds.")
        response = JsonResponse(error_body(code, message), status=503)
    else:
        page = render_to_string("sellercenter/database_unavailable.html", {"busy": busy})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS if busy else RETRY_AFTER_SECONDS)
    return response
