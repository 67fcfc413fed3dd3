"""OpenAPI: the API-key security scheme and the error shape on every operation."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi, plumbing
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


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
    "422": _("The Idempotency-Key was already used with a different request."),
}
WRITE_ONLY_ERRORS = {"409", "422"}


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

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        writes = self.method in {"POST", "PUT", "PATCH", "DELETE"}
        for code, description in ERROR_DESCRIPTIONS.items():
            if code in responses or (code in WRITE_ONLY_ERRORS and not writes):
                continue
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            response["description"] = str(description)
            responses[code] = response
        return responses


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
