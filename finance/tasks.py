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
    """Write an export job's file. A job already taken by an earlier delivery is left alone."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return services.export_job_run(job=job).status
