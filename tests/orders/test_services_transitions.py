"""Every transition of the pipeline, through its service, from every status, by every kind of actor:
what the table allows works, everything else is refused with nothing changed."""

import pytest

from orders import services
from orders.models import ActorKind, OrderEventType, OrderStatus
from orders.pipeline import TRANSITIONS, Actor
from sellercenter.errors import NotAllowed
from tests.orders.factories import reach, return_window_closed, snapshot
from tests.sellercenter.factories import UserFactory

S = OrderStatus
pytestmark = pytest.mark.django_db

# The pipeline of DESIGN.md, written out independently of orders.pipeline: (status, transition) ->
# the kinds of actor that may make it.
STAFF, CUSTOMER, CARRIER, GATEWAY, SYSTEM = ActorKind.values
EXPECTED = {
    (S.PENDING_PAYMENT, "confirm"): {GATEWAY, STAFF, SYSTEM},
    (S.PENDING_PAYMENT, "cancel"): {CUSTOMER, STAFF, SYSTEM},
    (S.CONFIRMED, "allocate"): {STAFF},
    (S.CONFIRMED, "cancel"): {CUSTOMER, STAFF},
    (S.ALLOCATED, "start_picking"): {STAFF},
    (S.ALLOCATED, "cancel"): {CUSTOMER, STAFF},
    (S.PICKING, "send_to_quality_check"): {STAFF},
    (S.PICKING, "cancel"): {CUSTOMER, STAFF},
    (S.QUALITY_CHECK, "pack"): {STAFF},
    (S.QUALITY_CHECK, "fail_quality_check"): {STAFF},
    (S.QUALITY_CHECK, "cancel"): {CUSTOMER, STAFF},
    (S.PACKED, "mark_ready_to_ship"): {STAFF},
    (S.PACKED, "cancel"): {STAFF},
    (S.READY_TO_SHIP, "ship"): {STAFF, CARRIER},
    (S.READY_TO_SHIP, "cancel"): {STAFF},
    (S.SHIPPED, "deliver"): {STAFF, CARRIER},
    (S.SHIPPED, "fail_delivery"): {STAFF, CARRIER},
    (S.DELIVERY_FAILED, "retry_delivery"): {STAFF, CARRIER},
    (S.DELIVERY_FAILED, "return_to_sender"): {STAFF, CARRIER},
    (S.DELIVERED, "complete"): {SYSTEM},
}


def _call(name: str):
    calls = {
        "confirm": lambda order, actor: services.order_confirm(order=order, actor=actor),
        "allocate": lambda order, actor: services.order_allocate(order=order, actor=actor),
        "start_picking": lambda order, actor: services.order_start_picking(order=order, actor=actor),
        "send_to_quality_check": lambda order, actor: services.order_send_to_quality_check(order=order, actor=actor),
        "pack": lambda order, actor: services.order_pack(order=order, actor=actor),
        "fail_quality_check": lambda order, actor: services.order_fail_quality_check(
            order=order, actor=actor, sku=order.lines.first().sku, quantity=1, reason="Rách đường may"
        ),
        "mark_ready_to_ship": lambda order, actor: services.order_mark_ready_to_ship(
            order=order, actor=actor, carrier="GHTK", tracking_number="S1.A2.123456"
        ),
        "ship": lambda order, actor: services.order_ship(order=order, actor=actor),
        "deliver": lambda order, actor: services.order_deliver(order=order, actor=actor),
        "fail_delivery": lambda order, actor: services.order_fail_delivery(order=order, actor=actor, reason="Vắng nhà"),
        "retry_delivery": lambda order, actor: services.order_retry_delivery(order=order, actor=actor),
        "return_to_sender": lambda order, actor: services.order_return_to_sender(order=order, actor=actor),
        "complete": lambda order, actor: services.order_complete(order=order, actor=actor),
        "cancel": lambda order, actor: services.order_cancel(order=order, actor=actor, reason="Khách đổi ý"),
    }
    return calls[name]


def _actor(kind: str) -> Actor:
    return Actor(kind=kind, user=UserFactory() if kind == STAFF else None)


def test_the_table_is_the_pipeline_of_the_design():
    table = {
        (status, name): set(actors) for name, step in TRANSITIONS.items() for status, actors in step.sources.items()
    }
    assert table == EXPECTED


@pytest.mark.parametrize("status", S.values)
def test_every_transition_the_table_does_not_allow_is_refused_and_changes_nothing(shop, status):
    order = reach(shop, status)
    if status == S.DELIVERED:
        return_window_closed(order)
    before = snapshot(order)

    for name in TRANSITIONS:
        for kind in ActorKind.values:
            if kind in EXPECTED.get((status, name), ()):
                continue
            with pytest.raises(NotAllowed):
                _call(name)(order, _actor(kind))
            assert snapshot(order) == before, (status, name, kind)


@pytest.mark.parametrize(("status", "name"), sorted(EXPECTED), ids=[f"{s}-{n}" for s, n in sorted(EXPECTED)])
def test_every_allowed_transition_works_and_writes_one_event(shop, status, name):
    order = reach(shop, status)
    if name == "complete":
        return_window_closed(order)
    events = order.events.count()

    for kind in sorted(EXPECTED[(status, name)]):
        moved = _call(name)(order, _actor(kind))

        assert moved.status == TRANSITIONS[name].target
        assert order.events.count() == events + 1
        event = order.events.latest("pk")
        assert (event.from_status, event.to_status, event.actor_kind) == (status, moved.status, kind)
        assert event.type in (OrderEventType.STATUS_CHANGED, OrderEventType.QUALITY_CHECK_FAILED)
        order = reach(shop, status)  # a fresh order for the next kind of actor
        if name == "complete":
            return_window_closed(order)
        events = order.events.count()
