"""Reads of a listener's saved play queue."""

from library import queries as library
from library.models import PlayQueue
from subsonic.queries.songs import SongRow, songs_in_order


def play_queue(user) -> tuple[PlayQueue | None, list[SongRow]]:
    """Return the user's saved play queue (None when nothing is saved) and its songs."""
    queue, song_ids = library.play_queue(user)
    return queue, songs_in_order(user, song_ids)
