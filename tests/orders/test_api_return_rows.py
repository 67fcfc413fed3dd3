"""The return list builds its page from query rows (orders.api.return_rows): through the public API it
must answer exactly what ReturnOutput(many=True) renders, in the same key order, for returns at every
step and in the caller's time zone, in fewer queries than the serializer's prefetches."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from orders import selectors, services
from orders.api.returns import ReturnOutput
from orders.models import ReturnKind, ReturnOutcome, ReturnReason, ReturnRequest, ReturnStatus
from tests.conftest import make_api_client
from tests.orders.factories import ProductFactory, advance, place, staff_actor
from tests.sellercenter.factories import ShopFactory, staff_user

pytestmark = pytest.mark.django_db


def _opened(shop, kind=ReturnKind.REFUND, **fields):
    """A return of both lines of a delivered order of two SKUs (one unit of each)."""
    order = advance(place(shop, lines=[("AO-DAI", 2), ("KHAN", 1)], customer_id=f"KH-{kind}"), "delivered")
    items = [services.ReturnItem("AO-DAI", 1), services.ReturnItem("KHAN", 1)]
    return services.return_request_open(
        order=order, items=items, reason=ReturnReason.DAMAGED, kind=kind, actor=staff_actor(), **fields
    )


def _returns_at_every_step(shop) -> None:
    ProductFactory(shop=shop, sku="AO-DAI", price=Decimal("400000"), stock_on_hand=50)
    ProductFactory(shop=shop, sku="KHAN", price=Decimal("99999.50"), stock_on_hand=50)
    actor = staff_actor()
    _opened(shop, evidence_note="Rách ở tay áo")
    services.return_reject(return_request=_opened(shop), actor=actor, reason="Hết hạn đổi trả")
    services.return_approve(return_request=_opened(shop), actor=actor)
    refunded = services.return_approve(return_request=_opened(shop), actor=actor)
    refunded = services.return_receive(return_request=refunded, actor=actor, outcomes={"KHAN": ReturnOutcome.WRITE_OFF})
    services.return_refund(return_request=refunded, actor=actor, reference="VCB-1")
    exchanged = services.return_approve(return_request=_opened(shop, kind=ReturnKind.EXCHANGE), actor=actor)
    services.return_exchange(return_request=services.return_receive(return_request=exchanged, actor=actor), actor=actor)


def _serialized(shop, tz) -> list:
    requests = selectors.return_list(shop=shop).order_by("-pk")
    with timezone.override(tz):
        return json.loads(JSONRenderer().render(ReturnOutput(requests, many=True).data))


def _listed(client) -> list:
    response = client.get("/api/v1/returns?limit=50")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_returns_are_at_every_step(shop):
    _returns_at_every_step(shop)
    requests = ReturnRequest.objects.filter(shop=shop)

    assert set(requests.values_list("status", flat=True)) == {
        ReturnStatus.REQUESTED,
        ReturnStatus.REJECTED,
        ReturnStatus.APPROVED,
        ReturnStatus.REFUNDED,
        ReturnStatus.EXCHANGED,
    }
    assert requests.filter(refund_amount__gt=0, closed_at__isnull=False).exists()
    assert requests.filter(replacement_order__isnull=False).exists()
    assert requests.exclude(evidence_note="").exists() and requests.exclude(rejection_reason="").exists()


def test_the_list_answers_what_the_serializer_renders_through_a_key(shop):
    _returns_at_every_step(shop)

    listed = _listed(make_api_client(shop))

    expected = _serialized(shop, timezone.get_default_timezone())
    assert listed == expected
    assert [list(request) for request in listed] == [list(request) for request in expected]
    assert [list(line) for request in listed for line in request["lines"]] == [
        list(line) for request in expected for line in request["lines"]
    ]


def test_the_list_renders_times_in_the_shops_time_zone_for_its_staff():
    shop = ShopFactory(slug="mui-gio", time_zone="America/New_York")
    _returns_at_every_step(shop)
    client = APIClient()
    client.force_login(staff_user(shop, username="chu.cua.hang"))

    assert _listed(client) == _serialized(shop, shop.tzinfo)


def test_the_list_runs_three_queries_whatever_the_page_size(shop):
    _returns_at_every_step(shop)
    api = make_api_client(shop)
    api.get("/api/v1/returns")  # the key's last-used time is written once; later requests only read

    counts = []
    for limit in (1, 5):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/v1/returns?limit={limit}").status_code == 200
        counts.append(len(queries))

    assert counts == [3, 3]  # the key, the requests with their orders' numbers, their lines


def test_the_next_page_follows_the_rows_cursor(shop):
    _returns_at_every_step(shop)
    api = make_api_client(shop)

    first = api.get("/api/v1/returns?limit=2").json()
    rest = api.get(first["next"]).json()

    ids = [request["id"] for request in first["results"] + rest["results"]]
    assert ids == [request["id"] for request in _serialized(shop, timezone.get_default_timezone())][:4]
