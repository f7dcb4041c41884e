"""Bookmarks and the play queue a listener saves in one app to pick up in another."""

from library import services as library
from subsonic import serializers
from subsonic.dispatch import Call, find_song, find_songs, method
from subsonic.params import SONG, make_id
from subsonic.queries.queue_bookmarks import play_queue
from subsonic.responses import timestamp


@method("getPlayQueue")
def get_play_queue(call: Call) -> dict:
    queue, songs = play_queue(call.user)
    if queue is None:
        return {}
    return {
        "playQueue": {
            "current": make_id(SONG, queue.current_id) if queue.current_id else None,
            "position": queue.position_ms,
            "username": call.user.get_username(),
            "changed": timestamp(queue.changed_at),
            "changedBy": queue.changed_by,
            "entry": [serializers.child(song) for song in songs],
        }
    }


@method("savePlayQueue")
def save_play_queue(call: Call) -> dict:
    songs = find_songs(call, "id")
    current = None
    if "current" in call.params:
        _, current_pk = call.params.id("current", SONG)
        current = next((song for song in songs if song.pk == current_pk), None)
        if current is None:
            current = find_song(current_pk)
    position = call.params.int("position", 0, minimum=0, maximum=2**62)
    library.play_queue_save(call.user, songs, current, position, call.params.get("c"))
    return {}
