"""Leases for long jobs (exports, imports, rollups, journeys' batches).

A worker takes a job with `job_lease_take` and renews the lease while it works (`job_lease_renew`,
e.g. at every progress checkpoint). A job whose worker was killed keeps its "running" status only
until the lease expires: the next worker takes it over (its `attempts` goes up, which also fences the
lost worker out: a renewal under an older attempt fails), and after JOB_MAX_ATTEMPTS the job is
failed with the reason, for the user who started it to see.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellercenter.outbox import outbox_lease_renew


class LeasedJob(models.Model):
    """The fields of a job row that a worker leases: how often it was started, and until when the
    current worker holds it. A job model also has `status`, `error` and `finished_at`."""

    attempts = models.PositiveSmallIntegerField(gettext_lazy("attempts"), default=0, editable=False)
    lease_expires_at = models.DateTimeField(gettext_lazy("lease expires at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class JobBusy(Exception):
    """Another worker holds the job's lease and renews it: try again later (the outbox retries)."""


@dataclass(frozen=True)
class JobStates:
    """The status values of one job model: waiting to start, running, and failed."""

    queued: str
    running: str
    failed: str


def _lease_end():
    return timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def job_lease_take(*, model: type[LeasedJob], pk: int, states: JobStates) -> int | None:
    """Take the lease of a queued job, or of a running one whose worker stopped renewing; returns the
    attempt number (the fencing token for `job_lease_renew`), or None when the job is finished.

    Raises JobBusy while another worker holds a live lease. A job whose lease expired after its last
    allowed attempt is failed with the reason."""
    now = timezone.now()
    takeable = Q(status=states.queued) | Q(status=states.running, lease_expires_at__lt=now)
    jobs = model.objects.filter(pk=pk)
    if jobs.filter(takeable, attempts__lt=settings.JOB_MAX_ATTEMPTS).update(
        status=states.running, attempts=F("attempts") + 1, lease_expires_at=_lease_end()
    ):
        return jobs.values_list("attempts", flat=True).get()
    if jobs.filter(status=states.running, lease_expires_at__gte=now).exists():
        raise JobBusy(f"{model.__name__} {pk} is running under another worker's lease")
    reason = _("The job stopped %(count)d times before it finished (its worker was lost).") % {
        "count": settings.JOB_MAX_ATTEMPTS
    }
    jobs.filter(takeable).update(status=states.failed, error=reason, lease_expires_at=None, finished_at=timezone.now())
    return None


def job_lease_renew(*, model: type[LeasedJob], pk: int, attempt: int, states: JobStates) -> bool:
    """Extend the lease held under `attempt` (and the lease of the outbox row being run). False when
    the job was taken over meanwhile: the caller must stop, its work is no longer its own."""
    outbox_lease_renew()
    return bool(
        model.objects.filter(pk=pk, status=states.running, attempts=attempt).update(lease_expires_at=_lease_end())
    )
