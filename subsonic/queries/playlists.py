"""Reads of the playlists a listener may see, with their counts and songs."""

from django.db.models import Count, Q, QuerySet, Sum

from playlists.models import Playlist, PlaylistItem
from playlists.queries import playlists_visible_to
from subsonic.queries.songs import SongRow, songs_in_order


def playlists(user) -> QuerySet[Playlist]:
    """Return the playlists this user may see, with their song count and length."""
    visible = Q(items__song__hidden=False)
    return (
        playlists_visible_to(user)
        .select_related("owner")
        .annotate(
            song_count=Count("items", filter=visible),
            total_duration=Sum("items__song__duration", filter=visible),
        )
        .order_by("-updated_at", "-id")
    )


def playlist(user, playlist_id: int) -> Playlist | None:
    return playlists(user).filter(pk=playlist_id).first()


def playlist_songs(user, playlist: Playlist) -> list[SongRow]:
    """Return a playlist's published songs in order (a song may appear twice)."""
    items = PlaylistItem.objects.filter(playlist=playlist).order_by("position", "id")
    return songs_in_order(user, list(items.values_list("song_id", flat=True)))
