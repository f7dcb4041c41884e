"""Bookmarks and the play queue a listener saves in one app to pick up in another (by song id,
or by index for queues that hold a song twice)."""

from django.utils import timezone

from library import services as library
from subsonic import serializers
from subsonic.dispatch import Call, find_song, find_songs, method
from subsonic.params import SONG, make_id
from subsonic.queries import queue_bookmarks as queries
from subsonic.responses import ErrorCode, SubsonicError, timestamp

MAX_POSITION = 2**62


def _queue(call: Call, *, by_index: bool) -> dict:
    """Return the saved queue as apps expect it: always an element, empty when none is saved."""
    saved = queries.play_queue(call.user)
    songs, current = (saved.songs if saved else []), None
    if saved is not None and saved.current is not None:
        current = saved.current_index if by_index else make_id(SONG, saved.current.pk)
    return {
        "currentIndex" if by_index else "current": current,
        "position": saved.position_ms if saved else None,
        "username": call.user.get_username(),
        "changed": timestamp(saved.queue.changed_at if saved else timezone.now()),
        "changedBy": saved.queue.changed_by if saved else "",
        "entry": [serializers.child(song, call.stream_default) for song in songs],
    }


@method("getPlayQueue")
def get_play_queue(call: Call) -> dict:
    return {"playQueue": _queue(call, by_index=False)}


@method("getPlayQueueByIndex")
def get_play_queue_by_index(call: Call) -> dict:
    return {"playQueueByIndex": _queue(call, by_index=True)}


@method("savePlayQueue")
def save_play_queue(call: Call) -> dict:
    songs = find_songs(call, "id")
    current = None
    if "current" in call.params:
        _, current_pk = call.params.id("current", SONG)
        current = next((song for song in songs if song.pk == current_pk), None)
        if current is None:
            current = find_song(current_pk)
    position = call.params.int("position", 0, minimum=0, maximum=MAX_POSITION)
    library.play_queue_save(call.user, songs, position, call.params.get("c"), current=current)
    return {}


@method("savePlayQueueByIndex")
def save_play_queue_by_index(call: Call) -> dict:
    songs = find_songs(call, "id")
    index = call.params.int("currentIndex")
    if songs and index is None:
        index = 0
    if songs and not 0 <= index < len(songs):
        raise SubsonicError(
            ErrorCode.GENERIC, f"currentIndex must be from 0 to {len(songs) - 1}, not {index}"
        )
    position = call.params.int("position", 0, minimum=0, maximum=MAX_POSITION)
    library.play_queue_save(
        call.user, songs, position, call.params.get("c"), current_index=index if songs else None
    )
    return {}


@method("getBookmarks")
def get_bookmarks(call: Call) -> dict:
    return {
        "bookmarks": {
            "bookmark": [
                {
                    "position": mark.position_ms,
                    "username": call.user.get_username(),
                    "comment": mark.comment or None,
                    "created": timestamp(mark.created_at),
                    "changed": timestamp(mark.changed_at),
                    "entry": serializers.child(song, call.stream_default),
                }
                for mark, song in queries.bookmarks(call.user)
            ]
        }
    }


@method("createBookmark")
def create_bookmark(call: Call) -> dict:
    _, pk = call.params.id("id", SONG)
    position = call.params.int("position", required=True, minimum=0, maximum=MAX_POSITION)
    library.bookmark_save(call.user, find_song(pk), position, call.params.get("comment"))
    return {}


@method("deleteBookmark")
def delete_bookmark(call: Call) -> dict:
    _, pk = call.params.id("id", SONG)
    library.bookmark_delete(call.user, find_song(pk))
    return {}
