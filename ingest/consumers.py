"""The /ws/ingest/ websocket: staff and curators hear how each ingest job ended."""

from channels.db import database_sync_to_async

from accounts.queries import is_curator
from catalog.consumers import ListeningConsumer

INGEST_GROUP = "ingest"


def may_follow_ingest(user) -> bool:
    """Staff, and curators (who may add songs, so upload them), hear how ingest jobs end."""
    return bool(user and user.is_authenticated and (user.is_staff or is_curator(user)))


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
