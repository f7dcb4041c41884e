"""A lean ASGI app for song streams: the bytes a player asks for, without the site's stack.

A stream request needs no session, CSRF check, messages, authentication (streams are public),
REST framework negotiation, request signals or per-request database connection, and under
Django's ASGI handler each of those steps costs a hop to a worker thread. SongStreams answers
GET /api/v1/songs/<id>/stream/ itself, on the event loop: it checks the host against
ALLOWED_HOSTS, finds the song in a small in-process cache (SongLookup), reads the range with
pread from the page cache (a worker thread only when the disk would block), and sends the
headers the whole site would (catalog.media's range answer, the security, framing and
content-security headers of the middleware that sets them, the REST view's Vary and Allow),
or the hand-off to a front proxy (MEDIA_SENDFILE). Anything out of the ordinary (query
parameters, another host, a song it does not know or that is hidden, a missing file, S3) goes
to the whole Django application, which answers it as before.
"""

import asyncio
import os
import re
import time
from dataclasses import dataclass
from io import BytesIO

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIRequest
from django.core.signals import setting_changed
from django.db import close_old_connections, transaction
from django.db.models.signals import post_delete, post_save
from django.middleware.security import SecurityMiddleware

from catalog.lean_http import (
    allowed_host,
    encoded,
    headers_of,
    is_secure,
    middleware_headers,
    no_view,
    send_whole,
)
from catalog.media import (
    CHUNK_SIZE,
    Missing,
    file_headers,
    handed_off,
    is_s3,
    open_local,
)
from catalog.models import Song
from catalog.ranges import local_slice
from catalog.signals import songs_changed

STREAM_PATH = re.compile(r"^/api/v1/songs/(\d{1,18})/stream/$")
# What the REST framework and the session middleware add to a stream answered the long way.
API_HEADERS = {"Vary": "Accept, Cookie", "Allow": "GET, HEAD, OPTIONS"}
# Songs the cache holds at most; past it, expired entries go, then all of them.
MAX_SONGS = 10_000
# Linux reads what the page cache holds without waiting for the disk (RWF_NOWAIT), or says
# it would wait; elsewhere every read goes to a worker thread.
NOWAIT = getattr(os, "RWF_NOWAIT", None)


@dataclass(frozen=True)
class StreamableSong:
    """What streaming a song takes: the file (key and local path) and its type."""

    storage_key: str
    mime_type: str
    path: str


class SongLookup:
    """Song id -> StreamableSong for public songs, each kept STREAM_CACHE_SECONDS.

    A song saved, deleted or hidden in bulk (catalog.signals.songs_changed) in this process is
    forgotten at once (and again when the write commits, in case a request read the row
    between the two). Writes in other processes reach this cache when the entry expires: until
    then a song hidden elsewhere still streams from here. Only the
    song's row is cached: the file is opened and stat'ed per request, so its size, ETag and
    absence are always current.
    """

    def __init__(self):
        self.songs: dict[int, tuple[float, StreamableSong]] = {}
        self.generation = 0
        post_save.connect(self.song_changed, sender=Song)
        post_delete.connect(self.song_changed, sender=Song)
        songs_changed.connect(self.songs_changed, sender=Song)
        setting_changed.connect(self.clear)

    def cached(self, song_id: int) -> StreamableSong | None:
        found = self.songs.get(song_id)
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]

    async def find(self, song_id: int) -> StreamableSong | None:
        """Return the song from the cache, else from the database (None: not streamable)."""
        song = self.cached(song_id)
        if song is not None:
            return song
        generation = self.generation
        song = await sync_to_async(_streamable_song)(song_id)
        seconds = settings.STREAM_CACHE_SECONDS
        # A change that landed while the query ran may not be in what it read: keep nothing.
        if song is not None and seconds > 0 and generation == self.generation:
            if len(self.songs) >= MAX_SONGS:
                self._make_room()
            self.songs[song_id] = (time.monotonic() + seconds, song)
        return song

    def forget(self, song_id: int) -> None:
        self.generation += 1
        self.songs.pop(song_id, None)

    def song_changed(self, sender, instance: Song, using: str | None = None, **kwargs) -> None:
        song_id = instance.pk  # a deleted song's pk is None by the time the write commits
        self.forget(song_id)
        transaction.on_commit(lambda: self.forget(song_id), using=using)

    def songs_changed(self, sender, song_ids, **kwargs) -> None:
        for song_id in song_ids:
            self.forget(song_id)
        transaction.on_commit(lambda: [self.forget(song_id) for song_id in song_ids])

    def clear(self, **kwargs) -> None:
        self.generation += 1
        self.songs.clear()

    def _make_room(self) -> None:
        now = time.monotonic()
        for song_id in [key for key, (until, _) in self.songs.items() if until <= now]:
            del self.songs[song_id]
        if len(self.songs) >= MAX_SONGS:
            self.songs.clear()


def _streamable_song(song_id: int) -> StreamableSong | None:
    # Connections opened and closed as around a request (DATABASE_CONN_MAX_AGE, the pool).
    close_old_connections()
    try:
        row = (
            Song.objects.filter(hidden=False, pk=song_id)
            .values_list("storage_key", "mime_type")
            .first()
        )
    finally:
        close_old_connections()
    if row is None:
        return None
    return StreamableSong(row[0], row[1], default_storage.path(row[0]))


class SongStreams:
    """The site's HTTP application with song streams answered on the lean path; `site` is the
    whole application (Django's ASGI handler)."""

    def __init__(self, site):
        self.site = site
        self.songs = SongLookup()
        self.policies: dict[bool, list[tuple[bytes, bytes]]] = {}
        setting_changed.connect(self._settings_changed)

    async def __call__(self, scope, receive, send):
        match = _lean(scope)
        if match is None:
            return await self.site(scope, receive, send)
        headers = headers_of(scope)
        if not allowed_host(headers.get(b"host")):
            return await self.site(scope, receive, send)
        secure = is_secure(scope, headers)
        if not secure and settings.SECURE_SSL_REDIRECT:
            redirect = SecurityMiddleware(no_view).process_request(ASGIRequest(scope, BytesIO()))
            if redirect is not None:
                return await send_whole(send, redirect, [])
        song = await self.songs.find(int(match.group(1)))
        if song is None:
            return await self.site(scope, receive, send)
        try:
            await self.stream(song, headers, secure, receive, send)
        except Missing:
            self.songs.forget(int(match.group(1)))
            return await self.site(scope, receive, send)

    async def stream(self, song: StreamableSong, headers: dict, secure: bool, receive, send):
        """Send the song's file, the range asked for, or its hand-off to the front proxy."""
        extra = self._policy(secure)
        handed = handed_off(default_storage, song.storage_key)
        if handed is not None:
            if handed.status_code != 302:
                for header, value in file_headers(song.mime_type).items():
                    handed[header] = value
            return await send_whole(send, handed, extra)
        handle, stat = open_local(song.path, song.storage_key)
        try:
            answer = local_slice(
                stat,
                headers.get(b"range", b"").decode("latin-1"),
                headers.get(b"if-range", b"").decode("latin-1"),
            )
            fields = answer.headers
            if answer.status != 416:
                fields = file_headers(song.mime_type) | fields
            await send(
                {
                    "type": "http.response.start",
                    "status": answer.status,
                    "headers": encoded(fields) + extra,
                }
            )
            await _send_file(handle.fileno(), answer.start, answer.length, receive, send)
        finally:
            handle.close()

    def _policy(self, secure: bool) -> list[tuple[bytes, bytes]]:
        """Return the headers the site's middleware and REST view add to a stream (security,
        framing, content security, Vary, Allow), worked out once per scheme."""
        found = self.policies.get(secure)
        if found is None:
            found = self.policies[secure] = encoded({**middleware_headers(secure), **API_HEADERS})
        return found

    def _settings_changed(self, **kwargs) -> None:
        self.policies.clear()


def _lean(scope) -> re.Match | None:
    if (
        scope["type"] != "http"
        or scope["method"] != "GET"
        # Parameters ask for something else than the stored file (a transcode): the view's.
        or scope.get("query_string")
        or is_s3(default_storage)
    ):
        return None
    return STREAM_PATH.match(scope["path"])


def _read(fd: int, size: int, offset: int) -> bytes:
    return os.pread(fd, size, offset)


# Where page-cache reads land before they are copied out. Reused, as they run on the event
# loop one at a time: with a new bytearray per 1 MiB read, the read cost ten times more CPU
# (measured: 1.25 ms against 0.11 ms; bench/results/2026-12-05-streaming-2.md).
SCRATCH = memoryview(bytearray(CHUNK_SIZE))


def _read_cached(fd: int, size: int, offset: int) -> bytes:
    """Return what the page cache holds of the `size` (at most CHUNK_SIZE) bytes at `offset`,
    up to the first byte it lacks (b"" when that is the first), without waiting for the disk."""
    try:
        count = os.preadv(fd, [SCRATCH[:size]], offset, NOWAIT)
    except BlockingIOError:
        return b""
    return bytes(SCRATCH[:count])


async def _read_chunk(fd: int, size: int, offset: int) -> bytes:
    """Read from the page cache on the event loop (as a static server would); what the disk
    still has to deliver is read in a worker thread, so a cold file never stalls the loop."""
    global NOWAIT
    chunk = b""
    if NOWAIT is not None:
        try:
            chunk = _read_cached(fd, size, offset)
        except OSError:  # a file system that cannot say (EOPNOTSUPP): always the thread
            NOWAIT = None
    if len(chunk) < size:
        rest = await asyncio.to_thread(_read, fd, size - len(chunk), offset + len(chunk))
        chunk += rest
    return chunk


async def _send_file(fd: int, start: int, length: int, receive, send) -> None:
    """Send `length` bytes of the file from `start`, a chunk per message; stop when the
    client goes away."""
    if length <= CHUNK_SIZE:
        body = await _read_chunk(fd, length, start) if length else b""
        await send({"type": "http.response.body", "body": body})
        return
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        position, end = start, start + length
        while position < end and not gone.done():
            # Read in a worker thread even from the page cache: daphne takes each message
            # without waiting for the socket, and the hop lets the loop send the last chunk
            # before the next is read; read on the loop, the whole file would be queued.
            size = min(CHUNK_SIZE, end - position)
            chunk = await asyncio.to_thread(_read, fd, size, position)
            if not chunk:
                break
            position += len(chunk)
            more = position < end
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if position < end:  # the file shrank, or the client left: end the response
            await send({"type": "http.response.body", "body": b""})
    finally:
        gone.cancel()


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
