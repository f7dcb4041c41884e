"""Reads of a listener's saved play queue and bookmarks."""

from dataclasses import dataclass

from library import queries as library
from library.models import Bookmark, PlayQueue
from subsonic.queries.songs import SongRow, songs_by_id


@dataclass
class SavedQueue:
    """A saved play queue as apps may resume it: its published songs and which of them plays."""

    queue: PlayQueue
    songs: list[SongRow]
    current_index: int | None
    position_ms: int

    @property
    def current(self) -> SongRow | None:
        return None if self.current_index is None else self.songs[self.current_index]


def play_queue(user) -> SavedQueue | None:
    """Return the user's saved play queue (None when nothing is saved) with its published songs.

    Songs hidden or deleted since the save drop out, and what plays is found again among the
    rest, so that `current` is among the songs and `currentIndex` points at it. When the song
    that played itself is gone, the next one plays (the last, at the end) from its start.
    """
    queue, entries = library.play_queue(user)
    if queue is None:
        return None
    found = songs_by_id(user, [song_id for _, song_id in entries])
    kept = [(position, found[song_id]) for position, song_id in entries if song_id in found]
    songs = [song for _, song in kept]
    playing = _playing_position(queue, entries)
    if playing is None or not songs:
        return SavedQueue(queue, songs, None, queue.position_ms)
    index = sum(1 for position, _ in kept if position < playing)
    if any(position == playing for position, _ in kept):
        return SavedQueue(queue, songs, index, queue.position_ms)
    return SavedQueue(queue, songs, min(index, len(songs) - 1), 0)


def _playing_position(queue: PlayQueue, entries: list[tuple[int, int]]) -> int | None:
    """Return the saved position of the entry that plays, by its index or else by its song."""
    if queue.current_index is not None:
        return queue.current_index
    return next((position for position, song_id in entries if song_id == queue.current_id), None)


def bookmarks(user) -> list[tuple[Bookmark, SongRow]]:
    """Return the user's bookmarks in published songs with each song's row, latest first."""
    marks = list(library.bookmarks(user))
    songs = songs_by_id(user, [mark.song_id for mark in marks])
    return [(mark, songs[mark.song_id]) for mark in marks if mark.song_id in songs]
