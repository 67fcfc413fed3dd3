"""Background export jobs: the task writes the file under MEDIA_ROOT with its progress; the admin
shows it and lets only the shop's staff download it."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services
from finance.models import EXPORT_JOB_STATES, ExportJob, ExportStatus
from sellercenter.errors import InvalidInput
from sellercenter.leases import JobBusy, job_lease_renew, job_lease_take
from sellercenter.models import OutboxMessage, OutboxStatus, Role
from sellercenter.outbox import outbox_relay
from sellercenter.spreadsheet import BOM
from tests.finance.factories import adjustment
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def today(shop):
    return timezone.localdate(timezone=shop.tzinfo)


def test_a_job_writes_the_csv_once_its_transaction_commits(shop, owner, media, django_capture_on_commit_callbacks):
    for amount in ("1000", "-2000", "3000"):
        adjustment(shop, amount, reason="Điều chỉnh đối soát")

    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(
            shop=shop, date_from=today(shop), date_to=today(shop), language="vi", user=owner
        )

    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_done, job.progress_percent) == (ExportStatus.DONE, 3, 3, 100)
    assert job.file.name.startswith("finance/exports/hoa-mai-") and (media / job.file.name).exists()
    text = (media / job.file.name).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))
    assert text.startswith(BOM) and rows[0][0] == "Sao kê" and len(rows) == 4


def test_a_job_runs_once_however_often_it_is_delivered(shop):
    job = ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop))

    services.export_job_run(job=job)
    first_file = ExportJob.objects.get(pk=job.pk).file.name
    services.export_job_run(job=ExportJob.objects.get(pk=job.pk))

    assert ExportJob.objects.get(pk=job.pk).file.name == first_file


def test_a_reversed_range_is_refused(shop):
    with pytest.raises(InvalidInput) as error:
        services.export_job_create(shop=shop, date_from=today(shop), date_to=today(shop) - timedelta(days=1))

    assert "date_to" in error.value.fields
    assert not ExportJob.objects.exists()


def test_the_admin_requests_shows_and_serves_the_file_to_the_shops_staff_only(
    client, shop, other_shop, django_capture_on_commit_callbacks
):
    adjustment(shop, "1000")
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    data = {"shop": shop.pk, "date_from": today(shop), "date_to": today(shop), "language": "en"}

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:finance_exportjob_add"), data).status_code == 302

    job = ExportJob.objects.get()
    listing = client.get(reverse("admin:finance_exportjob_changelist"))
    download_url = reverse("admin:finance_exportjob_download", args=[job.pk])
    assert download_url in listing.content.decode()
    download = client.get(download_url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(BOM.encode())

    client.force_login(staff_user(other_shop, Role.OWNER))
    assert client.get(download_url).status_code == 404


def test_the_list_refreshes_itself_while_a_job_runs(client, shop):
    ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop))
    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    assert b'http-equiv="refresh"' in client.get(reverse("admin:finance_exportjob_changelist")).content


def lost_worker(job, *, attempts=1, rows_done=0):
    """The state a worker killed mid-export leaves: running, its lease expired, part of the rows written."""
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING,
        attempts=attempts,
        rows_total=3,
        rows_done=rows_done,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )


def test_a_job_whose_worker_was_lost_is_restarted_by_the_next_delivery(shop, media):
    for amount in ("1000", "-2000", "3000"):
        adjustment(shop, amount)
    job = ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop))
    lost_worker(job, rows_done=2)

    job = services.export_job_run(job=job)

    assert (job.status, job.attempts, job.rows_done, job.lease_expires_at) == (ExportStatus.DONE, 2, 3, None)
    assert len((media / job.file.name).read_text(encoding="utf-8-sig").splitlines()) == 4
    assert not list(media.rglob("*.part"))


def test_a_job_under_a_live_lease_is_left_to_its_worker_and_retried_later(shop):
    job = ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() + timedelta(minutes=1)
    )

    with pytest.raises(JobBusy):
        services.export_job_run(job=job)
    assert ExportJob.objects.get(pk=job.pk).attempts == 1


def test_a_job_lost_too_often_fails_with_the_reason(shop, settings):
    job = ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop))
    lost_worker(job, attempts=settings.JOB_MAX_ATTEMPTS)

    job = services.export_job_run(job=job)

    assert job.status == ExportStatus.FAILED
    assert f"{settings.JOB_MAX_ATTEMPTS} times" in job.error
    assert job.finished_at is not None


def test_a_worker_whose_job_was_taken_over_cannot_renew_its_lease(shop):
    job = ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop))
    first = job_lease_take(model=ExportJob, pk=job.pk, states=EXPORT_JOB_STATES)
    ExportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    second = job_lease_take(model=ExportJob, pk=job.pk, states=EXPORT_JOB_STATES)

    assert (first, second) == (1, 2)
    assert job_lease_renew(model=ExportJob, pk=job.pk, attempt=first, states=EXPORT_JOB_STATES) is False
    assert job_lease_renew(model=ExportJob, pk=job.pk, attempt=second, states=EXPORT_JOB_STATES) is True


def test_a_failing_export_is_retried_through_the_outbox_then_failed_for_the_user(
    shop, owner, media, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = media / "missing" / "file-not-a-folder"
    (media / "missing").write_text("a file where the export folder should be")

    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(shop=shop, date_from=today(shop), date_to=today(shop), user=owner)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ExportStatus.QUEUED, 1) and job.error
    message = OutboxMessage.objects.get(key=f"export-job:{job.pk}")
    assert message.status == OutboxStatus.PENDING and "Error" in message.last_error

    for _attempt in range(settings.JOB_MAX_ATTEMPTS - 1):
        OutboxMessage.objects.update(available_at=timezone.now())
        outbox_relay()

    job.refresh_from_db()
    message.refresh_from_db()
    assert (job.status, job.attempts) == (ExportStatus.FAILED, settings.JOB_MAX_ATTEMPTS)
    assert message.status == OutboxStatus.DONE


def test_a_job_writes_the_same_rows_as_xlsx_and_the_admin_serves_it(client, shop, media):
    import openpyxl

    for amount in ("1000", "-2000"):
        adjustment(shop, amount, reason="Điều chỉnh đối soát")
    job = services.export_job_run(job=ExportJob.objects.create(shop=shop, date_from=today(shop), date_to=today(shop)))
    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    url = reverse("admin:finance_exportjob_download", args=[job.pk])
    assert f"{url}?format=xlsx" in client.get(reverse("admin:finance_exportjob_changelist")).content.decode()
    download = client.get(url, {"format": "xlsx"})

    assert download.status_code == 200 and download["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[0] == "Sao kê" and len(rows) == 3
    assert sorted(row[header.index("Số tiền thực nhận")] for row in rows[1:]) == [-2000, 1000]
    assert rows[1][-1] == "Điều chỉnh đối soát"
