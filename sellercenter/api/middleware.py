"""What every request under /api/ goes through before and after its view, whatever the view is.

- every answer carries `X-Request-ID`; an unexpected exception answers the error shape with status
  500 and that id, and the log line carries the same id (with DEBUG on too: no traceback page);
- a body larger than the view's limit is a 413 before anything reads it: the limit is the setting
  the view names in `max_body_setting` (API_MAX_BODY_BYTES unless it names another);
- every request counts against its client address (`AddressRateThrottle`) before anything else, so
  a flood of unauthenticated or unknown-path requests is a 429 too;
- a NUL in the path or the query string is a 400 naming the parameter: PostgreSQL cannot compare
  against it, so it must never reach a query;
- answers of /api/v1/ (all of them authenticated or about to be) are `Cache-Control: no-store`,
  so neither a browser nor a shared proxy keeps personal data.
"""

import logging
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from sellercenter import outage
from sellercenter.api.exceptions import error_body, is_api_path, throttled_response, too_large_response
from sellercenter.api.throttling import AddressRateThrottle

logger = logging.getLogger("sellercenter.api")

REQUEST_ID_HEADER = "X-Request-ID"
PRIVATE_PREFIX = "/api/v1/"


def _nul_errors(request) -> dict[str, list[str]]:
    message = _("Remove the NUL character.")
    errors = {}
    if "\x00" in request.path:
        errors["path"] = [message]
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            errors[name.replace("\x00", "\\u0000")] = [message]
    return errors


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiEdgeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request):
            return self.get_response(request)
        request.request_id = uuid.uuid4().hex
        response = self._refusal(request) or self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        if request.path.startswith(PRIVATE_PREFIX):
            response["Cache-Control"] = "no-store"
        return response

    def _refusal(self, request):
        throttle = AddressRateThrottle()
        if not throttle.allow_request(request, None):
            return throttled_response(throttle.wait())
        errors = _nul_errors(request)
        if errors:
            return JsonResponse(error_body("invalid", _("Invalid input."), errors), status=400)
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_api_path(request):
            return None
        view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
        limit = getattr(settings, getattr(view_class, "max_body_setting", "API_MAX_BODY_BYTES"))
        if _content_length(request) > limit:
            return too_large_response(limit)
        return None

    def process_exception(self, request, exception):
        if not is_api_path(request):
            return None
        if outage.is_database_outage(exception):
            return outage.database_unavailable_response(request, exception)
        request_id = getattr(request, "request_id", "")
        logger.error(
            "Unhandled error on %s %s (request id %s)",
            request.method,
            request.path,
            request_id,
            exc_info=exception,
            extra={"request_id": request_id},
        )
        body = error_body(
            "server_error", _("Server error. Please try again later."), details={"request_id": request_id}
        )
        return JsonResponse(body, status=500)
