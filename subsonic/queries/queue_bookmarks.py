"""Reads of a listener's saved play queue and bookmarks."""

from library import queries as library
from library.models import Bookmark, PlayQueue
from subsonic.queries.songs import SongRow, songs_by_id, songs_in_order


def play_queue(user) -> tuple[PlayQueue | None, list[SongRow]]:
    """Return the user's saved play queue (None when nothing is saved) and its songs."""
    queue, song_ids = library.play_queue(user)
    return queue, songs_in_order(user, song_ids)


def bookmarks(user) -> list[tuple[Bookmark, SongRow]]:
    """Return the user's bookmarks in published songs with each song's row, latest first."""
    marks = list(library.bookmarks(user))
    songs = songs_by_id(user, [mark.song_id for mark in marks])
    return [(mark, songs[mark.song_id]) for mark in marks if mark.song_id in songs]
