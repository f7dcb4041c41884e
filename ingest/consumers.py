"""The /ws/ingest/ websocket: staff hear how every ingest job ended, curators their uploads'."""

from channels.db import database_sync_to_async

from accounts.queries import is_curator
from catalog.consumers import ListeningConsumer
from ingest.queries import may_read_every_ingest_job

INGEST_GROUP = "ingest"  # staff: every job's outcome


def uploader_group(user_id: int) -> str:
    """Return the group that hears how the jobs of one user's uploads ended."""
    return f"ingest-uploads-{user_id}"


def may_follow_ingest(user) -> bool:
    """Staff, and curators (who may add songs, so upload them), hear how ingest jobs end."""
    return bool(user and user.is_authenticated and (user.is_staff or is_curator(user)))


class IngestConsumer(ListeningConsumer):
    """Tell staff how each ingest job ended, and curators how their uploads' jobs did (the
    upload page shows it per file); the same jobs each may read through the jobs API."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(may_follow_ingest)(user):
            await self.close(code=4403)
            return
        self.group = INGEST_GROUP if may_read_every_ingest_job(user) else uploader_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ingest_finished(self, event: dict) -> None:
        await self.send_json(event)
