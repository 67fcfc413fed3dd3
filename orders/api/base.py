"""What the orders endpoints share: who the caller is for the pipeline, and the role check for staff."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from orders.pipeline import Actor
from sellercenter.models import ApiKey, ApiScope

MONEY = {"max_digits": 18, "decimal_places": 2}


def is_back_office(request) -> bool:
    """Back-office keys and staff sessions (staff are back office by definition)."""
    return not isinstance(request.auth, ApiKey) or request.auth.has_scope(ApiScope.BACK_OFFICE)


def request_actor(request, kind: str) -> Actor:
    """The caller as a pipeline actor of `kind`: a staff member (session) or an API key."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    return Actor(kind=kind, user=None if api_key else request.user, api_key=api_key)


def check_staff_permission(request, permission: str) -> None:
    """A staff session may change only what its role in the request's shop allows; keys are
    limited by their scopes instead."""
    if isinstance(request.auth, ApiKey) or request.user.has_perm(permission, request.shop):
        return
    raise exceptions.PermissionDenied(_("Your role in this shop may not do this."))


MAX_LINES = 100


class LineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class LinesMixin:
    """`lines`: 1 to 100 lines. Checked here so that the error is keyed `lines` (a list serializer's
    own length errors would be keyed `lines.non_field_errors`)."""

    def validate_lines(self, lines: list) -> list:
        if not lines:
            raise serializers.ValidationError(_("Give at least one line."))
        if len(lines) > MAX_LINES:
            raise serializers.ValidationError(_("Give at most %(max)d lines.") % {"max": MAX_LINES})
        return lines
