"""Live events sent from ingest threads reach consumers waiting on the server's event loop."""

import asyncio
import threading
from collections.abc import Iterator

import pytest
from channels.layers import get_channel_layer

from catalog import events

IN_MEMORY = {"default": {"BACKEND": "spotify.channel_layers.ThreadSafeInMemoryChannelLayer"}}


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop in its own thread, like daphne's, with no timer that could wake it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def test_song_event_from_a_job_thread_wakes_the_consumers_loop(
    transactional_db, settings, server_loop
):
    settings.CHANNEL_LAYERS = IN_MEMORY
    layer = get_channel_layer()
    waiting = threading.Event()

    async def consumer() -> dict:
        channel = await layer.new_channel()
        await layer.group_add(events.SONGS_GROUP, channel)
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0)  # let receive() start waiting on its queue
        waiting.set()
        return await receiving

    received = asyncio.run_coroutine_threadsafe(consumer(), server_loop)
    assert waiting.wait(timeout=30)

    # What an ingest job does on its worker thread: async_to_sync on a loop of its own.
    events.announce_song(events.REMOVED, 42)  # outside a transaction: sent at once

    # The server loop sleeps until something wakes it; only a send handed to that loop
    # delivers at all (the bound is a guard, the old layer never woke it).
    assert events.frame_of(received.result(timeout=30)) == {
        "type": "song.removed",
        "song": {"id": 42},
    }


@pytest.mark.asyncio
async def test_send_on_the_consumers_own_loop_still_delivers(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.SONGS_GROUP, channel)

    await layer.group_send(events.SONGS_GROUP, {"type": "song.removed", "song": {"id": 3}})

    assert await layer.receive(channel) == {"type": "song.removed", "song": {"id": 3}}
