"""Export jobs: files built in the background."""

from django.contrib import admin
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finance import services
from finance.models import ExportJob, ExportStatus
from sellercenter.admin_base import ShopScopedAdmin, ShopScopedForm, adopt_saved


class ExportJobForm(ShopScopedForm):
    class Meta:
        model = ExportJob
        fields = ["shop", "date_from", "date_to", "language"]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", gettext("The range ends before it starts."))
        return cleaned


@admin.register(ExportJob)
class ExportJobAdmin(ShopScopedAdmin):
    """Large exports, written in the background; the list refreshes itself while one is running."""

    change_list_template = "admin/finance/exportjob/change_list.html"
    form = ExportJobForm
    list_display = [
        "created_at",
        "shop",
        "date_from",
        "date_to",
        "language",
        "status",
        "attempts",
        "progress",
        "download",
        "reason",
    ]
    list_filter = ["status"]
    list_select_related = ["shop", "requested_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ExportJobForm.Meta.fields
        return [
            *ExportJobForm.Meta.fields,
            "status",
            "attempts",
            "rows_total",
            "rows_done",
            "error",
            "requested_by",
            "finished_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return format_html(
            '<progress value="{}" max="100" title="{} / {}"></progress> {} %',
            obj.progress_percent,
            obj.rows_done,
            obj.rows_total,
            obj.progress_percent,
        )

    @admin.display(description=_("error"))
    def reason(self, obj):
        return obj.error[:200] if obj.status == ExportStatus.FAILED else ""

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status != ExportStatus.DONE:
            return "—"
        url = reverse("admin:finance_exportjob_download", args=[obj.pk])
        return format_html('<a href="{}">{} CSV</a> · <a href="{}?format=xlsx">XLSX</a>', url, gettext("Download"), url)

    def changelist_view(self, request, extra_context=None):
        busy = self.get_queryset(request).filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).exists()
        return super().changelist_view(request, {**(extra_context or {}), "refresh_seconds": 5 if busy else None})

    def get_urls(self):
        download = path(
            "<path:object_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="finance_exportjob_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, object_id):
        """The job's CSV, or with `?format=xlsx` its XLSX, only for staff of its shop (another shop's job
        is a 404)."""
        job = self.get_object(request, object_id)
        if not self.has_view_permission(request, job) or job.status != ExportStatus.DONE or not job.file:
            raise Http404
        name = job.file.name
        if request.GET.get("format") == "xlsx":
            name = services.export_job_xlsx_name(name)
        if not job.file.storage.exists(name):
            raise Http404
        return FileResponse(job.file.storage.open(name, "rb"), as_attachment=True, filename=name.rsplit("/", 1)[-1])

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        job = services.export_job_create(
            shop=data["shop"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            language=data["language"],
            user=request.user,
        )
        adopt_saved(obj, job)
