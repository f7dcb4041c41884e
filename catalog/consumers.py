"""Websocket consumers: join a group, forward its events as JSON, nothing more."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from catalog.events import SONGS_GROUP


class SongsConsumer(AsyncJsonWebsocketConsumer):
    """Tell an open page about songs added, updated and removed anywhere."""

    groups = [SONGS_GROUP]

    async def song_added(self, event: dict) -> None:
        await self.send_json(event)

    async def song_updated(self, event: dict) -> None:
        await self.send_json(event)

    async def song_removed(self, event: dict) -> None:
        await self.send_json(event)

    # Several songs of one transaction, in one frame (catalog.events.SongBurst).

    async def songs_added(self, event: dict) -> None:
        await self.send_json(event)

    async def songs_updated(self, event: dict) -> None:
        await self.send_json(event)

    async def songs_removed(self, event: dict) -> None:
        await self.send_json(event)
