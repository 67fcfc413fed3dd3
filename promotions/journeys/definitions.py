"""Journeys and their steps: create, check, publish, pause, resume, end, and revise (a new version)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import MarketingChannel, Segment
from promotions.models import (
    BranchCondition,
    Campaign,
    CodeMode,
    Journey,
    JourneySettings,
    JourneyStatus,
    JourneyStep,
    JourneyTrigger,
    StepKind,
    StepLink,
)
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import Shop

MAX_STEPS = 30
MAX_WAIT = timedelta(days=365)
STEP_FIELDS = (
    "kind",
    "name",
    "delay",
    "until_local_time",
    "channel",
    "subject",
    "body",
    "link",
    "campaign",
    "condition",
    "condition_value",
    "else_position",
)
JOURNEY_FIELDS = (
    "name",
    "trigger",
    "trigger_delay",
    "trigger_count",
    "segment",
    "exit_on_order",
    "exit_on_cart_emptied",
)


def journey_settings_for(shop: Shop) -> JourneySettings:
    """The shop's journey settings, created with the defaults the first time they are asked for."""
    settings, _created = JourneySettings.objects.get_or_create(shop=shop)
    return settings


def _wait_errors(step: dict) -> list[str]:
    delay, until = step.get("delay"), step.get("until_local_time")
    if delay is None and until is None:
        return [_("Give how long to wait, a local time of day, or both.")]
    if delay is not None and not timedelta(0) <= delay <= MAX_WAIT:
        return [_("Wait between 0 and 365 days.")]
    return []


def _send_errors(step: dict) -> dict[str, list[str]]:
    errors = {}
    if step.get("channel") not in MarketingChannel.values:
        errors["channel"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MarketingChannel.values)}]
    if not (step.get("subject") or "").strip():
        errors["subject"] = [_("Give the subject or title the customer sees.")]
    if step.get("link", StepLink.CART) not in StepLink.values:
        errors["link"] = [_("Unknown link.")]
    return errors


def _voucher_errors(shop: Shop, step: dict) -> dict[str, list[str]]:
    campaign = step.get("campaign")
    if not isinstance(campaign, Campaign) or campaign.shop_id != shop.pk:
        return {"campaign": [_("Choose one of the shop's campaigns.")]}
    if campaign.code_mode != CodeMode.UNIQUE:
        return {"campaign": [_("Choose a campaign with unique single-use voucher codes.")]}
    return {}


def _branch_errors(step: dict, count: int) -> dict[str, list[str]]:
    errors = {}
    if step.get("condition") not in BranchCondition.values:
        errors["condition"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(BranchCondition.values)}]
    value = step.get("condition_value") or ""
    if step.get("condition") in (BranchCondition.TIER_AT_LEAST, BranchCondition.IN_SEGMENT) and not value.isdigit():
        errors["condition_value"] = [_("Give a number (the tier rank or the segment id).")]
    if step.get("condition") == BranchCondition.HAS_CONSENT and value not in MarketingChannel.values:
        errors["condition_value"] = [
            _("Give a channel: %(choices)s.") % {"choices": ", ".join(MarketingChannel.values)}
        ]
    target = step.get("else_position")
    if target is not None and not 0 <= target < count:
        errors["else_position"] = [_("Give the number of a step of this journey, or leave empty to end.")]
    return errors


def _step_errors(shop: Shop, step: dict, count: int) -> dict[str, list[str]]:
    kind = step.get("kind")
    if kind == StepKind.WAIT:
        errors = _wait_errors(step)
        return {"delay": errors} if errors else {}
    if kind == StepKind.SEND:
        return _send_errors(step)
    if kind == StepKind.VOUCHER:
        return _voucher_errors(shop, step)
    if kind == StepKind.BRANCH:
        return _branch_errors(step, count)
    return {"kind": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(StepKind.values)}]}


def _journey_errors(shop: Shop, fields: dict) -> dict[str, list[str]]:
    errors = {}
    if not (fields.get("name") or "").strip():
        errors["name"] = [_("This field is required.")]
    trigger = fields.get("trigger")
    if trigger not in JourneyTrigger.values:
        errors["trigger"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(JourneyTrigger.values)}]
    delay = fields.get("trigger_delay", timedelta(hours=1))
    if delay is None or not timedelta(0) <= delay <= MAX_WAIT:
        errors["trigger_delay"] = [_("Give a duration between 0 and 365 days.")]
    segment = fields.get("segment")
    if trigger == JourneyTrigger.SEGMENT_ENTERED and (not isinstance(segment, Segment) or segment.shop_id != shop.pk):
        errors["segment"] = [_("Choose one of the shop's segments.")]
    return errors


def journey_check(*, shop: Shop, fields: dict, steps: list[dict]) -> None:
    """Raise InvalidInput naming every wrong field (`steps.2.channel`) of a journey and its steps."""
    errors = _journey_errors(shop, fields)
    if not 1 <= len(steps) <= MAX_STEPS:
        errors["steps"] = [_("Give 1 to %(max)d steps.") % {"max": MAX_STEPS}]
    for index, step in enumerate(steps):
        for name, messages in _step_errors(shop, step, len(steps)).items():
            errors[f"steps.{index}.{name}"] = messages
    if errors:
        raise InvalidInput(fields=errors)


def _write_steps(journey: Journey, steps: list[dict]) -> None:
    JourneyStep.objects.bulk_create(
        JourneyStep(journey=journey, position=index, **{k: v for k, v in step.items() if k in STEP_FIELDS})
        for index, step in enumerate(steps)
    )


def journey_create(*, shop: Shop, steps: list[dict], **fields) -> Journey:
    """Create a draft journey with its steps (dicts of JourneyStep fields, in order). Refuses wrong
    input with InvalidInput naming the fields."""
    journey_check(shop=shop, fields=fields, steps=steps)
    with transaction.atomic():
        journey = Journey.objects.create(shop=shop, **{k: v for k, v in fields.items() if k in JOURNEY_FIELDS})
        _write_steps(journey, steps)
    return journey


def journey_steps(journey: Journey) -> list[dict]:
    """The journey's steps as journey_create takes them."""
    return [{name: getattr(step, name) for name in STEP_FIELDS} for step in journey.steps.order_by("position")]


def _locked(journey: Journey) -> Journey:
    return Journey.objects.select_for_update().get(pk=journey.pk)


def _move(journey: Journey, *, allowed: tuple, to: str, **fields) -> Journey:
    with transaction.atomic():
        journey = _locked(journey)
        if journey.status not in allowed:
            raise NotAllowed(
                _("A journey that is %(status)s cannot become %(to)s.")
                % {"status": journey.get_status_display(), "to": JourneyStatus(to).label},
                code="journey_status",
            )
        journey.status = to
        for name, value in fields.items():
            setattr(journey, name, value)
        journey.save(update_fields=["status", *fields])
    return journey


def journey_publish(*, journey: Journey) -> Journey:
    """draft -> live: customers start entering. Refuses a journey that is not a draft."""
    return _move(journey, allowed=(JourneyStatus.DRAFT,), to=JourneyStatus.LIVE, published_at=timezone.now())


def journey_pause(*, journey: Journey) -> Journey:
    """live -> paused: nobody enters and nobody moves on until resumed (messages due wait)."""
    return _move(journey, allowed=(JourneyStatus.LIVE,), to=JourneyStatus.PAUSED)


def journey_resume(*, journey: Journey) -> Journey:
    """paused -> live."""
    return _move(journey, allowed=(JourneyStatus.PAUSED,), to=JourneyStatus.LIVE)


def journey_end(*, journey: Journey) -> Journey:
    """live or paused -> ended: nobody enters any more; customers already in it finish their steps."""
    return _move(
        journey, allowed=(JourneyStatus.LIVE, JourneyStatus.PAUSED), to=JourneyStatus.ENDED, ended_at=timezone.now()
    )


def journey_revise(*, journey: Journey, steps: list[dict] | None = None, **fields) -> Journey:
    """Change a journey. A draft is changed in place; a live or paused one gets a new version with the
    change (same status), and the old version ends: customers in it finish the version they started.
    Refuses an ended journey (NotAllowed) and wrong input (InvalidInput)."""
    steps = journey_steps(journey) if steps is None else steps
    merged = {name: fields.get(name, getattr(journey, name)) for name in JOURNEY_FIELDS}
    journey_check(shop=journey.shop, fields=merged, steps=steps)
    with transaction.atomic():
        current = _locked(journey)
        if current.status == JourneyStatus.ENDED:
            raise NotAllowed(_("An ended journey cannot be changed; duplicate it instead."), code="journey_status")
        if current.status == JourneyStatus.DRAFT:
            for name, value in merged.items():
                setattr(current, name, value)
            current.save()
            current.steps.all().delete()
            _write_steps(current, steps)
            return current
        status = current.status
        current.status, current.ended_at = JourneyStatus.ENDED, timezone.now()
        current.save(update_fields=["status", "ended_at"])
        revised = Journey.objects.create(
            shop=current.shop,
            family=current.family,
            version=current.version + 1,
            status=status,
            published_at=timezone.now(),
            **merged,
        )
        _write_steps(revised, steps)
    return revised
