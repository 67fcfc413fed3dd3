"""Finance's background work: closing statements at period end (beat) and export jobs."""

from celery import shared_task

from finance import services
from finance.models import ExportJob


@shared_task(acks_late=True)
def statements_close_due() -> int:
    """Close every statement whose period has ended. Safe to run twice."""
    return services.statements_close_due()


@shared_task(acks_late=True)
def export_job_run(job_id: int) -> str:
    """Write an export job's file under the job's lease: a finished job is left alone, a job whose
    worker was lost is restarted, a job another worker is writing raises JobBusy (retried later)."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return services.export_job_run(job=job).status
