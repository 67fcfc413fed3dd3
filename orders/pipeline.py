"""The order pipeline as one table: which status may follow which, and who may make each move.

Every transition service in orders.services asks `transition_check` before it changes anything;
the admin and the API ask `next_statuses` to offer only what the table allows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from orders.models import ActorKind, OrderStatus, ReturnKind, ReturnStatus
from sellercenter.errors import NotAllowed

S = OrderStatus
STAFF, CUSTOMER, CARRIER, GATEWAY, SYSTEM = (
    ActorKind.STAFF,
    ActorKind.CUSTOMER,
    ActorKind.CARRIER,
    ActorKind.GATEWAY,
    ActorKind.SYSTEM,
)

# (from, to) -> who may make the move. A pair that is not here is refused for everybody.
# The checkout (system) confirms COD orders; customers may cancel until the order is packed, staff
# until it is handed to the carrier; only the payment-timeout job (system) cancels unpaid orders on
# its own; only the return-window job completes.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.PENDING_PAYMENT, S.CONFIRMED): frozenset({GATEWAY, STAFF, SYSTEM}),
    (S.PENDING_PAYMENT, S.CANCELLED): frozenset({CUSTOMER, STAFF, SYSTEM}),
    (S.CONFIRMED, S.ALLOCATED): frozenset({STAFF}),
    (S.CONFIRMED, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.ALLOCATED, S.PICKING): frozenset({STAFF}),
    (S.ALLOCATED, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.PICKING, S.QUALITY_CHECK): frozenset({STAFF}),
    (S.PICKING, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.QUALITY_CHECK, S.PACKED): frozenset({STAFF}),
    (S.QUALITY_CHECK, S.PICKING): frozenset({STAFF}),
    (S.QUALITY_CHECK, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.PACKED, S.READY_TO_SHIP): frozenset({STAFF}),
    (S.PACKED, S.CANCELLED): frozenset({STAFF}),
    (S.READY_TO_SHIP, S.SHIPPED): frozenset({STAFF, CARRIER}),
    (S.READY_TO_SHIP, S.CANCELLED): frozenset({STAFF}),
    (S.SHIPPED, S.DELIVERED): frozenset({STAFF, CARRIER}),
    (S.SHIPPED, S.DELIVERY_FAILED): frozenset({STAFF, CARRIER}),
    (S.DELIVERY_FAILED, S.SHIPPED): frozenset({STAFF, CARRIER}),
    (S.DELIVERY_FAILED, S.RETURNED_TO_SENDER): frozenset({STAFF, CARRIER}),
    (S.DELIVERED, S.COMPLETED): frozenset({SYSTEM}),
}

TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.RETURNED_TO_SENDER})

R = ReturnStatus
# A return request's moves (staff make them): (from, to) -> the kinds of return that may make it.
RETURN_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (R.REQUESTED, R.APPROVED): frozenset(ReturnKind.values),
    (R.REQUESTED, R.REJECTED): frozenset(ReturnKind.values),
    (R.APPROVED, R.RECEIVED): frozenset(ReturnKind.values),
    (R.RECEIVED, R.REFUNDED): frozenset({ReturnKind.REFUND}),
    (R.RECEIVED, R.EXCHANGED): frozenset({ReturnKind.EXCHANGE}),
}


@dataclass(frozen=True)
class Actor:
    """Who makes a change: its kind (checked against the table), and the person or key behind it."""

    kind: str
    user: object = None
    api_key: object = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind=SYSTEM)

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(kind=STAFF, user=user)

    def __str__(self) -> str:
        who = self.user or self.api_key
        label = ActorKind(self.kind).label
        return f"{label} ({who})" if who else str(label)


def is_allowed(current: str, target: str, actor_kind: str) -> bool:
    return actor_kind in TRANSITIONS.get((current, target), ())


def transition_check(*, current: str, target: str, actor: Actor) -> None:
    """Raise NotAllowed (nothing changed) unless the table lets `actor` move an order from `current` to `target`."""
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise NotAllowed(
            _("An order cannot go from “%(current)s” to “%(target)s”.")
            % {"current": OrderStatus(current).label, "target": OrderStatus(target).label},
            code="transition_not_allowed",
            status=current,
            target=target,
        )
    if actor.kind not in allowed:
        raise NotAllowed(
            _("%(actor)s may not move an order from “%(current)s” to “%(target)s”.")
            % {
                "actor": ActorKind(actor.kind).label,
                "current": OrderStatus(current).label,
                "target": OrderStatus(target).label,
            },
            code="transition_not_allowed_for_actor",
            status=current,
            target=target,
        )


def return_transition_check(*, current: str, target: str, kind: str) -> None:
    """Raise NotAllowed (nothing changed) unless a return of `kind` may go from `current` to `target`."""
    if kind not in RETURN_TRANSITIONS.get((current, target), ()):
        raise NotAllowed(
            _("A return request cannot go from “%(current)s” to “%(target)s”.")
            % {"current": ReturnStatus(current).label, "target": ReturnStatus(target).label},
            code="return_transition_not_allowed",
            status=current,
            target=target,
        )


def return_next_statuses(current: str, kind: str) -> list[str]:
    return [target for target in ReturnStatus.values if kind in RETURN_TRANSITIONS.get((current, target), ())]


def next_statuses(current: str, actor_kind: str) -> list[str]:
    """The statuses `actor_kind` may move an order in `current` to, in pipeline order."""
    return [target for target in OrderStatus.values if is_allowed(current, target, actor_kind)]
