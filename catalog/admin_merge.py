"""The admin's merge picker: the curator chooses which of the selected rows is kept.

An admin action that returns a page: the first call lists the selected artists or albums with
a radio button each; the confirmation posts back to the same action (as Django's own
"delete selected" does) and calls the merge service with the chosen one as the target.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Model, QuerySet
from django.template.response import TemplateResponse

from catalog import services
from catalog.models import Album, Artist

CONFIRM_FIELD = "merge_confirmed"
KEEP_FIELD = "keep"


@dataclass(frozen=True)
class MergeChoice:
    """One selected row as the picker shows it."""

    pk: int
    label: str
    details: str
    thumbnail_url: str = ""


@dataclass(frozen=True)
class MergeKind:
    """What is merged: names for the page, how to describe a row, and the merge service."""

    noun: str
    plural: str
    annotate: Callable[[QuerySet], QuerySet]
    describe: Callable[[Model], MergeChoice]
    merge: Callable[[Model, Iterable[Model]], int]
    explanation: str


def _songs(count: int) -> str:
    return f"{count} song{'' if count == 1 else 's'}"


def _describe_artist(artist: Artist) -> MergeChoice:
    albums = f"{artist.album_count} album{'' if artist.album_count == 1 else 's'}"
    return MergeChoice(
        pk=artist.pk,
        label=artist.name,
        details=f"{_songs(artist.song_count)}, {albums} · added {artist.created_at:%d %b %Y}",
    )


def _describe_album(album: Album) -> MergeChoice:
    year = album.year or "no year"
    return MergeChoice(
        pk=album.pk,
        label=album.title,
        details=f"by {album.album_artist} · {year} · {_songs(album.song_count)}",
        thumbnail_url=album.cover.url if album.cover_id else "",
    )


ARTISTS = MergeKind(
    noun="artist",
    plural="artists",
    annotate=lambda artists: artists.annotate(
        song_count=Count("songs", distinct=True), album_count=Count("albums", distinct=True)
    ).order_by("-song_count", "pk"),
    describe=_describe_artist,
    merge=services.artists_merge,
    explanation=(
        "The songs, credits and albums of the other artists move to the one you keep, which "
        "takes a sort name or MusicBrainz id it lacks, and the others are deleted; two albums "
        "of the same title become one. Listeners' stars and ratings of the others go to it "
        "(their own of it stay). Rename the kept artist afterwards if its spelling is not the "
        "right one."
    ),
)
ALBUMS = MergeKind(
    noun="album",
    plural="albums",
    annotate=lambda albums: (
        albums.select_related("album_artist", "cover")
        .annotate(song_count=Count("songs"))
        .order_by("-song_count", "pk")
    ),
    describe=_describe_album,
    merge=services.albums_merge,
    explanation=(
        "The songs of the other albums move to the one you keep, which takes what it lacks of "
        "their cover, year and release details; the others are deleted. Listeners' stars and "
        "ratings of them go to it (their own of it stay)."
    ),
)


def merge_with_picker(
    modeladmin: admin.ModelAdmin, request, queryset: QuerySet, kind: MergeKind
) -> TemplateResponse | None:
    """Show the picker, or merge into the row the curator picked; None returns to the list."""
    rows = list(kind.annotate(queryset))
    if len(rows) < 2:
        modeladmin.message_user(
            request, f"Select at least two {kind.plural} to merge.", messages.WARNING
        )
        return None
    error = ""
    if request.POST.get(CONFIRM_FIELD):
        keep = request.POST.get(KEEP_FIELD, "")
        target = next((row for row in rows if str(row.pk) == keep), None)
        if target is not None:
            merged = kind.merge(target, [row for row in rows if row.pk != target.pk])
            modeladmin.message_user(
                request,
                f"Merged {merged} {kind.noun if merged == 1 else kind.plural} "
                f"into \u201c{target}\u201d.",
                messages.SUCCESS,
            )
            return None
        error = f"Choose the {kind.noun} to keep."
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Merge {len(rows)} {kind.plural}",
        "opts": opts,
        "kind": kind,
        "choices": [kind.describe(row) for row in rows],
        "error": error,
        "action_name": request.POST.get("action", "merge"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirm_field": CONFIRM_FIELD,
        "keep_field": KEEP_FIELD,
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request, "admin/catalog/merge_picker.html", context, status=400 if error else 200
    )
