"""The order pipeline as one table: each transition, the statuses it may start from, who may make it
from each of them, and the status it leads to.

Transitions are named, not just (from, to) pairs, because two of them may lead to the same status
and still differ: handing a parcel over (ready_to_ship -> shipped, the stock leaves) is not a
carrier's second attempt (delivery_failed -> shipped, nothing moves). Every transition service in
orders.services asks `transition_check` before it changes anything; the admin and the API ask
`transitions_available` to offer only what the table allows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import OrderStatus, ReturnKind, ReturnStatus
from sellercenter.actor import Actor, ActorKind
from sellercenter.errors import NotAllowed

S = OrderStatus
STAFF, CUSTOMER, CARRIER, GATEWAY, SYSTEM = (
    ActorKind.STAFF,
    ActorKind.CUSTOMER,
    ActorKind.CARRIER,
    ActorKind.GATEWAY,
    ActorKind.SYSTEM,
)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    target: str
    # status it may start from -> the kinds of actor who may make it from there
    sources: dict[str, frozenset[str]]


def _from(statuses, actors) -> dict[str, frozenset[str]]:
    return dict.fromkeys(statuses, frozenset(actors))


_DELIVERY = (STAFF, CARRIER)

# The checkout (system) confirms COD orders at once, a gateway (or staff seeing a bank transfer)
# prepaid ones. Customers may cancel until the order is packed, staff until it is handed to the
# carrier; the system cancels only what stayed unpaid. Only the return-window job completes.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "confirm", gettext_lazy("Confirm"), S.CONFIRMED, _from([S.PENDING_PAYMENT], (GATEWAY, STAFF, SYSTEM))
        ),
        Transition("allocate", gettext_lazy("Allocate stock"), S.ALLOCATED, _from([S.CONFIRMED], (STAFF,))),
        Transition("start_picking", gettext_lazy("Start picking"), S.PICKING, _from([S.ALLOCATED], (STAFF,))),
        Transition(
            "send_to_quality_check",
            gettext_lazy("Send to quality check"),
            S.QUALITY_CHECK,
            _from([S.PICKING], (STAFF,)),
        ),
        Transition("pack", gettext_lazy("Pass quality check and pack"), S.PACKED, _from([S.QUALITY_CHECK], (STAFF,))),
        Transition(
            "fail_quality_check",
            gettext_lazy("Fail quality check"),
            S.PICKING,
            _from([S.QUALITY_CHECK], (STAFF,)),
        ),
        Transition("mark_ready_to_ship", gettext_lazy("Ready to ship"), S.READY_TO_SHIP, _from([S.PACKED], (STAFF,))),
        Transition("ship", gettext_lazy("Hand over to carrier"), S.SHIPPED, _from([S.READY_TO_SHIP], _DELIVERY)),
        Transition("deliver", gettext_lazy("Mark delivered"), S.DELIVERED, _from([S.SHIPPED], _DELIVERY)),
        Transition("fail_delivery", gettext_lazy("Delivery failed"), S.DELIVERY_FAILED, _from([S.SHIPPED], _DELIVERY)),
        Transition("retry_delivery", gettext_lazy("Deliver again"), S.SHIPPED, _from([S.DELIVERY_FAILED], _DELIVERY)),
        Transition(
            "return_to_sender",
            gettext_lazy("Returned to sender"),
            S.RETURNED_TO_SENDER,
            _from([S.DELIVERY_FAILED], _DELIVERY),
        ),
        Transition("complete", gettext_lazy("Complete"), S.COMPLETED, _from([S.DELIVERED], (SYSTEM,))),
        Transition(
            "cancel",
            gettext_lazy("Cancel"),
            S.CANCELLED,
            {
                **_from([S.PENDING_PAYMENT], (CUSTOMER, STAFF, SYSTEM)),
                **_from([S.CONFIRMED, S.ALLOCATED, S.PICKING, S.QUALITY_CHECK], (CUSTOMER, STAFF)),
                **_from([S.PACKED, S.READY_TO_SHIP], (STAFF,)),
            },
        ),
    )
}

R = ReturnStatus
# A return request's moves (staff make them): (from, to) -> the kinds of return that may make it.
RETURN_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (R.REQUESTED, R.APPROVED): frozenset(ReturnKind.values),
    (R.REQUESTED, R.REJECTED): frozenset(ReturnKind.values),
    (R.APPROVED, R.RECEIVED): frozenset(ReturnKind.values),
    (R.RECEIVED, R.REFUNDED): frozenset({ReturnKind.REFUND}),
    (R.RECEIVED, R.EXCHANGED): frozenset({ReturnKind.EXCHANGE}),
}


def transition_check(*, transition: str, current: str, actor: Actor) -> str:
    """The status `transition` leads to; raises NotAllowed (nothing changed) unless the table lets
    `actor` make it from `current`."""
    step = TRANSITIONS[transition]
    allowed = step.sources.get(current)
    params = {"status": current, "transition": transition}
    if allowed is None:
        raise NotAllowed(
            _("“%(transition)s” is not possible for an order that is “%(current)s”.")
            % {"transition": step.label, "current": OrderStatus(current).label},
            code="transition_not_allowed",
            **params,
        )
    if actor.kind not in allowed:
        raise NotAllowed(
            _("%(actor)s may not “%(transition)s” an order that is “%(current)s”.")
            % {"actor": ActorKind(actor.kind).label, "transition": step.label, "current": OrderStatus(current).label},
            code="transition_not_allowed_for_actor",
            **params,
        )
    return step.target


def transitions_available(current: str, actor_kind: str) -> list[Transition]:
    """The transitions `actor_kind` may make from `current`, in table order."""
    return [step for step in TRANSITIONS.values() if actor_kind in step.sources.get(current, ())]


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


def transition_path(*, current: str, target: str, actor_kind: str) -> list[Transition] | None:
    """The shortest run of transitions `actor_kind` may make from `current` to `target`: [] when the
    order is there already, None when no run leads there (e.g. back from shipped to confirmed).
    What a marketplace report says of an order is a status, not a step: this finds the steps."""
    paths: dict[str, list[Transition]] = {current: []}
    frontier = [current]
    while frontier and target not in paths:
        following = []
        for status in frontier:
            for step in transitions_available(status, actor_kind):
                if step.target not in paths:
                    paths[step.target] = [*paths[status], step]
                    following.append(step.target)
        frontier = following
    return paths.get(target)
