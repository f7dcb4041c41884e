"""Streaming under ASGI: files go out a chunk at a time from an async iterator, never whole."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.media import CHUNK_SIZE
from catalog.tests.factories import SongFactory
from spotify.asgi import application

SIZE = 8 * CHUNK_SIZE + 123

pytestmark = pytest.mark.usefixtures("sync_thread_connections_closed")


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

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/api/v1/songs/{song_id}/stream/",
        "raw_path": f"/api/v1/songs/{song_id}/stream/".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"range", b"bytes=0-")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

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
