"""Reads of playlists, with the visibility rule: private playlists exist only for their owner."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from library.queries import listener_songs
from playlists.models import Playlist, PlaylistItem

COVER_CANDIDATES = 16
COVER_TILES = 4


def playlists_visible_to(user) -> QuerySet[Playlist]:
    """Return the playlists this user may see: their own and everyone's public ones."""
    if user is None or not user.is_authenticated:
        return Playlist.objects.filter(is_public=True)
    return Playlist.objects.filter(Q(is_public=True) | Q(owner=user))


def playlist_list(user, *, mine: bool = False) -> QuerySet[Playlist]:
    """Return visible playlists with their owner, track count and cover candidates."""
    playlists = playlists_visible_to(user)
    if mine:
        playlists = playlists.filter(owner=user) if user.is_authenticated else playlists.none()
    covered = (
        PlaylistItem.objects.filter(song__hidden=False, song__album__cover__isnull=False)
        .select_related("song__album__cover")
        .order_by("playlist_id", "position", "id")
    )
    return (
        playlists.select_related("owner")
        .annotate(track_count=Count("items", filter=Q(items__song__hidden=False)))
        .prefetch_related(
            Prefetch("items", queryset=covered[:COVER_CANDIDATES], to_attr="covered_items")
        )
        .order_by("-updated_at", "-id")
    )


def playlist_detail(user, playlist_id: int) -> Playlist:
    """Return one visible playlist with its tracks in order, each song carrying `liked`/`rating`."""
    tracks = (
        PlaylistItem.objects.filter(song__hidden=False)
        .order_by("position", "id")
        .prefetch_related(Prefetch("song", queryset=listener_songs(user)))
    )
    playlist = (
        playlist_list(user)
        .prefetch_related(Prefetch("items", queryset=tracks, to_attr="tracks"))
        .filter(pk=playlist_id)
        .first()
    )
    if playlist is None:
        raise Http404("No such playlist.")
    return playlist


def access_playlist(user, playlist_id: int, *, change: bool = False) -> Playlist:
    """Fetch a playlist the user may see (404 otherwise); with change=True, only its owner may."""
    playlist = playlists_visible_to(user).filter(pk=playlist_id).first()
    if playlist is None:
        raise Http404("No such playlist.")
    if change and playlist.owner_id != user.pk:
        raise PermissionDenied("Only the playlist's owner may change it.")
    return playlist


def access_playlist_item(playlist: Playlist, item_id: int) -> PlaylistItem:
    item = PlaylistItem.objects.filter(playlist=playlist, pk=item_id).first()
    if item is None:
        raise Http404("No such track in this playlist.")
    return item


def visible_neighbour(playlist: Playlist, item: PlaylistItem, direction: str):
    """Return the listed track just above ("up") or below ("down") an item, or None."""
    listed = PlaylistItem.objects.filter(playlist=playlist, song__hidden=False)
    if direction == "up":
        return listed.filter(position__lt=item.position).order_by("-position", "-id").first()
    return listed.filter(position__gt=item.position).order_by("position", "id").first()


def cover_urls(playlist: Playlist) -> list[str]:
    """Return up to four distinct album cover URLs from the top of the playlist."""
    urls: list[str] = []
    for item in getattr(playlist, "covered_items", []):
        url = item.song.album.cover.url
        if url not in urls:
            urls.append(url)
        if len(urls) == COVER_TILES:
            break
    return urls
