"""Background export jobs: the task writes the file under MEDIA_ROOT with its progress; the admin
shows it and lets only the shop's staff download it."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from finance import services
from finance.models import ExportJob, ExportStatus
from sellercenter.errors import InvalidInput
from sellercenter.models import Role
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
