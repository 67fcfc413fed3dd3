"""Who did it: the one way every app names the author of a change.

An `Actor` is a kind (the order pipeline checks it against its table) and, where there is one, the
staff user or the API key behind it; a system job names itself. Build one from a request with
`actor_from_request`, for a beat job or a worker with `Actor.system("job name")`. The audit log, the
order history, the stock movements and loyalty's ledger and tier history all record an actor, with
`Actor.record_fields()`.

`ActorKind` is defined with the kernel's tables (the audit log stores it) and named here too.
"""

from dataclasses import dataclass

from sellercenter.models import ActorKind, ApiKey, ApiScope

__all__ = ["Actor", "ActorKind", "actor_from_request"]


@dataclass(frozen=True)
class Actor:
    """Who makes a change: its kind, and the person, key or job behind it."""

    kind: str
    user: object = None
    api_key: object = None
    # The system job's name ("statement close", "points expiry"), shown in the audit log.
    job: str = ""

    @classmethod
    def system(cls, job: str = "") -> "Actor":
        return cls(kind=ActorKind.SYSTEM, job=job)

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(kind=ActorKind.STAFF, user=user)

    def record_fields(self) -> dict:
        """The fields of an `ActorRecord` row (an audit entry, an order event, a stock movement) that
        say who made the change: the kind, and the staff member or the API key behind it."""
        user = self.user if getattr(self.user, "pk", None) else None
        return {"actor_kind": self.kind, "user": user, "api_key": self.api_key}

    @property
    def who(self) -> str:
        """The person, key or job, without the kind ("" when there is none)."""
        return str(self.user or self.api_key or self.job or "")

    def __str__(self) -> str:
        label = ActorKind(self.kind).label
        return f"{label} ({self.who})" if self.who else str(label)


def actor_from_request(request, kind: str | None = None) -> Actor:
    """The caller of an API request: the staff member of the session, or the API key.

    `kind` defaults to staff for sessions and back-office keys and to customer for storefront keys;
    a view passes another kind where the table of the order pipeline needs it (a carrier's step)."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    if kind is None:
        back_office = api_key is None or api_key.has_scope(ApiScope.BACK_OFFICE)
        kind = ActorKind.STAFF if back_office else ActorKind.CUSTOMER
    user = request.user if api_key is None and getattr(request.user, "pk", None) else None
    return Actor(kind=kind, user=user, api_key=api_key)
