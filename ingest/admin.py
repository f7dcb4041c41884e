"""The curators' view of the ingest: follow and retry jobs, re-read songs' tags.

The catalogue's song admin gains its "re-read metadata" action here, so the catalogue never
imports the ingest: this module registers a subclass of it in its place.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.dateparse import parse_datetime

from catalog.admin import SongAdmin
from catalog.models import Song
from ingest import resync_runs, services, tasks
from ingest.models import IngestJob, Upload


class SongWithIngestAdmin(SongAdmin):
    actions = ["reread_metadata", *SongAdmin.actions]

    @admin.action(description="Re-read metadata from the files", permissions=["change"])
    def reread_metadata(self, request, queryset):
        jobs = services.song_reread_metadata(queryset)
        self.message_user(
            request,
            f"Queued {len(jobs)} ingest job(s) to re-read the tags; see Ingest jobs for results.",
            messages.SUCCESS,
        )


RESYNC_COUNTS = ("listed", "added", "updated", "removed", "unchanged", "skipped", "failed")

admin.site.unregister(Song)
admin.site.register(Song, SongWithIngestAdmin)


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "action",
        "status",
        "reason",
        "uploaded_by",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "action", "created_at"]
    search_fields = ["key", "reason"]
    # A library's import leaves a job a file: counting all of them again on every filtered
    # page (to say "of N total") cost 100 ms at a million jobs.
    show_full_result_count = False
    readonly_fields = [*(field.name for field in IngestJob._meta.fields), "uploaded_by"]
    actions = ["retry"]
    change_list_template = "admin/ingest/ingestjob/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def get_list_display(self, request):
        return _uploader_shown(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return _uploader_shown(request, super().get_fields(request, obj))

    def get_queryset(self, request):
        # Events know no people: the upload of the same object says who put it in the store.
        uploader = Upload.objects.filter(bucket=OuterRef("bucket"), key=OuterRef("key"))
        return (
            super()
            .get_queryset(request)
            .annotate(uploader=Subquery(uploader.values("user__username")[:1]))
        )

    @admin.display(description="uploaded by", ordering="uploader")
    def uploaded_by(self, job: IngestJob) -> str | None:
        return job.uploader

    @admin.action(description="Retry the selected jobs", permissions=["change"])
    def retry(self, request, queryset):
        jobs = list(queryset)
        for job in jobs:
            tasks.retry_ingest_job(job)
        self.message_user(request, f"Queued {len(jobs)} job(s) again.", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "resync/",
                self.admin_site.admin_view(self.resync_view),
                name="ingest_ingestjob_resync",
            ),
            path(
                "resync/status/",
                self.admin_site.admin_view(self.resync_status_view),
                name="ingest_ingestjob_resync_status",
            ),
            *super().get_urls(),
        ]

    def resync_view(self, request):
        """Start a re-sync of the store (POST) and follow its progress live."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if resync_runs.start_resync(settings.RESYNC_PREFIX):
                self.message_user(request, "Re-sync of the store started.", messages.SUCCESS)
            else:
                self.message_user(request, "A re-sync is already running.", messages.WARNING)
            return redirect(request.path)
        status = resync_runs.resync_status()
        report = status["report"] or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Re-sync the store",
            "prefix": settings.RESYNC_PREFIX,
            "status": status,
            "finished_at": parse_datetime(report.get("finished_at") or ""),
            "counts": [(name, report.get(name, 0)) for name in RESYNC_COUNTS],
        }
        return TemplateResponse(request, "admin/ingest/resync.html", context)

    def resync_status_view(self, request):
        """Answer the background re-sync's status and counts as JSON, for the page to poll."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(resync_runs.resync_status())


def _uploader_shown(request, names):
    """Who uploaded an object is shown to those who may look at the uploads themselves."""
    if request.user.has_perm("ingest.view_upload"):
        return names
    return [name for name in names if name != "uploaded_by"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Who put each object in through the upload page or the API (its jobs: search the key)."""

    list_display = ["key", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record is what lets its uploader follow the object's jobs
