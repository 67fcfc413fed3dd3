"""Background exports: a CSV of a shop's statement lines over a date range, written to a file under
MEDIA_ROOT by a Celery task, with its progress on the job row for the admin to show."""

import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from finance import selectors
from finance.columns import LINE_COLUMNS
from finance.models import ExportJob, ExportLanguage, ExportStatus
from finance.streaming import python_csv_chunks
from sellercenter.errors import InvalidInput
from sellercenter.models import Shop
from sellercenter.outbox import outbox_enqueue

logger = logging.getLogger(__name__)
EXPORT_FOLDER = "finance/exports"


def export_job_create(*, shop: Shop, date_from: date, date_to: date, language: str = "vi", user=None) -> ExportJob:
    """Queue an export of the shop's lines booked from `date_from` to `date_to` (inclusive); the file
    is written by a worker once this transaction commits.

    Refuses (InvalidInput) a missing date, a range that ends before it starts, or an unknown language."""
    errors = {}
    if date_from is None:
        errors["date_from"] = [_("This field is required.")]
    if date_to is None:
        errors["date_to"] = [_("This field is required.")]
    elif date_from is not None and date_to < date_from:
        errors["date_to"] = [_("The range ends before it starts.")]
    if language not in ExportLanguage.values:
        errors["language"] = [_("Unknown language.")]
    if errors:
        raise InvalidInput(fields=errors)
    job = ExportJob.objects.create(
        shop=shop, date_from=date_from, date_to=date_to, language=language, requested_by=user
    )
    outbox_enqueue(
        task="finance.tasks.export_job_run", kwargs={"job_id": job.pk}, key=f"export-job:{job.pk}", shop=shop
    )
    return job


def _claim(job: ExportJob) -> bool:
    """Move a queued job to running; False if another worker (or an earlier delivery) took it."""
    return ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING) == 1


def _write(job: ExportJob, target: Path) -> None:
    lines = selectors.lines_booked_between(shop=job.shop, date_from=job.date_from, date_to=job.date_to)
    total = lines.count()
    ExportJob.objects.filter(pk=job.pk).update(rows_total=total)

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=min(rows, total))

    with translation.override(job.language):
        chunks = python_csv_chunks(lines, LINE_COLUMNS, progress=progress)
    with target.open("wb") as out:
        for block in chunks:
            out.write(block)


def export_job_run(*, job: ExportJob) -> ExportJob:
    """Write the job's CSV under MEDIA_ROOT/finance/exports/, updating its progress as rows are written.
    Runs outside a transaction so the admin sees the progress. A job that is not queued is left alone
    (safe to deliver twice); a failure is recorded on the job."""
    if not _claim(job):
        return job
    job.refresh_from_db()
    name = f"{EXPORT_FOLDER}/{job.shop.slug}-{job.date_from:%Y%m%d}-{job.date_to:%Y%m%d}-{job.pk}.csv"
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write(job, target)
    except Exception as error:
        logger.exception("export job %s failed", job.pk)
        target.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
    else:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.DONE, file=name, rows_done=F("rows_total"), finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job
