"""Two real servers (daphne) sharing Redis: one re-sync at a time, one status, whichever
server is asked."""

import os

import pytest
import requests

from accounts.services import subsonic_password_reset
from accounts.tests.factories import UserFactory
from catalog.models import Song
from conftest import require
from demo.audio_samples import SampleTags
from ingest.resync_shared import LOCK_KEY, STATUS_KEY, SharedResync
from subsonic.tests.conftest import token_params
from tests.e2e.delivery import write_local_song
from tests.servers import CACHE_PREFIX
from tests.support import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def servers_cache():
    """The cache the test servers share (their Redis, their key prefix)."""
    require(bool(os.environ.get("REDIS_URL")), "set REDIS_URL to share the cache between servers")
    from django.core.cache.backends.redis import RedisCache

    shared = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": CACHE_PREFIX})
    shared.delete_many([LOCK_KEY, STATUS_KEY])
    yield shared
    shared.delete_many([LOCK_KEY, STATUS_KEY])


def test_servers_share_the_resync_lock_and_status(servers_cache, start_asgi_server):
    first = start_asgi_server("resync-a")
    second = start_asgi_server("resync-b", media_root=first.media_root)
    admin = UserFactory(username="ada", is_staff=True)
    auth = {**token_params("ada", subsonic_password_reset(admin)), "f": "json"}
    write_local_song(first, "music/shared/one.mp3", SampleTags(title="Shared"))

    def scan(server, method: str) -> dict:
        answer = requests.get(f"{server.url}/rest/{method}", params=auth, timeout=10).json()
        return answer["subsonic-response"]["scanStatus"]

    elsewhere = SharedResync(servers_cache)
    held = elsewhere.acquire("music/")  # a third process's re-sync, running
    assert scan(first, "startScan")["scanning"] is True
    assert scan(second, "getScanStatus")["scanning"] is True
    assert servers_cache.get(LOCK_KEY) == held  # neither server started one of its own
    assert not Song.objects.exists()
    elsewhere.release(held)

    assert scan(first, "startScan")["scanning"] is True
    wait_for(
        lambda: scan(second, "getScanStatus") == {"scanning": False, "count": 1},
        timeout=60,
        failure=lambda: f"{scan(second, 'getScanStatus')}\n{first.log_tail()}",
    )
    report = elsewhere.status()["report"]
    assert (report["added"], report["error"], report["prefix"]) == (1, "", "music/")
    assert Song.objects.get().title == "Shared"
