"""Clicks, opens and one-click unsubscribes on journey messages, and the orders attributed to them."""

from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from customers.models import Customer
from customers.services import consent_record
from promotions.journeys.links import token_from_link
from promotions.models import (
    OPEN_ENROLMENT,
    Attribution,
    Enrolment,
    EnrolmentStatus,
    ExitReason,
    Message,
    MessageClick,
    Redemption,
    VoucherIssue,
)
from sellercenter.models import Shop

UNSUBSCRIBE_SOURCE = "one-click unsubscribe"


def message_for_link(signed: str, kind: str) -> Message | None:
    """The message a signed link names, or None for a forged or unknown link."""
    token = token_from_link(signed, kind)
    if token is None:
        return None
    return Message.objects.select_related("customer", "enrolment").filter(token=token).first()


def _naming_message(target: str, token: str) -> str:
    """`target` with the message's token as `message_token`, for the storefront to send with the order."""
    parts = urlsplit(target)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("message_token", token)])
    return urlunsplit(parts._replace(query=query))


def message_click(*, message: Message, user_agent: str = "", at: datetime | None = None) -> str:
    """Record a click on the message's link; returns where to send the customer (the cart with the
    voucher applied, or the product), naming the message so that the order can name it too."""
    at = at or timezone.now()
    MessageClick.objects.create(shop_id=message.shop_id, message=message, clicked_at=at, user_agent=user_agent[:300])
    Message.objects.filter(pk=message.pk, clicked_at__isnull=True).update(clicked_at=at)
    # A click without an open means the open pixel was blocked; the customer still saw the message.
    Message.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=at)
    return _naming_message(message.payload.get("target") or "/", message.token)


def message_open(*, message: Message, at: datetime | None = None) -> None:
    """Record the first time the message was opened (the e-mail client loaded its images)."""
    Message.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=at or timezone.now())


def message_unsubscribe(*, message: Message, evidence: dict | None = None) -> None:
    """The customer unsubscribed from the message's channel: their consent on it is withdrawn (a new
    consent record, the proof), and the journey they were in ends for them."""
    with transaction.atomic():
        consent_record(
            customer=message.customer,
            channel=message.channel,
            granted=False,
            source=UNSUBSCRIBE_SOURCE,
            evidence={"message": message.token, **(evidence or {})},
        )
        Enrolment.objects.filter(pk=message.enrolment_id, status__in=OPEN_ENROLMENT).update(
            status=EnrolmentStatus.EXITED,
            exit_reason=ExitReason.UNSUBSCRIBED,
            finished_at=timezone.now(),
            due_at=None,
        )


def _message_for_order(*, customer: Customer, token: str, voucher_codes: list[str], placed_at: datetime):
    if token:
        message = Message.objects.filter(shop_id=customer.shop_id, token=token, customer=customer).first()
        if message:
            return message, Attribution.Via.TOKEN
    if voucher_codes:
        issue = (
            VoucherIssue.objects.filter(shop_id=customer.shop_id, voucher__code__in=voucher_codes)
            .select_related("enrolment")
            .first()
        )
        message = (
            issue and Message.objects.filter(enrolment=issue.enrolment, voucher=issue.voucher).order_by("-pk").first()
        )
        if message:
            return message, Attribution.Via.VOUCHER
    window = timedelta(days=settings.JOURNEY_ATTRIBUTION_DAYS)
    message = (
        Message.objects.filter(customer=customer, clicked_at__gte=placed_at - window, clicked_at__lte=placed_at)
        .order_by("-clicked_at")
        .first()
    )
    return (message, Attribution.Via.CLICK) if message else (None, "")


def _voucher_cost(shop: Shop, order_ref: str) -> Decimal:
    cost = Redemption.objects.filter(
        shop=shop, order_ref=order_ref, released_at__isnull=True, voucher__journey_issue__isnull=False
    ).aggregate(total=Sum("amount"))["total"]
    return cost or Decimal("0")


def journey_order_placed(
    *,
    shop: Shop,
    customer: Customer,
    order_ref: str,
    revenue: Decimal,
    placed_at: datetime,
    voucher_codes: list[str] | None = None,
    token: str = "",
) -> Attribution | None:
    """An order was placed (the checkout calls this, after the redemptions are recorded): the
    customer's open enrolments in journeys that exit on an order end, and the order is credited once
    to the message it names (`token`), else whose voucher it used, else the last message the customer
    clicked within the attribution window. The voucher cost is what the journey's codes took off this
    order. Returns the attribution, or None."""
    Enrolment.objects.filter(customer=customer, status__in=OPEN_ENROLMENT, journey__exit_on_order=True).update(
        status=EnrolmentStatus.EXITED, exit_reason=ExitReason.ORDERED, finished_at=placed_at, due_at=None
    )
    message, via = _message_for_order(
        customer=customer, token=token, voucher_codes=voucher_codes or [], placed_at=placed_at
    )
    if message is None:
        return None
    try:
        with transaction.atomic():
            return Attribution.objects.create(
                shop=shop,
                message=message,
                order_ref=order_ref,
                revenue=revenue,
                voucher_cost=_voucher_cost(shop, order_ref),
                via=via,
                ordered_at=placed_at,
            )
    except IntegrityError:
        return Attribution.objects.get(shop=shop, order_ref=order_ref)
