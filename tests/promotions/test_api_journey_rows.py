"""The journeys' answers are built from query rows (promotions.api.journeys through sellercenter.api.rows):
the list's every page, a journey read alone, the template's 201 and a status change answer what
JourneySerializer renders, key order included, steps in the same order, in the caller's time zone;
the list costs the same queries at any page size, its steps one query for the page."""

import json
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from promotions.api.journeys import JourneySerializer
from promotions.journeys.definitions import journey_create, journey_pause, journey_publish, journey_revise
from promotions.journeys.template import journey_create_cart_recovery
from promotions.models import BranchCondition, CodeMode, Journey, JourneyTrigger, StepKind, StepLink
from tests.conftest import make_api_client
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import ShopFactory
from tests.sellercenter.row_pages import (
    assert_pages_are_serialized,
    assert_queries_do_not_grow_with_the_page,
    staff_client,
)

pytestmark = pytest.mark.django_db
JOURNEYS = "/api/v1/promotions/journeys"


def _every_kind_of_step(campaign) -> list[dict]:
    """Waits by delay, by local time and both (odd microseconds included), a send, a voucher, branches
    with and without a step to go to otherwise; blank names and empty columns left as they come."""
    return [
        {"kind": StepKind.WAIT, "delay": timedelta(hours=23)},
        {"kind": StepKind.WAIT, "name": "Tối nay", "until_local_time": time(19, 0)},
        {
            "kind": StepKind.WAIT,
            "name": "Sáng mốt",
            "delay": timedelta(days=2, minutes=5, seconds=7, microseconds=120),
            "until_local_time": time(7, 30, 15, 250),
        },
        {"kind": StepKind.WAIT, "name": "Ngay", "delay": timedelta(0)},
        {
            "kind": StepKind.SEND,
            "name": "Thư nhắc",
            "channel": "email",
            "subject": "{{ name }} ơi, giỏ hàng còn đó",
            "body": "Dòng một\nDòng hai",
            "link": StepLink.PRODUCT,
        },
        {"kind": StepKind.VOUCHER, "name": "Mã giảm giá", "campaign": campaign},
        {
            "kind": StepKind.BRANCH,
            "condition": BranchCondition.HAS_CONSENT,
            "condition_value": "web_push",
            "else_position": 8,
        },
        {"kind": StepKind.BRANCH, "condition": BranchCondition.TIER_AT_LEAST, "condition_value": "2"},
        {"kind": StepKind.SEND, "channel": "web_push", "subject": "Quà cho bạn", "link": StepLink.PROMOTIONS},
    ]


def _journeys_of_every_kind(shop) -> None:
    """Drafts, live, paused and ended versions, two journeys of one name and version (their steps
    interleave in the steps' own order, journey name first), and another shop's journey."""
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    journey_create(
        shop=shop,
        name="Mọi loại bước",
        trigger=JourneyTrigger.BROWSE_ABANDONED,
        trigger_delay=timedelta(days=3, hours=4, seconds=1),
        exit_on_cart_emptied=False,
        steps=_every_kind_of_step(campaign),
    )
    for _twin in range(2):
        journey_create(
            shop=shop,
            name="Sinh nhật",
            trigger=JourneyTrigger.BIRTHDAY,
            trigger_delay=timedelta(0),
            exit_on_order=False,
            steps=[{"kind": StepKind.WAIT, "delay": timedelta(minutes=30)}, *_every_kind_of_step(campaign)[4:6]],
        )
    journey_pause(journey=journey_publish(journey=journey_create_cart_recovery(shop=shop, campaign=campaign)))
    live = journey_publish(journey=journey_create_cart_recovery(shop=shop, campaign=campaign, name="Giỏ hàng"))
    journey_revise(journey=live, steps=_every_kind_of_step(campaign)[:3])  # v1 ends, v2 is live
    other_shop = ShopFactory(slug="cua-hang-khac")
    journey_create_cart_recovery(shop=other_shop, campaign=CampaignFactory(shop=other_shop, code_mode=CodeMode.UNIQUE))


def _journeys(shop):
    return Journey.objects.filter(shop=shop).prefetch_related("steps").order_by("-pk")


def _rendered(journey, tz) -> dict:
    with timezone.override(tz):
        return json.loads(JSONRenderer().render(JourneySerializer(journey).data))


def _same(answer: dict, expected: dict) -> None:
    assert answer == expected
    assert list(answer) == list(expected)
    assert [list(step) for step in answer["steps"]] == [list(step) for step in expected["steps"]]


def test_every_page_answers_what_the_serializer_renders_through_a_key(shop):
    _journeys_of_every_kind(shop)

    listed = assert_pages_are_serialized(
        make_api_client(shop), f"{JOURNEYS}?limit=2", JourneySerializer, _journeys(shop), shop.tzinfo
    )

    assert len(listed) == 6
    assert {journey["status"] for journey in listed} == {"draft", "live", "paused", "ended"}
    steps = [step for journey in listed for step in journey["steps"]]
    assert {step["kind"] for step in steps} == set(StepKind.values)
    assert {step["delay"] for step in steps} >= {None, "00:00:00", "2 00:05:07.000120", "23:00:00"}
    assert {step["until_local_time"] for step in steps} >= {None, "19:00:00", "07:30:15.000250"}
    assert {step["else_position"] for step in steps} >= {None, 8}
    assert None in {step["campaign"] for step in steps} and len({step["campaign"] for step in steps}) == 2


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
def test_staff_read_the_times_in_the_shops_time_zone(time_zone):
    shop = ShopFactory(slug="mui-gio", time_zone=time_zone)
    _journeys_of_every_kind(shop)

    listed = assert_pages_are_serialized(
        staff_client(shop), f"{JOURNEYS}?limit=3", JourneySerializer, _journeys(shop), shop.tzinfo
    )

    published = [journey["published_at"] for journey in listed if journey["published_at"]]
    assert published and all(moment.endswith("Z") == (time_zone == "UTC") for moment in published)


def test_the_list_runs_as_many_queries_whatever_its_size_and_one_for_the_steps(shop):
    _journeys_of_every_kind(shop)
    api = make_api_client(shop)

    assert_queries_do_not_grow_with_the_page(api, JOURNEYS)
    with CaptureQueriesContext(connection) as queries:
        api.get(JOURNEYS)
    assert sum('FROM "promotions_journeystep"' in query["sql"] for query in queries.captured_queries) == 1


@pytest.mark.parametrize("client_of", [make_api_client, staff_client], ids=["key", "staff"])
def test_a_journey_read_alone_is_what_the_serializer_renders(client_of):
    shop = ShopFactory(slug="mot-hanh-trinh", time_zone="America/New_York")
    _journeys_of_every_kind(shop)
    client = client_of(shop)

    for journey in _journeys(shop):
        response = client.get(f"{JOURNEYS}/{journey.pk}")

        assert response.status_code == 200, response.content
        _same(response.json(), _rendered(journey, shop.tzinfo))


def test_another_shops_journey_is_not_found(shop):
    _journeys_of_every_kind(shop)
    theirs = Journey.objects.exclude(shop=shop).get()

    assert make_api_client(shop).get(f"{JOURNEYS}/{theirs.pk}").status_code == 404


def test_the_template_answers_the_new_journey_as_the_serializer_renders_it_and_replays_it(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    api = make_api_client(shop)
    body = {"campaign_id": campaign.pk, "name": "Giỏ hàng bỏ quên"}

    created = api.post(f"{JOURNEYS}/templates/cart-recovery", body, format="json", HTTP_IDEMPOTENCY_KEY="tpl-1")
    replayed = api.post(f"{JOURNEYS}/templates/cart-recovery", body, format="json", HTTP_IDEMPOTENCY_KEY="tpl-1")

    assert created.status_code == 201, created.content
    _same(created.json(), _rendered(_journeys(shop).get(), shop.tzinfo))
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == created.json()  # the stored body (jsonb) keeps the values, not the key order


@pytest.mark.parametrize("time_zone", ["Asia/Ho_Chi_Minh", "UTC"])
def test_a_status_change_answers_the_journey_as_the_serializer_renders_it(time_zone):
    shop = ShopFactory(slug="doi-trang-thai", time_zone=time_zone)
    journey = journey_create_cart_recovery(shop=shop, campaign=CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE))
    client = staff_client(shop)

    for action in ("publish", "pause", "resume", "end"):
        response = client.post(f"{JOURNEYS}/{journey.pk}/{action}")

        assert response.status_code == 200, response.content
        _same(response.json(), _rendered(_journeys(shop).get(), shop.tzinfo))
    assert response.json()["status"] == "ended" and response.json()["published_at"]
