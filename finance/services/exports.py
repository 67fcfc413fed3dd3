"""Background exports: a CSV of a shop's statement lines over a date range, and an XLSX of the same
rows beside it, written to files under MEDIA_ROOT by a Celery task, with its progress on the job row
for the admin to show."""

import contextlib
import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from finance import selectors
from finance.columns import LINE_COLUMNS
from finance.models import EXPORT_JOB_STATES, ExportJob, ExportLanguage, ExportStatus
from finance.streaming import python_csv_chunks, xlsx_rows
from sellercenter.errors import InvalidInput
from sellercenter.leases import JobBusy, job_lease_renew, job_lease_take
from sellercenter.models import Shop
from sellercenter.outbox import outbox_enqueue
from sellercenter.spreadsheet import xlsx_write

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


def export_job_xlsx_name(name: str) -> str:
    """The XLSX written beside the job's CSV `name`."""
    return name.removesuffix(".csv") + ".xlsx"


def _write(job: ExportJob, target: Path, xlsx_target: Path, attempt: int) -> None:
    """Write the CSV to `target` and the XLSX of the same rows to `xlsx_target`, renewing the job's
    lease at every progress checkpoint of the CSV and before the XLSX."""
    lines = selectors.lines_booked_between(shop=job.shop, date_from=job.date_from, date_to=job.date_to)
    total = lines.count()
    ExportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_done=0)

    def progress(rows: int) -> None:
        if not job_lease_renew(model=ExportJob, pk=job.pk, attempt=attempt, states=EXPORT_JOB_STATES):
            raise JobBusy(f"export job {job.pk} was taken over by another worker")
        ExportJob.objects.filter(pk=job.pk).update(rows_done=min(rows, total))

    with translation.override(job.language):
        chunks = python_csv_chunks(lines, LINE_COLUMNS, progress=progress)
    with target.open("wb") as out:
        for block in chunks:
            out.write(block)
    progress(total)
    with translation.override(job.language):
        header, rows = xlsx_rows(lines, LINE_COLUMNS)
        xlsx_write(xlsx_target, target.name.split(".", 1)[0], header, rows)


def _record_failure(job: ExportJob, attempt: int, error: Exception) -> bool:
    """A failed attempt waits for the outbox's retry; the last allowed one fails the job for good
    (returns True then)."""
    final = attempt >= settings.JOB_MAX_ATTEMPTS
    ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING, attempts=attempt).update(
        status=ExportStatus.FAILED if final else ExportStatus.QUEUED,
        error=str(error)[:2000],
        lease_expires_at=None,
        finished_at=timezone.now() if final else None,
    )
    return final


def export_job_run(*, job: ExportJob) -> ExportJob:
    """Write the job's CSV, and the XLSX beside it, under MEDIA_ROOT/finance/exports/, updating its
    progress as rows are written.
    Runs outside a transaction so the admin sees the progress, under the job's lease: a job another
    worker is writing raises JobBusy (retried later), a job whose worker was lost is restarted from
    its first row, a finished job is left alone (safe to deliver twice). A failed attempt is recorded
    on the job and raised again for the outbox to retry; after JOB_MAX_ATTEMPTS the job is failed
    with the reason."""
    attempt = job_lease_take(model=ExportJob, pk=job.pk, states=EXPORT_JOB_STATES)
    if attempt is None:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    name = f"{EXPORT_FOLDER}/{job.shop.slug}-{job.date_from:%Y%m%d}-{job.date_to:%Y%m%d}-{job.pk}.csv"
    target = Path(settings.MEDIA_ROOT) / name
    # Written aside and renamed when complete: a half-written file is never served.
    xlsx_target = Path(settings.MEDIA_ROOT) / export_job_xlsx_name(name)
    partial = target.with_name(f"{target.name}.{attempt}.part")
    xlsx_partial = xlsx_target.with_name(f"{xlsx_target.name}.{attempt}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(job, partial, xlsx_partial, attempt)
    except Exception as error:
        logger.exception("export job %s failed (attempt %d)", job.pk, attempt)
        for leftover in (partial, xlsx_partial):
            with contextlib.suppress(OSError):  # The folder itself may be what failed.
                leftover.unlink(missing_ok=True)
        if not _record_failure(job, attempt, error):
            raise
        job.refresh_from_db()
        return job
    xlsx_partial.replace(xlsx_target)
    partial.replace(target)
    ExportJob.objects.filter(pk=job.pk, attempts=attempt).update(
        status=ExportStatus.DONE,
        file=name,
        rows_done=F("rows_total"),
        lease_expires_at=None,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
