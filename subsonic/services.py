"""Writes only Subsonic apps make: stars on albums and artists, bulk playlist edits, the play
queue and now playing. Likes, ratings, plays and single playlist edits go through the library
and playlists services, so the site and the REST API see the same state."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Album, Artist, Song
from playlists.models import Playlist, PlaylistItem
from subsonic.models import NowPlaying, PlayQueue, PlayQueueEntry, StarredAlbum, StarredArtist


def album_star(user, album: Album) -> None:
    try:
        with transaction.atomic():
            StarredAlbum.objects.get_or_create(user=user, album=album)
    except IntegrityError:
        pass  # starred by a concurrent request: the other row stands


def album_unstar(user, album: Album) -> None:
    StarredAlbum.objects.filter(user=user, album=album).delete()


def artist_star(user, artist: Artist) -> None:
    try:
        with transaction.atomic():
            StarredArtist.objects.get_or_create(user=user, artist=artist)
    except IntegrityError:
        pass


def artist_unstar(user, artist: Artist) -> None:
    StarredArtist.objects.filter(user=user, artist=artist).delete()


def _lock(playlist: Playlist) -> None:
    Playlist.objects.select_for_update().filter(pk=playlist.pk).values_list("pk").get()


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
    with transaction.atomic():
        _lock(playlist)
        PlaylistItem.objects.filter(playlist=playlist).delete()
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, song=song, position=position)
            for position, song in enumerate(songs)
        )
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


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
        PlaylistItem.objects.bulk_create(
            PlaylistItem(playlist=playlist, song=song, position=length + offset)
            for offset, song in enumerate(add)
        )
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


def now_playing_set(user, song: Song, player: str, started_at: datetime | None = None) -> None:
    """Remember what this player of the user is playing now (one entry per player)."""
    NowPlaying.objects.update_or_create(
        user=user,
        player=player[:200],
        defaults={"song": song, "started_at": started_at or timezone.now()},
    )


def play_queue_save(
    user, songs: Sequence[Song], current: Song | None, position_ms: int, changed_by: str
) -> None:
    """Save the user's play queue; an empty list of songs clears it."""
    with transaction.atomic():
        if not songs:
            PlayQueue.objects.filter(user=user).delete()
            return
        queue, _ = PlayQueue.objects.update_or_create(
            user=user,
            defaults={
                "current": current,
                "position_ms": max(position_ms, 0),
                "changed_by": changed_by[:200],
            },
        )
        queue.entries.all().delete()
        PlayQueueEntry.objects.bulk_create(
            PlayQueueEntry(queue=queue, song=song, position=position)
            for position, song in enumerate(songs)
        )
