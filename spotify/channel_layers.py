"""The in-memory channel layer, made safe to send to from threads with their own event loop.

Channels' InMemoryChannelLayer keeps one asyncio.Queue per channel, bound to the loop of the
consumer waiting on it (daphne's). Ingest jobs send from worker threads through
async_to_sync, that is from another loop: the put wakes the waiting future without waking
its loop, so the message sits there until the loop wakes for something else (daphne's 1 s
timer). This layer runs such sends on the loop of the receiver instead.
"""

import asyncio
import contextlib
import threading

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    """An in-memory layer whose sends from any thread wake the receiving consumer at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The loop of each channel's consumer while it waits in receive().
        self._receiver_loops: dict[str, asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()

    async def receive(self, channel: str) -> dict:
        loop = asyncio.get_running_loop()
        with self._lock:
            self._receiver_loops[channel] = loop
        try:
            return await super().receive(channel)
        finally:
            with self._lock:
                if self._receiver_loops.get(channel) is loop:
                    del self._receiver_loops[channel]

    async def send(self, channel: str, message: dict) -> None:
        current = asyncio.get_running_loop()
        with self._lock:
            owner = self._receiver_loops.get(channel)
            foreign = (
                owner is not None
                and owner is not current
                and owner.is_running()
                and not owner.is_closed()
            )
            if not foreign:
                # Nobody waits on another loop: the put needs no wake-up. The lock keeps a
                # receiver from starting to wait between the check and the put.
                await super().send(channel, message)
                return
        future = asyncio.run_coroutine_threadsafe(super().send(channel, message), owner)
        await asyncio.wrap_future(future)

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        # A copy: consumers on the receiving loop join and leave while this runs elsewhere.
        channels = list(self.groups.get(group, {}))
        await asyncio.gather(*(self._send_unless_full(channel, message) for channel in channels))

    async def _send_unless_full(self, channel: str, message: dict) -> None:
        # A consumer too slow to keep up misses the message, as with channels' own layers.
        with contextlib.suppress(ChannelFull):
            await self.send(channel, message)
