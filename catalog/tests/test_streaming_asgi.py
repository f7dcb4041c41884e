"""Streaming under ASGI: files go out a chunk at a time from an async iterator, never whole."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.asgi import SongStreams
from catalog.media import CHUNK_SIZE
from catalog.models import Song
from catalog.tests.factories import SongFactory
from spotify.asgi import application, django_asgi_app
from tests.support import asgi_answer, http_scope

SIZE = 8 * CHUNK_SIZE + 123

pytestmark = pytest.mark.usefixtures("sync_thread_connections_closed")


def _scope(path: str, headers: list[tuple[bytes, bytes]], host: bytes = b"localhost") -> dict:
    """Return the ASGI scope of a GET from a local client (a query after "?" in path)."""
    return http_scope("GET", path, headers, host)


def _song_with_file(key: str = "music/stream/long.mp3") -> tuple[int, bytes]:
    data = bytes(index % 251 for index in range(SIZE))
    default_storage.save(key, ContentFile(data))
    return SongFactory(storage_key=key, file_size=len(data)).pk, data


async def _read(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_whole_file_streams_from_an_async_iterator_under_asgi(async_client, media_root):
    song_id, data = await sync_to_async(_song_with_file)()

    response = await async_client.get(f"/api/v1/songs/{song_id}/stream/")

    assert response.status_code == 200
    assert response.is_async
    assert response["Content-Length"] == str(len(data))
    assert response["Accept-Ranges"] == "bytes"
    assert await _read(response) == data


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_range_streams_from_an_async_iterator_under_asgi(async_client, media_root):
    song_id, data = await sync_to_async(_song_with_file)()

    response = await async_client.get(
        f"/api/v1/songs/{song_id}/stream/", headers={"Range": "bytes=1000-"}
    )

    assert response.status_code == 206
    assert response.is_async
    assert response["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert await _read(response) == data[1000:]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_asgi_server_reads_the_file_as_it_sends_it(media_root):
    song_id, data = await sync_to_async(_song_with_file)()
    path = default_storage.path("music/stream/long.mp3")
    tail = b"\xff" * CHUNK_SIZE
    sent: list[dict] = []

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body" and not any(
            earlier["type"] == "http.response.body" for earlier in sent
        ):
            # The first chunk is out: change the file's last chunk on disk. A server that
            # reads as it sends delivers the new bytes; one that read the file whole first
            # delivers the old ones.
            with open(path, "r+b") as handle:
                handle.seek(len(data) - len(tail))
                handle.write(tail)
        sent.append(message)

    scope = _scope(f"/api/v1/songs/{song_id}/stream/", [(b"range", b"bytes=0-")])

    await application(scope, receive, send)

    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 206
    bodies = [message["body"] for message in sent[1:] if message.get("body")]
    assert len(bodies) > 1
    assert max(len(body) for body in bodies) <= CHUNK_SIZE
    body = b"".join(bodies)
    assert body[: -len(tail)] == data[: -len(tail)]
    assert body[-len(tail) :] == tail


def test_wsgi_still_streams_a_range_from_a_plain_iterator(client, media_root, db):
    song_id, data = _song_with_file()

    response = client.get(f"/api/v1/songs/{song_id}/stream/", headers={"Range": "bytes=5-"})

    assert response.status_code == 206
    assert not response.is_async
    assert b"".join(response.streaming_content) == data[5:]


async def _asgi_get(app, path: str, headers: list[tuple[bytes, bytes]], host=b"localhost"):
    """Send one GET to an ASGI app; return its status, headers and body."""
    communicator = ApplicationCommunicator(app, _scope(path, headers, host))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    return await asgi_answer(communicator)


class _SiteMustNotAnswer:
    """Stands in for the whole Django application: records that it was asked."""

    def __init__(self, site):
        self.site, self.asked = site, 0

    async def __call__(self, scope, receive, send):
        self.asked += 1
        return await self.site(scope, receive, send)

    async def get_response_async(self, request):
        self.asked += 1
        return await self.site.get_response_async(request)


async def _lean_and_long_way(song_id: int) -> tuple[_SiteMustNotAnswer, dict, dict]:
    """GET a range of the song's stream by the lean path and by the whole site."""
    site = _SiteMustNotAnswer(django_asgi_app)
    path = f"/api/v1/songs/{song_id}/stream/"
    headers = [(b"range", b"bytes=10-99")]
    lean = await _asgi_get(SongStreams(site), path, headers)
    return site, lean, await _asgi_get(django_asgi_app, path, headers)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_streams_take_the_lean_path_with_the_same_headers(media_root):
    song_id, data = await sync_to_async(_song_with_file)()

    site, lean, long_way = await _lean_and_long_way(song_id)

    assert site.asked == 0
    assert lean["status"] == long_way["status"] == 206
    assert lean["body"] == long_way["body"] == data[10:100]
    assert dict(lean["headers"]) == dict(long_way["headers"])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_hand_off_to_the_front_proxy_takes_the_lean_path_with_the_same_headers(
    media_root, settings
):
    settings.MEDIA_SENDFILE = "x-accel-redirect"
    song_id, _ = await sync_to_async(_song_with_file)("music/stream/Late Night.mp3")

    site, lean, long_way = await _lean_and_long_way(song_id)

    assert site.asked == 0
    assert lean["status"] == long_way["status"] == 200
    assert lean["body"] == long_way["body"] == b""
    assert dict(lean["headers"]) == dict(long_way["headers"])
    assert dict(lean["headers"])[b"X-Accel-Redirect"] == (
        b"/internal-media/music/stream/Late%20Night.mp3"
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("case", "status", "asked"),
    [
        ("unknown song", 404, 1),
        ("other host", 400, 1),
        ("plain http", 301, 0),
        ("parameters", 206, 1),
    ],
)
async def test_the_lean_path_redirects_to_https_and_leaves_the_rest_to_the_site(
    media_root, settings, case, status, asked
):
    song_id, _ = await sync_to_async(_song_with_file)()
    settings.ALLOWED_HOSTS = ["localhost"]
    host = b"localhost"
    if case == "unknown song":
        song_id += 1000
    elif case == "other host":
        host = b"evil.example"
    else:
        settings.SECURE_SSL_REDIRECT = True
    path = f"/api/v1/songs/{song_id}/stream/"
    if case == "parameters":
        path += "?format=raw"  # the original, by the site's view: any query leaves the lean path
    site = _SiteMustNotAnswer(django_asgi_app)

    response = await _asgi_get(SongStreams(site), path, [(b"range", b"bytes=0-9")], host)

    assert response["status"] == status
    assert site.asked == asked


class _Clock:
    """time.monotonic for the stream cache, moved on by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("catalog.asgi.time.monotonic", clock)
    return clock


@pytest.fixture
def flac_song(put_song):
    """A public song whose file is a real FLAC in the store; return the song and its bytes."""

    def make():
        key, size = put_song("music/stream/cached.flac", fmt="flac")
        song = SongFactory(storage_key=key, file_size=size, mime_type="audio/flac")
        return song, default_storage.open(key).read()

    return sync_to_async(make)


async def _stream(app, song_id: int) -> dict:
    return await _asgi_get(app, f"/api/v1/songs/{song_id}/stream/", [(b"range", b"bytes=0-99")])


async def _hide_without_signals(song_id: int) -> None:
    await Song.objects.filter(pk=song_id).aupdate(hidden=True)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_song_hidden_in_this_process_stops_streaming_at_once(flac_song, clock):
    song, data = await flac_song()
    site = _SiteMustNotAnswer(django_asgi_app)
    app = SongStreams(site)
    first = await _stream(app, song.pk)

    song.hidden = True
    await song.asave()

    assert first["status"] == 206 and first["body"] == data[:100]
    assert (await _stream(app, song.pk))["status"] == 404
    assert site.asked == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_songs_hidden_in_bulk_in_this_process_stop_streaming_at_once(flac_song, clock):
    from catalog.services import songs_set_hidden

    song, _ = await flac_song()
    app = SongStreams(_SiteMustNotAnswer(django_asgi_app))
    assert (await _stream(app, song.pk))["status"] == 206

    await sync_to_async(songs_set_hidden)([song], True)  # one UPDATE, no post_save

    assert (await _stream(app, song.pk))["status"] == 404


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_song_deleted_in_this_process_stops_streaming_at_once(flac_song, clock):
    song, _ = await flac_song()
    song_id = song.pk
    app = SongStreams(_SiteMustNotAnswer(django_asgi_app))
    assert (await _stream(app, song_id))["status"] == 206

    await song.adelete()  # its file stays until the service's on_commit removes it

    assert (await _stream(app, song_id))["status"] == 404


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_change_without_signals_shows_when_the_cached_song_expires(
    flac_song, clock, settings
):
    settings.STREAM_CACHE_SECONDS = 10
    song, _ = await flac_song()
    site = _SiteMustNotAnswer(django_asgi_app)
    app = SongStreams(site)
    assert (await _stream(app, song.pk))["status"] == 206

    await _hide_without_signals(song.pk)  # as a bulk hide or another process does
    clock.now += 9.9
    within = await _stream(app, song.pk)
    clock.now += 0.1
    after = await _stream(app, song.pk)

    assert within["status"] == 206
    assert after["status"] == 404
    assert site.asked == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_no_stream_cache_reads_the_song_every_time(flac_song, clock, settings):
    settings.STREAM_CACHE_SECONDS = 0
    song, _ = await flac_song()
    app = SongStreams(_SiteMustNotAnswer(django_asgi_app))
    assert (await _stream(app, song.pk))["status"] == 206

    await _hide_without_signals(song.pk)

    assert (await _stream(app, song.pk))["status"] == 404


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_song_published_again_streams_at_once(flac_song, clock):
    song, data = await flac_song()
    await _hide_without_signals(song.pk)
    app = SongStreams(_SiteMustNotAnswer(django_asgi_app))
    assert (await _stream(app, song.pk))["status"] == 404

    await Song.objects.filter(pk=song.pk).aupdate(hidden=False)  # unknown songs are not kept

    assert (await _stream(app, song.pk))["body"] == data[:100]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_replaced_file_streams_with_its_new_size_and_etag(flac_song, clock):
    song, data = await flac_song()
    app = SongStreams(_SiteMustNotAnswer(django_asgi_app))
    before = dict((await _stream(app, song.pk))["headers"])

    path = default_storage.path(song.storage_key)
    with open(path, "ab") as handle:
        handle.write(data[:1000])  # the song's row, kept in the cache, is unchanged
    after = dict((await _stream(app, song.pk))["headers"])

    assert after[b"Content-Range"] == f"bytes 0-99/{len(data) + 1000}".encode()
    assert after[b"ETag"] != before[b"ETag"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page_cache", [True, False], ids=["page cache", "worker thread"])
async def test_ranges_read_the_same_bytes_from_the_page_cache_or_a_thread(
    flac_song, monkeypatch, page_cache
):
    if not page_cache:
        monkeypatch.setattr("catalog.asgi.NOWAIT", None)
    song, data = await flac_song()
    app = SongStreams(_SiteMustNotAnswer(django_asgi_app))
    middle = len(data) // 2

    response = await _asgi_get(
        app, f"/api/v1/songs/{song.pk}/stream/", [(b"range", f"bytes={middle}-".encode())]
    )

    assert response["status"] == 206
    assert response["body"] == data[middle:]


@pytest.mark.django_db(transaction=True)
def test_a_song_kept_while_its_delete_commits_is_forgotten_at_commit(put_song, clock):
    from django.db import transaction

    from catalog.asgi import SongLookup, StreamableSong

    key, size = put_song("music/stream/racing.flac", fmt="flac")
    song = SongFactory(storage_key=key, file_size=size, mime_type="audio/flac")
    song_id, lookup = song.pk, SongLookup()
    kept = StreamableSong(key, "audio/flac", default_storage.path(key))

    with transaction.atomic():
        song.delete()
        # Another connection, which still sees the row, looks it up and keeps it meanwhile.
        lookup.songs[song_id] = (clock.now + 10, kept)
        assert lookup.cached(song_id) == kept

    assert lookup.cached(song_id) is None


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_range_past_the_end_is_unsatisfiable_on_the_lean_path_too(flac_song, clock):
    song, data = await flac_song()
    site = _SiteMustNotAnswer(django_asgi_app)
    path = f"/api/v1/songs/{song.pk}/stream/"
    past_the_end = [(b"range", f"bytes={len(data)}-".encode())]

    lean = await _asgi_get(SongStreams(site), path, past_the_end)
    long_way = await _asgi_get(django_asgi_app, path, past_the_end)

    assert site.asked == 0
    assert lean["status"] == long_way["status"] == 416
    for header in (b"Content-Range", b"Content-Length", b"Accept-Ranges", b"Vary"):
        assert dict(lean["headers"])[header] == dict(long_way["headers"])[header]
