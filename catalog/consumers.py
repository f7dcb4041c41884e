"""Websocket consumers: join a group, forward its events as JSON, nothing more."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from catalog.events import INGEST_GROUP, SONGS_GROUP


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
    """Tell staff how each ingest job ended (the upload page shows it per file)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not (user and user.is_authenticated and user.is_staff):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(INGEST_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(INGEST_GROUP, self.channel_name)

    async def ingest_finished(self, event: dict) -> None:
        await self.send_json(event)
