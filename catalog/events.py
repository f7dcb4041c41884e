"""Live events of the catalogue, built in one place and sent to the channel layer.

A message's "type" names the consumer method that forwards it ("song.added" -> song_added).
Services call announce_song(); the songs of one transaction go out together after it commits.
The frame a page gets is written to JSON once, here, and travels as that text: every open
page's consumer sends it as it is (see framed).
"""

import asyncio
import functools
import json
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import transaction

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


def framed(frame: dict) -> dict:
    """Return the channel layer message for a frame to pages: its type, and the frame's JSON.

    Written once for every open page: a frame of 50 songs is about 90 KB of JSON, which each
    page's consumer wrote again for itself (0.3 ms), after the in-memory layer deep-copied it
    for each (0.55 ms). A text is neither copied nor written again.
    """
    return {"type": frame["type"], "frame": json.dumps(frame)}


def frame_of(message: dict) -> dict:
    """Return the frame a page gets for a message of the songs group (framed or not)."""
    text = message.get("frame")
    return message if text is None else json.loads(text)


def send_many_to_group(group: str, messages: list[dict]) -> None:
    """Send messages to a group in one hop to the sender loop; a failure is logged, never raised."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for message in messages:
            await layer.group_send(group, message)

    try:
        asyncio.run_coroutine_threadsafe(send_all(), _sender()).result(timeout=SEND_TIMEOUT)
    except Exception:
        # The rows are committed either way; a browser that missed the push sees it on reload.
        kinds = ", ".join(sorted({str(message.get("type")) for message in messages}))
        logger.exception("could not send %s to the channel layer", kinds)


@functools.cache
def _song_serializer():
    """Return one SongSerializer to shape every event's song (its fields are built once)."""
    from catalog.api.serializers import SongSerializer

    return SongSerializer()


# --- songs added, updated and removed: one burst per transaction ----------------------------

ADDED, UPDATED, REMOVED = "song.added", "song.updated", "song.removed"
BURST_TYPES = {ADDED: "songs.added", UPDATED: "songs.updated", REMOVED: "songs.removed"}
SONGS_PER_MESSAGE = 50  # rows in one songs.added / songs.updated frame: a page's worth
IDS_PER_MESSAGE = 1000  # ids in one songs.removed frame


class SongBurst:
    """The songs one transaction added, updated or removed, announced together after commit.

    One song makes the message it always made (song.added, song.updated, song.removed);
    several make one songs.* frame per kind, bounded in size: songs.added carries the newest
    SONGS_PER_MESSAGE (what a page of new songs shows) and the count of all; updates go in
    frames of SONGS_PER_MESSAGE, removals in frames of IDS_PER_MESSAGE ids.

    A burst keeps every song announced in its transaction, even in a savepoint rolled back
    later, so it reads the committed rows when it sends: a song that is not there (or not
    public) is not announced as added or updated, nor one still public as removed.
    """

    def __init__(self, *, checked: bool = True) -> None:
        self.kinds: dict[int, str] = {}  # song id -> its kind, in the order first announced
        self.checked = checked  # False outside a transaction: nothing can have rolled back
        self.sent = False

    def add(self, kind: str, song_id: int) -> None:
        earlier = self.kinds.get(song_id)
        # A song added and then updated in the same transaction is still news to a page.
        self.kinds[song_id] = ADDED if (earlier, kind) == (ADDED, UPDATED) else kind

    def send(self) -> None:
        """Send the burst's messages (once: every savepoint that saw it registered this)."""
        if self.sent:
            return
        self.sent = True
        from catalog.changes import catalogue_mark_changed

        # Whatever open pages hear of changed the catalogue apps see: date it for them too.
        catalogue_mark_changed()
        send_many_to_group(SONGS_GROUP, [framed(message) for message in self.messages()])

    def messages(self) -> list[dict]:
        by_kind: dict[str, list[int]] = {REMOVED: [], UPDATED: [], ADDED: []}
        for song_id, kind in self.kinds.items():
            by_kind[kind].append(song_id)
        return [
            *self._removed(by_kind[REMOVED]),
            *self._updated(by_kind[UPDATED]),
            *self._added(by_kind[ADDED]),
        ]

    def _removed(self, song_ids: list[int]) -> list[dict]:
        if self.checked and song_ids:
            public = _published(song_ids)
            song_ids = [song_id for song_id in song_ids if song_id not in public]
        return [
            {"type": REMOVED, "song": {"id": chunk[0]}}
            if len(chunk) == 1
            else {"type": BURST_TYPES[REMOVED], "songs": [{"id": pk} for pk in chunk]}
            for chunk in _chunks(song_ids, IDS_PER_MESSAGE)
        ]

    def _updated(self, song_ids: list[int]) -> list[dict]:
        from catalog.queries import public_songs_listed

        chunks = (public_songs_listed(chunk) for chunk in _chunks(song_ids, SONGS_PER_MESSAGE))
        return [_songs_message(UPDATED, songs, len(songs)) for songs in chunks if songs]

    def _added(self, song_ids: list[int]) -> list[dict]:
        from catalog.queries import public_songs_listed

        if not song_ids:
            return []
        # Newest first, as the page lists them: the first SONGS_PER_MESSAGE are its first page.
        newest = public_songs_listed(song_ids, newest=SONGS_PER_MESSAGE)
        fits = len(song_ids) <= SONGS_PER_MESSAGE
        count = len(newest) if fits else len(_published(song_ids))
        return [_songs_message(ADDED, newest, count)] if newest else []


def _chunks(song_ids: list[int], size: int) -> list[list[int]]:
    return [song_ids[start : start + size] for start in range(0, len(song_ids), size)]


def _published(song_ids: list[int]) -> set[int]:
    """Return the ids of the public songs among these."""
    from catalog.batch import rows_among
    from catalog.models import Song

    return {pk for (pk,) in rows_among(Song, ["pk"], id=song_ids, hidden=[False])}


def _songs_message(kind: str, songs: list, count: int) -> dict:
    """Build a frame of songs, each as the REST API shapes it and as the page renders its row.

    A frame of one song is the single-song message pages have always had.
    """
    from catalog.rows import song_rows

    shaped = [_song_serializer().to_representation(song) for song in songs]
    rows = song_rows(songs)
    if count == 1:
        return {"type": kind, "song": shaped[0], "html": rows[0]}
    return {"type": BURST_TYPES[kind], "songs": shaped, "html": rows, "count": count}


def announce_song(kind: str, song_id: int, using: str | None = None) -> None:
    """Tell open pages that a song was added, updated or removed, once the write commits.

    Every song announced in one transaction goes out in one burst (see SongBurst), so a batch
    of ingest jobs or a curator's bulk edit costs a frame or a few, not one per song. Outside
    a transaction the song is announced at once.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        burst = SongBurst(checked=False)
        burst.add(kind, song_id)
        burst.send()
        return
    burst = _open_burst(connection)
    if burst is None:
        burst = SongBurst()
    burst.add(kind, song_id)
    # Registered again in each savepoint, so a savepoint rolled back never takes the burst's
    # only send with it; the burst sends once.
    if not connection.run_on_commit or connection.run_on_commit[-1][:2] != (
        set(connection.savepoint_ids),
        burst.send,
    ):
        # Robust: the rows are committed either way, and the commit's other hooks still run.
        transaction.on_commit(burst.send, using=using, robust=True)


def _open_burst(connection) -> SongBurst | None:
    """Return the burst the connection's current transaction is collecting, if any.

    The transaction's commit hooks are the burst's home: a rolled-back transaction drops them
    and its burst with them, and a committed one has sent its burst.
    """
    for _, hook, _ in reversed(connection.run_on_commit):
        burst = getattr(hook, "__self__", None)
        if isinstance(burst, SongBurst):
            return None if burst.sent else burst
    return None
