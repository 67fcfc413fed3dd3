"""The journeys' runner and its rules, with tasks run in-process and e-mail to Django's test outbox:
enrolment once per occurrence, the trigger check, exits, the frequency cap, quiet hours, vouchers
within the budget, versions, branches."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from customers.services import consent_record, customer_record_purchase, events_ingest
from promotions.journeys.definitions import (
    journey_create,
    journey_end,
    journey_publish,
    journey_revise,
    journey_settings_for,
)
from promotions.journeys.runner import journeys_run_due
from promotions.models import (
    Enrolment,
    ExitReason,
    JourneyStatus,
    JourneyTrigger,
    Message,
    MessageStatus,
    SkipReason,
    StepKind,
    VoucherIssue,
)
from sellercenter.errors import InvalidInput, NotAllowed
from tests.promotions.journey_setup import (
    cart_event,
    customer_with_consent,
    journey_start,
    leave_cart,
    live_cart_journey,
    recovery_campaign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the beat at a moment, sending what it queued (in-process) before returning."""

    def run_at(moment):
        with django_capture_on_commit_callbacks(execute=True):
            return journeys_run_due(now=moment)

    return run_at


@pytest.fixture
def start():
    return journey_start()


def email_journey(shop, *, steps=None, name="Nhắc giỏ hàng", trigger=JourneyTrigger.CART_ABANDONED, **fields):
    steps = steps or [
        {"kind": StepKind.WAIT, "delay": timedelta(hours=2)},
        {"kind": StepKind.SEND, "channel": "email", "subject": "{{ name }} ơi, giỏ hàng còn {{ product }}"},
    ]
    journey = journey_create(
        shop=shop, name=name, trigger=trigger, trigger_delay=timedelta(hours=1), steps=steps, **fields
    )
    return journey_publish(journey=journey)


def leave(customer, at, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        leave_cart(customer, sku="AO-01", at=at, **fields)


def test_a_cart_enrols_once_however_many_items_are_added(shop, start, django_capture_on_commit_callbacks):
    journey = email_journey(shop)
    customer = customer_with_consent(shop, at=start)
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(
            shop=shop,
            events=[cart_event(customer, sku=sku, at=start + timedelta(minutes=i)) for i, sku in enumerate("ABC")],
        )
    leave(customer, start + timedelta(minutes=5), django_capture_on_commit_callbacks)

    [enrolment] = Enrolment.objects.filter(journey=journey)
    assert enrolment.status == "waiting"
    assert enrolment.due_at == start + timedelta(hours=1)


def test_an_order_within_the_delay_means_the_cart_was_not_abandoned(
    shop, start, run, django_capture_on_commit_callbacks
):
    journey = email_journey(shop)
    customer = customer_with_consent(shop, at=start)
    leave(customer, start, django_capture_on_commit_callbacks)
    customer_record_purchase(
        customer=customer, amount=Decimal("450000"), ordered_at=start + timedelta(minutes=20), discounted=False
    )

    run(start + timedelta(hours=1))

    enrolment = Enrolment.objects.get(journey=journey)
    assert (enrolment.status, enrolment.entered_at) == ("dismissed", None)


def test_an_emptied_cart_ends_the_journey_before_the_next_message(shop, start, run, django_capture_on_commit_callbacks):
    email_journey(shop)
    customer = customer_with_consent(shop, at=start)
    leave(customer, start, django_capture_on_commit_callbacks)
    run(start + timedelta(hours=1))
    leave(customer, start + timedelta(hours=2), django_capture_on_commit_callbacks, kind="remove_from_cart")

    run(start + timedelta(hours=3))

    assert Enrolment.objects.get().exit_reason == ExitReason.CART_EMPTIED
    assert mail.outbox == []


def test_the_message_names_the_customer_and_the_product_with_one_click_unsubscribe(
    shop, start, run, django_capture_on_commit_callbacks
):
    email_journey(shop)
    customer = customer_with_consent(shop, at=start, full_name="Lan")
    leave(customer, start, django_capture_on_commit_callbacks)

    run(start + timedelta(hours=1))
    run(start + timedelta(hours=3))

    [sent] = mail.outbox
    assert sent.subject == "Lan ơi, giỏ hàng còn Áo dài lụa"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Áo dài lụa × 1: 450.000 ₫" in sent.body
    assert Message.objects.get().status == MessageStatus.DELIVERED


def test_the_frequency_cap_skips_a_second_journeys_message_within_16_hours(
    shop, start, run, django_capture_on_commit_callbacks
):
    email_journey(shop, name="A")
    email_journey(shop, name="B")
    customer = customer_with_consent(shop, at=start)
    leave(customer, start, django_capture_on_commit_callbacks)

    run(start + timedelta(hours=1))
    run(start + timedelta(hours=3))

    assert len(mail.outbox) == 1
    assert sorted(Message.objects.values_list("status", "skip_reason")) == [
        (MessageStatus.DELIVERED, ""),
        (MessageStatus.SKIPPED, SkipReason.FREQUENCY_CAP),
    ]


def test_a_message_due_in_quiet_hours_waits_for_the_morning(shop, start, run, django_capture_on_commit_callbacks):
    email_journey(shop)
    settings_row = journey_settings_for(shop)
    settings_row.quiet_from, settings_row.quiet_until = time(12, 0), time(18, 0)
    settings_row.save()
    customer = customer_with_consent(shop, at=start)
    leave(customer, start, django_capture_on_commit_callbacks)  # 10:00; the message is due at 13:00

    run(start + timedelta(hours=1))
    run(start + timedelta(hours=3))
    assert mail.outbox == []
    assert Enrolment.objects.get().due_at == start + timedelta(hours=8)  # 18:00

    run(start + timedelta(hours=8))

    assert len(mail.outbox) == 1
    message = Message.objects.get()
    assert (message.status, message.held_for_quiet_hours) == (MessageStatus.DELIVERED, True)


def test_no_marketing_without_consent_on_the_channel(shop, start, run, django_capture_on_commit_callbacks):
    email_journey(
        shop,
        steps=[
            {"kind": StepKind.SEND, "channel": "sms", "subject": "Giỏ hàng"},
            {"kind": StepKind.SEND, "channel": "email", "subject": "Giỏ hàng"},
        ],
    )
    customer = customer_with_consent(shop, at=start)  # e-mail and push, not SMS
    leave(customer, start, django_capture_on_commit_callbacks)

    run(start + timedelta(hours=1))

    assert dict(Message.objects.values_list("channel", "skip_reason")) == {"sms": SkipReason.NO_CONSENT, "email": ""}


def test_withdrawing_consent_on_every_channel_ends_the_journey(shop, start, run, django_capture_on_commit_callbacks):
    email_journey(shop)
    customer = customer_with_consent(shop, channels=("email",), at=start)
    leave(customer, start, django_capture_on_commit_callbacks)
    run(start + timedelta(hours=1))
    consent_record(
        customer=customer, channel="email", granted=False, source="hotline", recorded_at=start + timedelta(hours=2)
    )

    run(start + timedelta(hours=3))

    assert Enrolment.objects.get().exit_reason == ExitReason.NO_CONSENT
    assert not Message.objects.exists()


def test_a_spent_budget_issues_no_code_and_the_journey_goes_on(shop, start, run, django_capture_on_commit_callbacks):
    campaign = recovery_campaign(shop, start=start, budget=Decimal("60000"))  # room for one 50.000 ₫ code
    email_journey(
        shop,
        steps=[
            {"kind": StepKind.VOUCHER, "campaign": campaign},
            {"kind": StepKind.SEND, "channel": "email", "subject": "Mã của bạn: {{ voucher|default:'-' }}"},
        ],
    )
    first, second = (customer_with_consent(shop, at=start) for _ in range(2))
    for customer in (first, second):
        leave(customer, start, django_capture_on_commit_callbacks)

    run(start + timedelta(hours=1))

    issues = {issue.enrolment.customer_id: issue for issue in VoucherIssue.objects.select_related("enrolment")}
    assert issues[first.pk].voucher is not None
    assert (issues[second.pk].voucher, issues[second.pk].skip_reason) == (None, SkipReason.BUDGET_SPENT)
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["Mã của bạn: -", f"Mã của bạn: {issues[first.pk].voucher.code}"]


def test_editing_a_live_journey_makes_a_version_and_the_enrolled_finish_theirs(
    shop, start, run, django_capture_on_commit_callbacks
):
    first = email_journey(shop)
    early = customer_with_consent(shop, at=start)
    leave(early, start, django_capture_on_commit_callbacks)
    run(start + timedelta(hours=1))
    second = journey_revise(
        journey=first,
        steps=[{"kind": StepKind.SEND, "channel": "email", "subject": "Phiên bản 2"}],
    )
    late = customer_with_consent(shop, at=start)
    leave(late, start + timedelta(hours=1), django_capture_on_commit_callbacks)

    run(start + timedelta(hours=3))

    first.refresh_from_db()
    assert (first.status, second.status, second.version, second.family) == ("ended", "live", 2, first.family)
    assert sorted(m.subject for m in mail.outbox) == [f"{early.full_name} ơi, giỏ hàng còn Áo dài lụa", "Phiên bản 2"]
    assert Enrolment.objects.get(customer=early).journey == first
    assert Enrolment.objects.get(customer=late).journey == second


def test_an_ended_journey_cannot_be_edited_nor_published_again(shop):
    journey = email_journey(shop)
    journey = journey_end(journey=journey)

    assert journey.status == JourneyStatus.ENDED
    with pytest.raises(NotAllowed):
        journey_publish(journey=journey)
    with pytest.raises(NotAllowed):
        journey_revise(journey=journey, name="Mới")


def test_wrong_steps_are_refused_naming_the_field(shop):
    with pytest.raises(InvalidInput) as refused:
        journey_create(
            shop=shop,
            name="Sai",
            trigger=JourneyTrigger.CART_ABANDONED,
            steps=[{"kind": StepKind.SEND, "channel": "fax", "subject": ""}, {"kind": StepKind.WAIT}],
        )

    assert set(refused.value.fields) == {"steps.0.channel", "steps.0.subject", "steps.1.delay"}


def test_the_template_is_the_seeds_scenario(shop, start):
    journey = live_cart_journey(shop, start=start)

    steps = list(journey.steps.order_by("position"))
    kinds = [(s.kind, s.channel) for s in steps]
    assert kinds == [
        ("wait", ""),
        ("send", "web_push"),
        ("wait", ""),
        ("voucher", ""),
        ("send", "web_push"),
        ("wait", ""),
        ("branch", ""),
        ("send", "email"),
        ("wait", ""),
        ("send", "web_push"),
    ]
    waits = [journey.trigger_delay, *(s.delay for s in steps if s.kind == "wait")]
    assert sum(waits[:2], timedelta()) == timedelta(days=1)
    assert sum(waits, timedelta()) == timedelta(days=6)
