"""Writes to playlists. Each locks its playlist row, so concurrent edits keep positions dense."""

import unicodedata
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Song
from playlists.models import Playlist, PlaylistItem

# As Spotify's: bounds a playlist's answer (about 600 bytes an entry) and the rows an
# insertion at the top renumbers.
MAX_PLAYLIST_ENTRIES = 10_000


class InvalidPosition(ValueError):
    """The position is outside the playlist; str() says why."""


class PlaylistFull(ValueError):
    """The edit would take the playlist past MAX_PLAYLIST_ENTRIES; str() says so."""


def _check_room(length: int, adding: int) -> None:
    if length + adding > MAX_PLAYLIST_ENTRIES:
        raise PlaylistFull(f"a playlist holds at most {MAX_PLAYLIST_ENTRIES:,} songs")


# Bidirectional overrides and isolates: in a public playlist's name they make it read as
# something else ("\u202eevil" shows as "live").
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
UNTITLED = "Untitled playlist"


def printable(text: str, *, lines: bool = False) -> str:
    """Return `text` without control characters or bidi overrides (a description keeps its
    line breaks and tabs); every way in (API, pages, Subsonic) writes through here."""
    kept = "\n\t" if lines else ""
    text = text.translate(_BIDI_CONTROLS)
    return "".join(c for c in text if c in kept or unicodedata.category(c) != "Cc")


def playlist_create(owner, *, name: str, description: str = "", is_public: bool = False):
    return Playlist.objects.create(
        owner=owner,
        name=printable(name).strip() or UNTITLED,
        description=printable(description, lines=True),
        is_public=is_public,
    )


def playlist_update(playlist: Playlist, **changes) -> Playlist:
    """Rename, describe or publish a playlist; only the given fields change."""
    allowed = {"name", "description", "is_public"}
    if "name" in changes:
        changes["name"] = printable(changes["name"]).strip() or UNTITLED
    if "description" in changes:
        changes["description"] = printable(changes["description"], lines=True)
    fields = [field for field in changes if field in allowed]
    for field in fields:
        setattr(playlist, field, changes[field])
    if fields:
        playlist.save(update_fields=[*fields, "updated_at"])
    return playlist


def playlist_delete(playlist: Playlist) -> None:
    playlist.delete()


def _lock(playlist: Playlist) -> int:
    """Lock the playlist row; return its number of items."""
    Playlist.objects.select_for_update().filter(pk=playlist.pk).values_list("pk").get()
    return PlaylistItem.objects.filter(playlist=playlist).count()


def _touch(playlist: Playlist) -> None:
    Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


def playlist_add_song(playlist: Playlist, song: Song, position: int | None = None) -> PlaylistItem:
    """Insert a song at a position (0 is the top), or at the end when none is given."""
    with transaction.atomic():
        length = _lock(playlist)
        _check_room(length, 1)
        if position is None:
            position = length
        elif not 0 <= position <= length:
            raise InvalidPosition(f"position must be from 0 to {length} for this playlist")
        PlaylistItem.objects.filter(playlist=playlist, position__gte=position).update(
            position=F("position") + 1
        )
        item = PlaylistItem.objects.create(playlist=playlist, song=song, position=position)
        _touch(playlist)
    return item


def playlist_remove_item(playlist: Playlist, item: PlaylistItem) -> None:
    """Take one entry off a playlist and close the gap it leaves."""
    with transaction.atomic():
        _lock(playlist)
        deleted, _ = PlaylistItem.objects.filter(pk=item.pk, playlist=playlist).delete()
        if deleted:
            PlaylistItem.objects.filter(playlist=playlist, position__gt=item.position).update(
                position=F("position") - 1
            )
        _touch(playlist)


def playlist_move_item(playlist: Playlist, item: PlaylistItem, position: int) -> PlaylistItem:
    """Move one entry to a new position (0 is the top), shifting the ones in between."""
    with transaction.atomic():
        length = _lock(playlist)
        if not 0 <= position < length:
            raise InvalidPosition(f"position must be from 0 to {length - 1} for this playlist")
        item = PlaylistItem.objects.get(pk=item.pk, playlist=playlist)
        old = item.position
        entries = PlaylistItem.objects.filter(playlist=playlist).exclude(pk=item.pk)
        if position < old:
            entries.filter(position__gte=position, position__lt=old).update(
                position=F("position") + 1
            )
        elif position > old:
            entries.filter(position__gt=old, position__lte=position).update(
                position=F("position") - 1
            )
        item.position = position
        item.save(update_fields=["position"])
        _touch(playlist)
    return item


def _renumber(playlist: Playlist) -> None:
    """Make positions dense again (0, 1, 2...) after entries went away."""
    items = list(PlaylistItem.objects.filter(playlist=playlist).order_by("position", "id"))
    changed = []
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            changed.append(item)
    PlaylistItem.objects.bulk_update(changed, ["position"])


def playlist_set_songs(playlist: Playlist, songs: Sequence[Song]) -> None:
    """Replace every entry of a playlist with these songs, in this order."""
    _check_room(0, len(songs))
    with transaction.atomic():
        _lock(playlist)
        PlaylistItem.objects.filter(playlist=playlist).delete()
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, song=song, position=position)
            for position, song in enumerate(songs)
        )
        _touch(playlist)


def playlist_edit_songs(
    playlist: Playlist, *, remove_indexes: Iterable[int], add: Sequence[Song]
) -> None:
    """Remove entries by their index in the listing apps see (published songs only), then
    append songs, as Subsonic's updatePlaylist does: indexes refer to the list before the edit."""
    with transaction.atomic():
        _lock(playlist)
        visible = list(
            PlaylistItem.objects.filter(playlist=playlist, song__hidden=False)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        doomed = [visible[index] for index in set(remove_indexes) if 0 <= index < len(visible)]
        if doomed:
            PlaylistItem.objects.filter(pk__in=doomed).delete()
            _renumber(playlist)
        length = PlaylistItem.objects.filter(playlist=playlist).count()
        _check_room(length, len(add))
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, song=song, position=length + offset)
            for offset, song in enumerate(add)
        )
        _touch(playlist)


def playlist_songs_move(replacements: dict[int, int]) -> None:
    """Put each new song ({old song id: new song id}) in the old one's playlist places: the
    same recording under another key."""
    for old, new in replacements.items():
        PlaylistItem.objects.filter(song_id=old).update(song_id=new)
