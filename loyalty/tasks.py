"""Loyalty's nightly jobs (scheduled in settings.CELERY_BEAT_SCHEDULE). Both are safe to run twice."""

from celery import shared_task

from loyalty import services


@shared_task(acks_late=True)
def points_expire_due() -> int:
    """Expire the unconsumed part of every lot past its expiry."""
    return services.points_expire_due()


@shared_task(acks_late=True)
def tiers_reevaluate_due() -> int:
    """Move accounts whose tier period has ended to the tier they qualify for."""
    return services.tiers_reevaluate_due()
