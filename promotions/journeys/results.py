"""What a journey achieved, per step and in total: reach, sends, skips by reason, deliveries, opens,
clicks, attributed orders, recovered revenue, voucher cost and the return on that cost.

A fixed number of queries whatever the number of enrolments or messages (one aggregate per table)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from promotions.models import (
    Attribution,
    Enrolment,
    EnrolmentStatus,
    ExitReason,
    Journey,
    Message,
    MessageStatus,
    SkipReason,
    StepKind,
    VoucherIssue,
)

ZERO = Decimal("0")
OUT = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)
COUNTERS = ("reached", "sent", "delivered", "opened", "clicked", "held_for_quiet_hours", "vouchers_issued", "ordered")


def return_on_cost(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """Revenue per dong of voucher cost (2 decimals), None when nothing was spent."""
    return (revenue / cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if cost else None


def _message_counts(journey: Journey) -> dict[int, dict]:
    skipped = {f"skipped_{r}": Count("pk", filter=Q(status=MessageStatus.SKIPPED, skip_reason=r)) for r in SkipReason}
    rows = (
        Message.objects.filter(enrolment__journey=journey)
        .values("step_id")
        .annotate(
            reached=Count("pk"),
            sent=Count("pk", filter=Q(status__in=OUT)),
            delivered=Count("pk", filter=Q(status=MessageStatus.DELIVERED)),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            held_for_quiet_hours=Count("pk", filter=Q(held_for_quiet_hours=True)),
            **skipped,
        )
    )
    return {row.pop("step_id"): row for row in rows}


def _voucher_counts(journey: Journey) -> dict[int, dict]:
    rows = (
        VoucherIssue.objects.filter(enrolment__journey=journey)
        .values("step_id")
        .annotate(
            reached=Count("pk"),
            vouchers_issued=Count("pk", filter=Q(voucher__isnull=False)),
            **{
                f"skipped_{r}": Count("pk", filter=Q(skip_reason=r))
                for r in (SkipReason.BUDGET_SPENT, SkipReason.CAMPAIGN_CLOSED)
            },
        )
    )
    return {row.pop("step_id"): row for row in rows}


def _orders(journey: Journey) -> dict[int, dict]:
    rows = (
        Attribution.objects.filter(message__enrolment__journey=journey)
        .values("message__step_id")
        .annotate(ordered=Count("pk"), revenue=Sum("revenue"), voucher_cost=Sum("voucher_cost"))
    )
    return {row.pop("message__step_id"): row for row in rows}


def _enrolments(journey: Journey) -> dict:
    figures = Enrolment.objects.filter(journey=journey).aggregate(
        enrolled=Count("pk", filter=Q(entered_at__isnull=False)),
        waiting=Count("pk", filter=Q(status=EnrolmentStatus.WAITING)),
        active=Count("pk", filter=Q(status=EnrolmentStatus.ACTIVE)),
        completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)),
        dismissed=Count("pk", filter=Q(status=EnrolmentStatus.DISMISSED)),
        **{f"exited_{r}": Count("pk", filter=Q(status=EnrolmentStatus.EXITED, exit_reason=r)) for r in ExitReason},
    )
    return {
        "enrolled": figures.pop("enrolled"),
        "by_status": {k: figures.pop(k) for k in ("waiting", "active", "completed", "dismissed")},
        "exits": {key.removeprefix("exited_"): value for key, value in figures.items()},
    }


def _skips(row: dict) -> dict[str, int]:
    return {r.value: row.get(f"skipped_{r}", 0) for r in SkipReason}


def journey_results(*, journey: Journey) -> dict:
    """The journey version's results: totals and one row per step (the funnel, in step order)."""
    messages, vouchers, orders = _message_counts(journey), _voucher_counts(journey), _orders(journey)
    steps = []
    for step in journey.steps.order_by("position"):
        row = {**messages.get(step.pk, {}), **vouchers.get(step.pk, {}), **orders.get(step.pk, {})}
        steps.append(
            {
                "position": step.position,
                "name": step.name or step.get_kind_display(),
                "kind": step.kind,
                "channel": step.channel,
                **{name: row.get(name, 0) for name in COUNTERS},
                "skipped": _skips(row),
                "revenue": row.get("revenue") or ZERO,
                "voucher_cost": row.get("voucher_cost") or ZERO,
            }
        )
    action_steps = [s for s in steps if s["kind"] in (StepKind.SEND, StepKind.VOUCHER)]
    revenue = sum((s["revenue"] for s in steps), ZERO)
    cost = sum((s["voucher_cost"] for s in steps), ZERO)
    totals = {name: sum(s[name] for s in action_steps) for name in COUNTERS if name != "reached"}
    totals["skipped"] = {r.value: sum(s["skipped"][r.value] for s in action_steps) for r in SkipReason}
    return {
        "journey_id": journey.pk,
        "version": journey.version,
        "currency": journey.shop.currency,
        **_enrolments(journey),
        **totals,
        "revenue": revenue,
        "voucher_cost": cost,
        "return_on_cost": return_on_cost(revenue, cost),
        "steps": steps,
    }
