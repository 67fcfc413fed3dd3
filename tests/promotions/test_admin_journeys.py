"""Journeys made in the admin from scratch: the steps are entered as rows, checked by the journey
services' rules (each refusal on its row and field, nothing saved), and an edit of a live journey's
steps is a new version; an ended journey is a record."""

from datetime import timedelta

import pytest

from promotions.journeys.definitions import journey_create, journey_end, journey_publish, journey_steps
from promotions.models import Journey, JourneyStatus, JourneyTrigger, StepKind
from tests.promotions.factories import CampaignFactory

pytestmark = pytest.mark.django_db
ADD = "/admin/promotions/journey/add/"


def _form(shop, steps, *, initial=0, **fields):
    data = {
        "shop": shop.pk,
        "name": "Nhắc giỏ hàng",
        "trigger": JourneyTrigger.CART_ABANDONED,
        "trigger_delay": "01:00:00",
        "trigger_count": "1",
        "exit_on_order": "on",
        "exit_on_cart_emptied": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, step in enumerate(steps):
        data.update({f"steps-{index}-{name}": value for name, value in {"link": "cart", **step}.items()})
    return data


WAIT = {"position": "0", "kind": StepKind.WAIT, "delay": "1 00:00:00"}
PUSH = {"position": "1", "kind": StepKind.SEND, "channel": "web_push", "subject": "Giỏ hàng đang chờ bạn"}


def test_staff_make_a_journey_from_scratch_with_its_steps(shop, owner_client):
    response = owner_client.post(ADD, _form(shop, [PUSH, WAIT]))

    assert response.status_code == 302, response.context and response.context["errors"]
    journey = Journey.objects.get(shop=shop)
    assert (journey.name, journey.trigger, journey.status) == (
        "Nhắc giỏ hàng",
        JourneyTrigger.CART_ABANDONED,
        JourneyStatus.DRAFT,
    )
    # Rows are taken in the order of their positions, whatever order the page sent them in.
    assert [(s["kind"], s["delay"], s["channel"]) for s in journey_steps(journey)] == [
        (StepKind.WAIT, timedelta(days=1), ""),
        (StepKind.SEND, None, "web_push"),
    ]


def test_a_wrong_step_is_shown_on_its_row_and_nothing_is_saved(shop, owner_client):
    response = owner_client.post(ADD, _form(shop, [WAIT, {**PUSH, "subject": ""}]))

    assert response.status_code == 200
    [_wait_errors, push_errors] = response.context["inline_admin_formsets"][0].formset.errors
    assert list(push_errors) == ["subject"]
    assert not Journey.objects.exists()


def test_a_voucher_step_cannot_use_another_shops_campaign(shop, other_shop, owner_client):
    theirs = CampaignFactory(shop=other_shop)
    voucher = {"position": "0", "kind": StepKind.VOUCHER, "campaign": str(theirs.pk)}

    response = owner_client.post(ADD, _form(shop, [voucher, PUSH]))

    assert response.status_code == 200
    assert "campaign" in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert not Journey.objects.exists()


def _live(shop):
    steps = [
        {"kind": StepKind.WAIT, "delay": timedelta(days=1)},
        {"kind": StepKind.SEND, "channel": "email", "subject": "A"},
    ]
    return journey_publish(
        journey=journey_create(shop=shop, name="Giỏ", trigger=JourneyTrigger.CART_ABANDONED, steps=steps)
    )


def _rows_of(journey):
    return [
        {
            "id": str(step.pk),
            "journey": str(journey.pk),
            "position": str(step.position),
            "kind": step.kind,
            "delay": "1 00:00:00" if step.delay else "",
            "channel": step.channel,
            "subject": step.subject,
        }
        for step in journey.steps.order_by("position")
    ]


def test_changing_a_live_journeys_steps_makes_a_new_version(shop, owner_client):
    live = _live(shop)
    rows = _rows_of(live)
    rows[1]["subject"] = "Giỏ hàng của bạn vẫn còn đây"

    response = owner_client.post(
        f"/admin/promotions/journey/{live.pk}/change/", _form(shop, rows, initial=2, name="Giỏ")
    )

    assert response.status_code == 302
    live.refresh_from_db()
    revised = Journey.objects.get(family=live.family, version=2)
    assert (live.status, revised.status) == (JourneyStatus.ENDED, JourneyStatus.LIVE)
    assert [s["subject"] for s in journey_steps(revised)] == ["", "Giỏ hàng của bạn vẫn còn đây"]
    assert [s["subject"] for s in journey_steps(live)] == ["", "A"]


def test_an_ended_journey_cannot_be_changed(shop, owner_client):
    ended = journey_end(journey=_live(shop))
    rows = _rows_of(ended)
    rows[1]["subject"] = "Khác"

    owner_client.post(f"/admin/promotions/journey/{ended.pk}/change/", _form(shop, rows, initial=2, name="Khác"))

    ended.refresh_from_db()
    assert (ended.name, [s["subject"] for s in journey_steps(ended)]) == ("Giỏ", ["", "A"])
    assert Journey.objects.count() == 1


def test_the_accountant_cannot_make_a_journey(shop, client):
    from sellercenter.models import Role
    from tests.sellercenter.factories import staff_user

    client.force_login(staff_user(shop, role=Role.ACCOUNTANT))

    response = client.post(ADD, _form(shop, [WAIT, PUSH]))

    assert response.status_code == 403
    assert not Journey.objects.exists()
