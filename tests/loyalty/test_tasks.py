from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from loyalty import tasks
from loyalty.models import EntryKind, LoyaltyAccount, PointsEntry, PointsLot, TierChangeReason
from sellercenter.celery import app
from sellercenter.models import ActorKind
from tests.loyalty.factories import member, with_available_points

pytestmark = pytest.mark.django_db


def test_the_nightly_jobs_are_scheduled_and_registered():
    loyalty_jobs = {
        name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("loyalty-")
    }

    assert loyalty_jobs == {
        "loyalty-points-expire": "loyalty.tasks.points_expire_due",
        "loyalty-tiers-reevaluate": "loyalty.tasks.tiers_reevaluate_due",
    }
    assert set(loyalty_jobs.values()) <= set(app.tasks)


def test_the_expiry_job_expires_due_lots_and_is_safe_to_run_twice(shop):
    account = member(shop)
    with_available_points(account, 90, order_ref="SC-1", at=timezone.now() - timedelta(days=100))
    PointsLot.objects.filter(account=account).update(expires_at=timezone.now() - timedelta(hours=1))

    assert tasks.points_expire_due.delay().get() == 90
    assert tasks.points_expire_due.delay().get() == 0
    assert LoyaltyAccount.objects.get(pk=account.pk).available_points == 0


def test_the_tier_job_runs_the_re_evaluation(shop):
    account = member(shop)
    LoyaltyAccount.objects.filter(pk=account.pk).update(
        tier=shop.tiers.get(rank=4), tier_kept_until=timezone.now() - timedelta(minutes=5)
    )

    assert tasks.tiers_reevaluate_due.delay().get() == 1
    assert tasks.tiers_reevaluate_due.delay().get() == 0
    assert LoyaltyAccount.objects.get(pk=account.pk).tier.rank == 1


def test_the_expiry_job_records_the_system_as_who_expired_the_points(shop):
    account = member(shop)
    with_available_points(account, 90, order_ref="SC-1", at=timezone.now() - timedelta(days=100))
    PointsLot.objects.filter(account=account).update(expires_at=timezone.now() - timedelta(hours=1))

    tasks.points_expire_due.delay().get()

    expired = PointsEntry.objects.get(account=account, kind=EntryKind.EXPIRE)
    assert (expired.actor_kind, expired.user, expired.api_key) == (ActorKind.SYSTEM, None, None)


def test_the_tier_job_records_the_system_as_who_moved_the_tier(shop):
    account = member(shop)
    LoyaltyAccount.objects.filter(pk=account.pk).update(
        tier=shop.tiers.get(rank=4), tier_kept_until=timezone.now() - timedelta(minutes=5)
    )

    tasks.tiers_reevaluate_due.delay().get()

    change = account.tier_changes.get(reason=TierChangeReason.DOWNGRADE)
    assert (change.actor_kind, change.user, change.api_key) == (ActorKind.SYSTEM, None, None)
