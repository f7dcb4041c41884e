"""Live events of the catalogue, built in one place and sent to the channel layer.

A message's "type" names the consumer method that forwards it ("song.added" -> song_added).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

SONGS_GROUP = "songs"
INGEST_GROUP = "ingest"


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The row is committed either way; a browser that missed the push sees it on reload.
        logger.exception("could not send %s to the channel layer", message.get("type"))


def song_message(kind: str, song_id: int) -> dict | None:
    """Build the message for a song event, the song in the same shape as the REST API's."""
    from catalog.api.serializers import SongSerializer
    from catalog.queries import song_list

    song = song_list().filter(pk=song_id).first()
    if song is None:
        return None
    html = render_to_string("catalog/_song_row.html", {"song": song})
    return {"type": kind, "song": SongSerializer(song).data, "html": html}


def send_song_event(kind: str, song_id: int) -> None:
    message = song_message(kind, song_id)
    if message is not None:
        _send(SONGS_GROUP, message)


def send_song_removed(song_id: int) -> None:
    _send(SONGS_GROUP, {"type": "song.removed", "song": {"id": song_id}})


def send_ingest_event(job_id: int, key: str, status: str, reason: str) -> None:
    _send(
        INGEST_GROUP,
        {
            "type": "ingest.finished",
            "job": {"id": job_id, "key": key, "status": status, "reason": reason},
        },
    )
