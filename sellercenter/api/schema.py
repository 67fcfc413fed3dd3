"""OpenAPI: the API-key security scheme, the error shape on every operation, the Idempotency-Key
header where a POST honours it, and path parameters a generator can trust."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi, plumbing
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from sellercenter.api.idempotency import HEADER, MAX_KEY_LENGTH


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. `invalid`, `not_found`, `conflict`.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Input field (dotted path for nested input) -> messages. Empty when no field is at fault.",
    )
    details = serializers.DictField(required=False, help_text="Machine-readable values, e.g. the SKU at fault.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": _("Invalid input; `error.fields` names the fields at fault. Nothing was changed."),
    "401": _("Missing, unknown or revoked API key."),
    "403": _("The key lacks the scope, or the user the role, this operation needs."),
    "404": _("Not found (or belongs to another shop)."),
    "409": _("Conflict with the current state (e.g. out of stock, budget spent, request in progress)."),
    "413": _("The request body is larger than this endpoint takes."),
    "415": _("The body is not JSON: send `Content-Type: application/json`."),
    "422": _("The Idempotency-Key was already used with a different request."),
    "429": _("Too many requests: wait the seconds the `Retry-After` header says."),
    "500": _("Unexpected server error; `error.details.request_id` names it in the server's log."),
    "503": _(
        "The database is not answering (`database_unavailable`), or cancelled the change because another "
        "ran at the same time (`database_busy`): retry after the seconds in `Retry-After`."
    ),
}
WRITE_ONLY_ERRORS = {"409", "413", "415", "422"}

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID) per operation: a retry with the same key and the same JSON "
        "(compared by meaning, not bytes) replays the first answer and does nothing again."
    ),
)
# `^pay|cancel$` (a re_path's alternatives) reads as "starts with pay or ends with cancel" to a
# validator: such path parameters are documented as the enum they are.
ALTERNATIVES = re.compile(r"^\^?\(?(?:\?P<\w+>)?([\w-]+(?:\|[\w-]+)+)\)?\$?$")


def _component_part(name: str) -> str:
    for suffix in ("Serializer", "APIView", "ViewSet", "View"):
        if name.endswith(suffix) and name != suffix:
            return name[: -len(suffix)]
    return name


class AutoSchema(openapi.AutoSchema):
    def get_serializer_name(self, serializer, direction):
        """Name nested serializers after what holds them: `QuoteView.OutputSerializer` -> `QuoteOutput`.

        Views keep their `InputSerializer`/`OutputSerializer` inside them (the house style), so the bare
        class names repeat across the API and would collide as OpenAPI components."""
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        return "".join(_component_part(part) for part in qualname.split(".") if part != "<locals>")

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(self.view, self.method.lower(), None)
        if getattr(handler, "honours_idempotency_key", False):
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            _anchor(parameter["schema"])
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        writes = self.method in {"POST", "PUT", "PATCH", "DELETE"}
        for code, description in ERROR_DESCRIPTIONS.items():
            if code in responses or (code in WRITE_ONLY_ERRORS and not writes):
                continue
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            # Errors are JSON whatever else the endpoint renders (e.g. a CSV download).
            response["content"] = {"application/json": response["content"]["application/json"]}
            response["description"] = str(description)
            responses[code] = response
        return responses


def _anchor(schema: dict) -> None:
    pattern = schema.get("pattern")
    if not pattern:
        return
    alternatives = ALTERNATIVES.match(pattern)
    if alternatives:
        del schema["pattern"]
        schema["enum"] = alternatives.group(1).split("|")
    elif not (pattern.startswith("^") and pattern.endswith("$")):
        schema["pattern"] = f"^(?:{pattern.removeprefix('^').removesuffix('$')})$"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "sellercenter.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <secret>`: a shop's API key, issued in the admin.",
        }


def build_mock_request(method, path, view, original_request, **kwargs):
    """The request views see while the OpenAPI document is generated: it has no shop.

    Shop-scoped views filter by `request.shop`; with None they build their queryset (empty) instead
    of failing, so drf-spectacular can read the model behind each list."""
    request = plumbing.build_mock_request(method, path, view, original_request, **kwargs)
    request.shop = None
    return request


def alternatives_as_any_of(result, generator, request, public):
    """Postprocessing hook: an answer documented as one of several shapes without a discriminator
    (a campaign as the back office or a storefront sees it) is `anyOf`. Under `oneOf` a validator
    refuses the richer shape, because it also matches the one with fewer fields."""
    stack = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "oneOf" in node and "discriminator" not in node:
                node["anyOf"] = node.pop("oneOf")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result
