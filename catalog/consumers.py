"""Websocket consumers: join a group, forward its events as JSON, nothing more."""

from collections import Counter

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts.addresses import scope_address
from catalog.events import SONGS_GROUP

# Open sockets per client address in this server process.
_open_sockets: Counter[str] = Counter()


class ListeningConsumer(AsyncJsonWebsocketConsumer):
    """A socket the page only listens on; a client address holds a bounded number open.

    At most WEBSOCKET_MAX_PER_ADDRESS per address in each server process; frames from the page
    are ignored unread, so nothing it sends (not JSON, binary) can make the server fail.
    """

    counted_address: str | None = None

    async def websocket_connect(self, message) -> None:
        address = scope_address(self.scope)
        if _open_sockets[address] >= settings.WEBSOCKET_MAX_PER_ADDRESS:
            await self.close(code=1008)  # refuses the handshake: 403 to the browser
            return
        _open_sockets[address] += 1
        self.counted_address = address
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message) -> None:
        if self.counted_address is not None:
            _open_sockets[self.counted_address] -= 1
            if _open_sockets[self.counted_address] <= 0:
                del _open_sockets[self.counted_address]
            self.counted_address = None
        await super().websocket_disconnect(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Ignore frames from the page: nothing it could send changes what it hears."""


class SongsConsumer(ListeningConsumer):
    """Tell an open page about songs added, updated and removed anywhere."""

    groups = [SONGS_GROUP]

    async def forward(self, event: dict) -> None:
        """Send the frame as the sender wrote it (catalog.events.framed), or the event as JSON."""
        frame = event.get("frame")
        if frame is None:
            await self.send_json(event)
        else:
            await self.send(text_data=frame)

    song_added = song_updated = song_removed = forward
    # Several songs of one transaction, in one frame (catalog.events.SongBurst).
    songs_added = songs_updated = songs_removed = forward
