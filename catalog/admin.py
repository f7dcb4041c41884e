from django.contrib import admin, messages
from django.utils.html import format_html

from catalog import services
from catalog.models import Album, Artist, Cover, Genre, IngestJob, Song, SongArtist


def cover_thumbnail(cover: Cover | None) -> str:
    if cover is None:
        return "—"
    return format_html('<img src="{}" width="40" height="40" alt="">', cover.url)


class SongArtistInline(admin.TabularInline):
    model = SongArtist
    extra = 0
    autocomplete_fields = ["artist"]


@admin.register(Song)
class SongAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "title",
        "artist",
        "album",
        "duration_display",
        "codec",
        "created_at",
    ]
    list_select_related = ["artist", "album", "cover"]
    list_filter = ["codec", "genres", "created_at"]
    search_fields = ["title", "artist__name", "album__title", "storage_key"]
    autocomplete_fields = ["artist", "album", "genres"]
    readonly_fields = [
        "storage_key",
        "file_size",
        "etag",
        "version_id",
        "content_hash",
        "codec",
        "mime_type",
        "bitrate",
        "sample_rate",
        "channels",
        "duration",
        "created_at",
        "updated_at",
    ]
    inlines = [SongArtistInline]

    @admin.display(description="Cover")
    def thumbnail(self, song: Song) -> str:
        return cover_thumbnail(song.cover)


class AlbumSongInline(admin.TabularInline):
    model = Song
    fields = ["track_number", "disc_number", "title", "artist", "duration"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["disc_number", "track_number"]


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "title", "album_artist", "year"]
    list_select_related = ["album_artist", "cover"]
    search_fields = ["title", "album_artist__name"]
    autocomplete_fields = ["album_artist"]
    inlines = [AlbumSongInline]

    @admin.display(description="Cover")
    def thumbnail(self, album: Album) -> str:
        return cover_thumbnail(album.cover)


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Cover)
class CoverAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "sha256", "mime_type", "width", "height", "created_at"]

    @admin.display(description="Image")
    def thumbnail(self, cover: Cover) -> str:
        return cover_thumbnail(cover)


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ["key", "action", "status", "reason", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "action", "created_at"]
    search_fields = ["key", "reason"]
    readonly_fields = [field.name for field in IngestJob._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Retry the selected jobs")
    def retry(self, request, queryset):
        for job in queryset:
            services.retry_ingest_job(job)
        self.message_user(request, f"Queued {queryset.count()} job(s) again.", messages.SUCCESS)
