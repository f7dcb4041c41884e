"""The /ws/ingest/ websocket: staff hear how every ingest job ends, curators how their own
uploads' jobs end, listeners nothing."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.tests.factories import UserFactory
from ingest.services import upload_store
from spotify.asgi import application

pytestmark = [
    pytest.mark.usefixtures("sync_thread_connections_closed", "media_root"),
    pytest.mark.django_db(transaction=True),
]
NOT_AUDIO = b"ID3 this is not audio at all" * 64


def _user(curator: bool = False, staff: bool = False):
    user = UserFactory(is_staff=staff)
    if curator:
        # One who may add songs (uploads through the API) but never enters the admin.
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="catalog", codename="add_song")
        )
    return user


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _socket(user) -> WebsocketCommunicator:
    cookie = await sync_to_async(_session_cookie)(user)
    return WebsocketCommunicator(
        application,
        "/ws/ingest/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie)],
    )


async def _connected(user) -> WebsocketCommunicator:
    communicator = await _socket(user)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@sync_to_async
def _upload(user, name: str) -> str:
    """Upload a file as the user, as the uploads API does; its job then runs on the task pool."""
    key, _ = upload_store(user, SimpleUploadedFile(name, NOT_AUDIO), name)
    return key


@pytest.mark.asyncio
async def test_a_curator_hears_how_their_upload_ended():
    curator = await sync_to_async(_user)(curator=True)
    page = await _connected(curator)

    key = await _upload(curator, "Mine.mp3")

    message = await page.receive_json_from(timeout=10)
    assert message["type"] == "ingest.finished"
    assert (message["job"]["key"], message["job"]["status"]) == (key, "failed")
    assert message["job"]["reason"]
    await page.disconnect()


@pytest.mark.asyncio
async def test_a_curator_never_hears_of_another_curators_upload():
    mine, theirs = await sync_to_async(lambda: (_user(curator=True), _user(curator=True)))()
    page = await _connected(mine)

    await _upload(theirs, "Theirs.mp3")
    own_key = await _upload(mine, "Mine.mp3")

    message = await page.receive_json_from(timeout=10)
    assert message["job"]["key"] == own_key
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


@pytest.mark.asyncio
async def test_staff_hear_how_every_upload_ended():
    staff, curator = await sync_to_async(lambda: (_user(staff=True), _user(curator=True)))()
    page = await _connected(staff)

    key = await _upload(curator, "Theirs.mp3")

    message = await page.receive_json_from(timeout=10)
    assert (message["job"]["key"], message["job"]["status"]) == (key, "failed")
    await page.disconnect()


@pytest.mark.asyncio
async def test_listener_may_not_follow_ingest_jobs():
    communicator = await _socket(await sync_to_async(_user)())

    connected, _ = await communicator.connect()

    assert not connected
