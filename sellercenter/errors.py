"""The domain errors every service raises.

Services know nothing of HTTP or the admin: the API's exception handler maps each class to a status
code once (sellercenter.api.exceptions), and the admin shows the message (sellercenter.admin_base).
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the operation. Nothing was changed."""

    code = "domain_error"
    default_message = _("The operation was refused.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None, **params):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        # Field name -> list of messages, for errors that belong to one input field.
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        # Extra machine-readable details (e.g. the SKU that is out of stock).
        self.params = params
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(DomainError):
    """The input breaks a rule that only the domain can check (e.g. a code that does not exist)."""

    code = "invalid"
    default_message = _("Invalid input.")


class NotFound(DomainError):
    code = "not_found"
    default_message = _("Not found.")


class NotAllowed(DomainError):
    """The operation is not allowed in the current state (e.g. a transition the pipeline forbids)."""

    code = "not_allowed"
    default_message = _("This operation is not allowed in the current state.")


class Conflict(DomainError):
    """The operation lost a race or a limit ran out (stock, budget, points); retrying may succeed."""

    code = "conflict"
    default_message = _("The operation conflicts with the current state.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key came back with a different request."""

    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used with a different request.")


class IdempotencyKeyInProgress(Conflict):
    code = "idempotency_key_in_progress"
    default_message = _("A request with this Idempotency-Key is still being processed; retry later.")
