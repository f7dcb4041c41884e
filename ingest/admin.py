"""The curators' view of the ingest: follow and retry jobs, re-read songs' tags.

The catalogue's song admin gains its "re-read metadata" action here, so the catalogue never
imports the ingest: this module registers a subclass of it in its place.
"""

from django.contrib import admin, messages

from catalog.admin import SongAdmin
from catalog.models import Song
from ingest import services, tasks
from ingest.models import IngestJob


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


admin.site.unregister(Song)
admin.site.register(Song, SongWithIngestAdmin)


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ["key", "action", "status", "reason", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "action", "created_at"]
    search_fields = ["key", "reason"]
    readonly_fields = [field.name for field in IngestJob._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Retry the selected jobs", permissions=["change"])
    def retry(self, request, queryset):
        jobs = list(queryset)
        for job in jobs:
            tasks.retry_ingest_job(job)
        self.message_user(request, f"Queued {len(jobs)} job(s) again.", messages.SUCCESS)
