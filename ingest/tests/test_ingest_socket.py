"""The /ws/ingest/ websocket: staff and curators hear how ingest jobs end, listeners do not."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.tests.factories import UserFactory
from ingest.consumers import INGEST_GROUP
from spotify.asgi import application

pytestmark = pytest.mark.usefixtures("sync_thread_connections_closed")


def _session_cookie(curator: bool) -> bytes:
    user = UserFactory()
    if curator:
        # One who may add songs (uploads through the API) but never enters the admin.
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="catalog", codename="add_song")
        )
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _socket(cookie: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        "/ws/ingest/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie)],
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_curator_hears_how_ingest_jobs_end():
    communicator = _socket(await sync_to_async(_session_cookie)(curator=True))
    connected, _ = await communicator.connect()
    assert connected

    finished = {
        "type": "ingest.finished",
        "job": {"id": 1, "key": "music/a.mp3", "status": "done", "reason": ""},
    }
    await get_channel_layer().group_send(INGEST_GROUP, finished)

    assert await communicator.receive_json_from(timeout=5) == finished
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_listener_may_not_follow_ingest_jobs():
    communicator = _socket(await sync_to_async(_session_cookie)(curator=False))

    connected, _ = await communicator.connect()

    assert not connected
