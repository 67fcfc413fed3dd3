"""Promotions' jobs: the journeys' beat and the sending of their messages. Tasks take ids (or a
moment, for tests and replays), and call one service; every one is safe to run twice."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from promotions.journeys.runner import journeys_run_due as run_due
from promotions.journeys.sending import message_send as send
from promotions.journeys.triggers import enrol_scheduled


def _moment(at: str | None):
    return parse_datetime(at) if at else None


@shared_task(acks_late=True)
def journeys_run_due(at: str | None = None) -> int:
    """Every minute: advance the enrolments due (at `at`, an ISO datetime, default now)."""
    return run_due(now=_moment(at))


@shared_task(acks_late=True)
def journeys_enrol_scheduled(at: str | None = None) -> int:
    """Hourly: enrol today's birthdays, at-risk customers and segment entries."""
    return enrol_scheduled(now=_moment(at))


@shared_task(acks_late=True)
def message_send(message_id: int) -> str:
    """Send one queued journey message; a second delivery of the task finds it taken and does nothing."""
    return send(message_id=message_id)
