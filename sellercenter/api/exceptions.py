"""One error shape for the whole API, and the one place domain errors become HTTP status codes.

    {"error": {"code": "...", "message": "...", "fields": {"<field>": ["..."]}}}

`fields` names the input fields at fault (`lines.0.sku` for a nested one); `details` is added where
the error carries machine-readable values (e.g. the SKU that ran out).
"""

import math

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from sellercenter import errors, outage

DOMAIN_STATUS = {
    errors.InvalidInput: status.HTTP_400_BAD_REQUEST,
    errors.PermissionDenied: status.HTTP_403_FORBIDDEN,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.NotAllowed: status.HTTP_409_CONFLICT,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.IdempotencyKeyReused: status.HTTP_422_UNPROCESSABLE_ENTITY,
}


def error_body(code: str, message, fields: dict | None = None, details: dict | None = None) -> dict:
    body = {"code": code, "message": str(message), "fields": fields or {}}
    if details:
        body["details"] = details
    return {"error": body}


def flatten_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail -> {"lines.0.sku": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_fields(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_fields(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def _domain_status(exc: errors.DomainError) -> int:
    for klass in type(exc).__mro__:
        if klass in DOMAIN_STATUS:
            return DOMAIN_STATUS[klass]
    return status.HTTP_400_BAD_REQUEST


def _validation_response(exc: exceptions.ValidationError) -> Response:
    if isinstance(exc.detail, dict):
        fields = flatten_fields(exc.detail)
        message = _("Invalid input.")
    else:
        fields = {}
        message = " ".join(str(item) for item in flatten_fields(exc.detail).get("non_field_errors", []))
    return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if outage.is_database_outage(exc):
        return outage.database_unavailable_response(context["request"], exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # A model's full_clean() in a service: the same 400 as a serializer's.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    if isinstance(exc, errors.DomainError):
        response = Response(error_body(exc.code, exc.message, exc.fields, exc.params), status=_domain_status(exc))
    elif isinstance(exc, exceptions.ValidationError):
        response = _validation_response(exc)
    elif isinstance(exc, exceptions.APIException):
        plain = isinstance(exc.detail, str)
        code = exc.get_codes() if plain else exc.default_code
        message = exc.detail if plain else exc.default_detail
        response = Response(error_body(code, message), status=exc.status_code)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            response["Retry-After"] = retry_after(exc.wait)
    else:
        return None
    set_rollback()
    return response


def retry_after(wait: float) -> str:
    # Whole seconds, rounded up: a client that waits that long is let through.
    return str(max(1, math.ceil(wait)))


def throttled_response(wait: float | None) -> JsonResponse:
    """The 429 of a limit checked outside DRF (the per-address one), as DRF's `Throttled` answers."""
    response = JsonResponse(error_body("throttled", _("Request was throttled.")), status=429)
    response["Retry-After"] = retry_after(wait or 1)
    return response


def is_api_path(request) -> bool:
    return request.path.startswith("/api/")


def too_large_response(limit: int) -> JsonResponse:
    message = _("The request body is larger than %(max)d bytes.") % {"max": limit}
    return JsonResponse(error_body("too_large", message, details={"max_bytes": limit}), status=413)


@csrf_exempt
def handler404(request, exception=None):
    """Paths under /api/ that match no route answer in the API's shape; the rest as Django does.

    Exempt from CSRF: it changes nothing, and a POST to an unknown API path must be a JSON 404, not
    Django's CSRF page."""
    if is_api_path(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def handler400(request, exception=None):
    """Django refuses a request before any view (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    if not is_api_path(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return JsonResponse(error_body("bad_request", _("Malformed request.")), status=400)


def handler403(request, exception=None):
    if is_api_path(request):
        return JsonResponse(error_body("permission_denied", _("You do not have permission to do this.")), status=403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a session request under /api/ without its CSRF token gets the error shape."""
    if is_api_path(request):
        return JsonResponse(error_body("csrf_failed", _("CSRF verification failed.")), status=403)
    return csrf.csrf_failure(request, reason)


def handler500(request):
    exc = outage.current_exception()
    if outage.is_database_outage(exc):
        return outage.database_unavailable_response(request, exc)
    if is_api_path(request):
        details = {"request_id": request.request_id} if getattr(request, "request_id", None) else None
        body = error_body("server_error", _("Server error. Please try again later."), details=details)
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
