"""Marketing consent, per channel: every grant and withdrawal is a new, unchangeable record."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ConsentRecord, Customer, MarketingChannel
from sellercenter.errors import InvalidInput, NotAllowed

# Storefront clocks run a little fast sometimes; more than this in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
SOURCE_MAX_LENGTH = ConsentRecord._meta.get_field("source").max_length
WORDING_MAX_LENGTH = ConsentRecord._meta.get_field("wording_version").max_length


def _consent_errors(*, channel, granted, source, wording_version, recorded_at, evidence) -> dict:
    errors: dict[str, list[str]] = {}
    if channel not in MarketingChannel.values:
        errors["channel"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MarketingChannel.values)}]
    if not isinstance(granted, bool):
        errors["granted"] = [_("Give true or false.")]
    if not source.strip() or len(source) > SOURCE_MAX_LENGTH:
        errors["source"] = [_("Say where the customer gave or withdrew consent (at most 100 characters).")]
    if granted is True and not wording_version.strip():
        errors["wording_version"] = [_("A consent needs the version of the wording the customer agreed to.")]
    elif len(wording_version) > WORDING_MAX_LENGTH:
        errors["wording_version"] = [_("Give at most %(max)d characters.") % {"max": WORDING_MAX_LENGTH}]
    if timezone.is_naive(recorded_at):
        errors["recorded_at"] = [_("Give a date and time with a time zone.")]
    elif recorded_at > timezone.now() + CLOCK_SKEW:
        errors["recorded_at"] = [_("The moment of consent cannot be in the future.")]
    if not isinstance(evidence, dict):
        errors["evidence"] = [_('Give an object, e.g. {"ip": "203.0.113.7"}.')]
    return errors


def consent_check(
    *,
    customer: Customer,
    channel: str,
    granted: bool,
    source: str,
    wording_version: str = "",
    recorded_at: datetime | None = None,
    evidence: dict | None = None,
) -> None:
    """Raise what consent_record would refuse (InvalidInput naming the fields, NotAllowed for a grant
    to an erased or merged profile); forms call it to show the errors before saving."""
    errors = _consent_errors(
        channel=channel,
        granted=granted,
        source=source,
        wording_version=wording_version,
        recorded_at=recorded_at or timezone.now(),
        evidence={} if evidence is None else evidence,
    )
    if errors:
        raise InvalidInput(fields=errors)
    if granted and (customer.erased_at is not None or customer.merged_into_id is not None):
        raise NotAllowed(_("Consent cannot be granted for an erased or merged profile."), code="customer_not_current")


def consent_record(
    *,
    customer: Customer,
    channel: str,
    granted: bool,
    source: str,
    wording_version: str = "",
    recorded_at: datetime | None = None,
    evidence: dict | None = None,
    recorded_by=None,
) -> ConsentRecord:
    """Record that the customer granted (or withdrew) marketing consent on `channel`.

    A grant needs the wording version the customer agreed to; every record needs its source.
    `recorded_at` is when the customer said so (default now). Refuses bad input (InvalidInput) and a
    grant for an erased or merged profile (NotAllowed); a withdrawal is always accepted."""
    recorded_at = recorded_at or timezone.now()
    evidence = {} if evidence is None else evidence
    consent_check(
        customer=customer,
        channel=channel,
        granted=granted,
        source=source,
        wording_version=wording_version,
        recorded_at=recorded_at,
        evidence=evidence,
    )
    return ConsentRecord.objects.create(
        shop_id=customer.shop_id,
        customer=customer,
        channel=channel,
        granted=granted,
        recorded_at=recorded_at,
        source=source.strip(),
        wording_version=wording_version.strip(),
        evidence=evidence,
        recorded_by=recorded_by,
    )
