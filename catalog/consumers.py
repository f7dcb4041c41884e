"""Websocket consumers: join a group, forward its events as JSON, nothing more."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.queries import is_curator
from catalog.events import INGEST_GROUP, SONGS_GROUP


def may_follow_ingest(user) -> bool:
    """Staff, and curators (who may add songs, so upload them), hear how ingest jobs end."""
    return bool(user and user.is_authenticated and (user.is_staff or is_curator(user)))


class SongsConsumer(AsyncJsonWebsocketConsumer):
    """Tell an open page about songs added, updated and removed anywhere."""

    groups = [SONGS_GROUP]

    async def song_added(self, event: dict) -> None:
        await self.send_json(event)

    async def song_updated(self, event: dict) -> None:
        await self.send_json(event)

    async def song_removed(self, event: dict) -> None:
        await self.send_json(event)


class IngestConsumer(AsyncJsonWebsocketConsumer):
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
