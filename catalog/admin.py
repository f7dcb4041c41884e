"""The curators' tool: browse, fix, hide and merge the catalogue (ingest/admin.py adds jobs).

Actions stay thin: each calls one catalog.services function.
"""

from django.contrib import admin, messages
from django.core.cache import cache
from django.utils.html import format_html

from catalog import admin_merge, search, services
from catalog.models import Album, Artist, Cover, Genre, Song, SongArtist


def cover_thumbnail(cover: Cover | None) -> str:
    if cover is None:
        return "—"
    return format_html('<img src="{}" width="40" height="40" alt="">', cover.url)


class RefreshesSearch:
    """After an edit, rebuild the search documents of the songs whose names it changed."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        search.refresh_search_for(form.instance)


class AnnouncesEdits:
    """After an edit of an artist, album or genre, push song.updated for the songs showing it."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and form.has_changed():
            services.names_announce_edit(form.instance)


CODECS_CACHE_KEY = "catalog:admin:song-codecs"
CODECS_CACHE_SECONDS = 300


def _song_codecs() -> list[str]:
    return list(Song.objects.order_by("codec").values_list("codec", flat=True).distinct())


class CodecFilter(admin.SimpleListFilter):
    """The codecs of the songs, read once every few minutes: Django's own filter asked the
    whole songs table for them on every page of the list (80 ms at 300,000 songs). A codec
    new to the catalogue is offered once its entry expires."""

    title = "codec"
    parameter_name = "codec"

    def lookups(self, request, model_admin):
        codecs = cache.get_or_set(CODECS_CACHE_KEY, _song_codecs, CODECS_CACHE_SECONDS)
        return [(codec, codec) for codec in codecs]

    def queryset(self, request, queryset):
        return queryset.filter(codec=self.value()) if self.value() else queryset


class SongArtistInline(admin.TabularInline):
    model = SongArtist
    extra = 0
    autocomplete_fields = ["artist"]


@admin.register(Song)
class SongAdmin(RefreshesSearch, admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "title",
        "artist",
        "album",
        "time",
        "codec",
        "published",
        "created_at",
    ]
    # The title opens the song; the first column would otherwise, a "—" for songs without a cover.
    list_display_links = ["thumbnail", "title"]
    list_select_related = ["artist", "album", "cover"]
    # No date_hierarchy: its years were a scan of every song on every page; the "created at"
    # filter narrows by date from the index.
    list_filter = ["hidden", CodecFilter, "genres", "created_at"]
    actions = ["hide", "publish"]
    search_fields = ["title", "artist__name", "album__title", "storage_key"]  # see below
    search_help_text = "Words of the title, artists, album or genres; or part of a storage key"
    show_full_result_count = False  # a count of every song again on each filtered page
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

    def get_search_results(self, request, queryset, search_term):
        """Find the songs whose title, artists, album or genres hold every word, as the site's
        search reads them (case, accents and punctuation aside), through its index: a
        substring search of four columns read every row (1.3-1.9 s at 300,000 songs on
        PostgreSQL). A term with a "/" also finds the songs whose storage key holds it."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = search.songs_holding(term, queryset)
        if "/" in term:
            found = found | queryset.filter(storage_key__contains=term)
        return found, False

    def save_related(self, request, form, formsets, change):
        # The song, its genres and its credits are all saved by now; browsers hear of it
        # once the admin's transaction commits.
        super().save_related(request, form, formsets, change)
        was_public = change and not form.initial.get("hidden", False)
        services.song_announce_edit(form.instance, was_public=was_public)

    def delete_model(self, request, obj: Song) -> None:
        services.songs_remove([obj])

    def delete_queryset(self, request, queryset) -> None:
        services.songs_remove(queryset)

    @admin.display(description="Cover")
    def thumbnail(self, song: Song) -> str:
        return cover_thumbnail(song.cover)

    @admin.display(description="Time", ordering="duration")
    def time(self, song: Song) -> str:
        return song.duration_display

    @admin.display(description="Published", boolean=True, ordering="hidden")
    def published(self, song: Song) -> bool:
        return not song.hidden

    @admin.action(description="Hide from the public catalogue", permissions=["change"])
    def hide(self, request, queryset):
        changed = services.songs_set_hidden(queryset, hidden=True)
        self.message_user(request, f"Hid {changed} song(s).", messages.SUCCESS)

    @admin.action(description="Publish to the public catalogue", permissions=["change"])
    def publish(self, request, queryset):
        changed = services.songs_set_hidden(queryset, hidden=False)
        self.message_user(request, f"Published {changed} song(s).", messages.SUCCESS)


class AlbumSongInline(admin.TabularInline):
    model = Song
    fields = ["track_number", "disc_number", "title", "artist", "duration"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["disc_number", "track_number"]


@admin.register(Album)
class AlbumAdmin(AnnouncesEdits, RefreshesSearch, admin.ModelAdmin):
    list_display = ["thumbnail", "title", "album_artist", "year", "created_at"]
    list_select_related = ["album_artist", "cover"]
    list_filter = ["year", "created_at"]
    search_fields = ["title", "album_artist__name"]
    autocomplete_fields = ["album_artist", "cover"]
    inlines = [AlbumSongInline]
    actions = ["merge"]

    @admin.display(description="Cover")
    def thumbnail(self, album: Album) -> str:
        return cover_thumbnail(album.cover)

    @admin.action(
        description="Merge the selected albums (you choose which to keep)…", permissions=["change"]
    )
    def merge(self, request, queryset):
        return admin_merge.merge_with_picker(self, request, queryset, admin_merge.ALBUMS)


@admin.register(Artist)
class ArtistAdmin(AnnouncesEdits, RefreshesSearch, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name"]
    actions = ["merge"]

    @admin.action(
        description="Merge the selected artists (you choose which to keep)…", permissions=["change"]
    )
    def merge(self, request, queryset):
        return admin_merge.merge_with_picker(self, request, queryset, admin_merge.ARTISTS)


@admin.register(Genre)
class GenreAdmin(AnnouncesEdits, RefreshesSearch, admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Cover)
class CoverAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "sha256", "mime_type", "width", "height", "created_at"]
    search_fields = ["sha256"]

    @admin.display(description="Image")
    def thumbnail(self, cover: Cover) -> str:
        return cover_thumbnail(cover)
