"""What a request gets while the database does not answer: 503 with Retry-After, in the API's error
shape under /api/ and as a plain page elsewhere (the admin), instead of a server error.

Django drops a broken connection at the end of the request, so the first request after the database
returns is served normally: no restart is needed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Long enough for a failover or a restart, short enough that clients come back soon.
RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def current_exception_is_database_outage() -> bool:
    """True inside Django's handler500 when the error being handled is the database not answering."""
    return is_database_outage(sys.exc_info()[1])


def database_unavailable_response(request) -> HttpResponse:
    """The 503 answer, rendered without touching the database."""
    from sellercenter.api.exceptions import error_body

    if request.path.startswith("/api/"):
        message = _("The database is not answering. Please retry in a few seconds.")
        response = JsonResponse(error_body("database_unavailable", message), status=503)
    else:
        response = HttpResponse(render_to_string("sellercenter/database_unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
