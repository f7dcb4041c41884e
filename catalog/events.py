"""Live events of the catalogue, built in one place and sent to the channel layer.

A message's "type" names the consumer method that forwards it ("song.added" -> song_added).
"""

import asyncio
import functools
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

SONGS_GROUP = "songs"
SEND_TIMEOUT = 10  # seconds; a layer that hangs must not hold an ingest job forever


_sender_loop: asyncio.AbstractEventLoop | None = None
_sender_pid = 0
_sender_lock = threading.Lock()


def _sender() -> asyncio.AbstractEventLoop:
    """Return this process's event loop for sending to the channel layer, started on first use.

    One long-lived loop instead of async_to_sync's new loop (and thread) per message: a send
    costs a hop to that loop, and the Redis layer keeps its connections between messages.
    """
    global _sender_loop, _sender_pid
    with _sender_lock:
        if _sender_loop is None or _sender_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-events", daemon=True).start()
            _sender_loop, _sender_pid = loop, os.getpid()
        return _sender_loop


def send_to_group(group: str, message: dict) -> None:
    """Send a message to a channel layer group; a failure is logged, never raised."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        sending = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _sender())
        sending.result(timeout=SEND_TIMEOUT)
    except Exception:
        # The row is committed either way; a browser that missed the push sees it on reload.
        logger.exception("could not send %s to the channel layer", message.get("type"))


@functools.cache
def _song_serializer():
    """Return one SongSerializer to shape every event's song (its fields are built once)."""
    from catalog.api.serializers import SongSerializer

    return SongSerializer()


def song_message(kind: str, song_id: int) -> dict | None:
    """Build the message for a song event, the song in the same shape as the REST API's."""
    from catalog.queries import song_list

    song = song_list().filter(pk=song_id).first()
    if song is None:
        return None
    html = render_to_string("catalog/_song_row.html", {"song": song})
    return {"type": kind, "song": _song_serializer().to_representation(song), "html": html}


def send_song_event(kind: str, song_id: int) -> None:
    message = song_message(kind, song_id)
    if message is not None:
        send_to_group(SONGS_GROUP, message)


def send_song_removed(song_id: int) -> None:
    send_to_group(SONGS_GROUP, {"type": "song.removed", "song": {"id": song_id}})
