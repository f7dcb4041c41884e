"""Reads for media retrieval: the file behind a song, cover art, lyrics."""

from catalog.models import Cover, Song, name_key
from catalog.transcoding import SONG_FIELDS
from playlists.models import Playlist, PlaylistItem
from playlists.queries import playlists_visible_to


def cover_for(kind: str, pk: int) -> Cover | None:
    """Return the cover of an album, song, artist (their newest album's) or playlist."""
    if kind == "al":
        return Cover.objects.filter(albums__pk=pk).first()
    if kind == "tr":
        found = (
            Song.objects.filter(pk=pk, hidden=False).select_related("cover", "album__cover").first()
        )
        if found is None:
            return None
        return found.cover or (found.album.cover if found.album else None)
    if kind == "ar":
        return (
            Cover.objects.filter(albums__album_artist_id=pk)
            .order_by("-albums__year", "albums__pk")
            .first()
        )
    if kind == "pl":
        first = (
            PlaylistItem.objects.filter(
                playlist_id=pk, song__hidden=False, song__album__cover__isnull=False
            )
            .order_by("position", "id")
            .select_related("song__album__cover")
            .first()
        )
        return first.song.album.cover if first else None
    return None


def song_with_lyrics(artist_name: str, title: str) -> Song | None:
    """Find a published song with lyrics by its artist's name and its title (getLyrics)."""
    songs = Song.objects.filter(hidden=False).exclude(lyrics="").select_related("artist")
    if artist_name.strip():
        songs = songs.filter(artists__name_key=name_key(artist_name))
    if not title.strip():
        return None
    return songs.filter(title__iexact=title.strip()).order_by("pk").first()


def stored_song(user, song_id: int) -> Song | None:
    """Return a published song with what sending its file needs."""
    return Song.objects.filter(hidden=False, pk=song_id).only("title", *SONG_FIELDS).first()


def described_song(user, song_id: int) -> Song | None:
    """Return a published song with what sending its file and describing its stream need."""
    fields = ("title", "sample_rate", "channels", "bit_depth", *SONG_FIELDS)
    return Song.objects.filter(hidden=False, pk=song_id).only(*fields).first()


def song_with_artist(user, song_id: int) -> Song | None:
    """Return a published song with its artist (for its lyrics)."""
    return Song.objects.filter(hidden=False, pk=song_id).select_related("artist").first()


def visible_playlist(user, playlist_id: int) -> Playlist | None:
    """Return the playlist when this user may see it."""
    return playlists_visible_to(user).filter(pk=playlist_id).only("pk", "name").first()
