"""The /ws/songs/ websocket: forward song events, refuse foreign origins."""

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from spotify.asgi import application


@pytest.mark.asyncio
async def test_songs_socket_forwards_song_events():
    communicator = WebsocketCommunicator(
        application, "/ws/songs/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected

    message = {"type": "song.added", "song": {"id": 7, "title": "Neon Rain"}, "html": "<tr></tr>"}
    await get_channel_layer().group_send("songs", message)

    assert await communicator.receive_json_from(timeout=2) == message
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_songs_socket_refuses_foreign_origin():
    communicator = WebsocketCommunicator(
        application, "/ws/songs/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()

    assert not connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_ingest_socket_is_for_staff_only():
    communicator = WebsocketCommunicator(
        application, "/ws/ingest/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()

    assert not connected
