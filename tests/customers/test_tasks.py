from django.conf import settings

from customers import tasks


def test_the_nightly_stage_recompute_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["customers-journey-stages-recompute"]

    assert entry["task"] == tasks.journey_stages_recompute.name
