"""Websocket consumers: join a group, forward its events as JSON, nothing more."""

from collections import Counter

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts.addresses import scope_address
from accounts.queries import is_curator
from catalog.events import INGEST_GROUP, SONGS_GROUP

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


def may_follow_ingest(user) -> bool:
    """Staff, and curators (who may add songs, so upload them), hear how ingest jobs end."""
    return bool(user and user.is_authenticated and (user.is_staff or is_curator(user)))


class SongsConsumer(ListeningConsumer):
    """Tell an open page about songs added, updated and removed anywhere."""

    groups = [SONGS_GROUP]

    async def song_added(self, event: dict) -> None:
        await self.send_json(event)

    async def song_updated(self, event: dict) -> None:
        await self.send_json(event)

    async def song_removed(self, event: dict) -> None:
        await self.send_json(event)


class IngestConsumer(ListeningConsumer):
    """Tell staff and curators how each ingest job ended (the upload page shows it per file)."""

    async def connect(self) -> None:
        if not await database_sync_to_async(may_follow_ingest)(self.scope.get("user")):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(INGEST_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(INGEST_GROUP, self.channel_name)

    async def ingest_finished(self, event: dict) -> None:
        await self.send_json(event)
