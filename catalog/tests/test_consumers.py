"""The /ws/songs/ websocket: forward song events, refuse foreign origins."""

import json

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from catalog import events
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
async def test_songs_socket_sends_a_framed_message_as_the_text_written_once():
    """What SongBurst sends (events.framed): the page gets the frame's JSON, written once for
    every open page, the same text the event itself gave before."""
    pages = [
        WebsocketCommunicator(application, "/ws/songs/", headers=[(b"origin", b"http://localhost")])
        for _ in range(2)
    ]
    for page in pages:
        assert (await page.connect())[0]
    frame = {"type": "songs.added", "songs": [{"id": 7}, {"id": 8}], "html": ["<tr>", "<tr>"]}

    await get_channel_layer().group_send("songs", events.framed(frame))

    for page in pages:
        assert await page.receive_from(timeout=2) == json.dumps(frame)
        await page.disconnect()


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


def _socket(address: str = "10.0.0.1") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/songs/", headers=[(b"origin", b"http://localhost")]
    )
    communicator.scope["client"] = (address, 50000)
    return communicator


@pytest.mark.asyncio
async def test_frames_from_the_page_are_ignored_and_the_socket_keeps_forwarding(caplog):
    communicator = _socket()
    assert (await communicator.connect())[0]

    await communicator.send_to(text_data="not json {")
    await communicator.send_to(bytes_data=b"\x00\xff")
    await communicator.send_to(text_data="[" * 100_000)
    message = {"type": "song.removed", "song": {"id": 7}}
    await get_channel_layer().group_send("songs", message)

    assert await communicator.receive_json_from(timeout=2) == message
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_one_address_holds_a_bounded_number_of_sockets(settings):
    settings.WEBSOCKET_MAX_PER_ADDRESS = 2
    first, second, third = _socket(), _socket(), _socket()
    elsewhere = _socket("10.0.0.2")

    assert (await first.connect())[0] and (await second.connect())[0]
    assert not (await third.connect())[0]
    assert (await elsewhere.connect())[0]

    await first.disconnect()
    again = _socket()
    assert (await again.connect())[0]
    for communicator in (second, elsewhere, again):
        await communicator.disconnect()
