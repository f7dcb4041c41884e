"""Project-wide test fixtures: a private media folder per test, honest skips, and a channel
layer of each test process's own, so `make test` can run the suite in parallel (pytest-xdist)."""

import os
import shutil
import uuid

import pytest

# Songs brought in through the ingest (put_song, post_events, created...), for every app.
pytest_plugins = ["ingest.tests.fixtures"]

REQUIRE_ALL = os.environ.get("REQUIRE_ALL_TESTS") == "1"


def require(condition: bool, reason: str) -> None:
    """Skip with a reason when a service or browser is missing; in CI (REQUIRE_ALL_TESTS=1) fail."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def media_root(request, tmp_path):
    """Point MEDIA_ROOT at a folder of this test's own (the Lambda's tests run without Django)."""
    if not request.config.pluginmanager.hasplugin("django"):
        return None
    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def process_cache(request):
    """Keep each test's cache in this process: with REDIS_URL the settings share one Redis
    database between parallel test processes, where one test's clear() (a FLUSHDB) would wipe
    another's. Tests marked `redis` keep the shared cache."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    if request.node.get_closest_marker("redis"):
        return
    settings = request.getfixturevalue("settings")
    memory = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {
        "default": {"BACKEND": memory},
        # A store of each test's own: no re-sync lock or status left by the one before.
        "shared": {"BACKEND": memory, "LOCATION": f"shared-{request.node.nodeid}"},
    }


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(os.path.exists(path), "Debian's Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Give SQLite a test database file, not memory: task threads and servers share it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test_file = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_file)


@pytest.fixture(scope="session", autouse=True)
def channel_layer_of_this_process(request):
    """Give this test process a channel-layer prefix of its own when the layer is Redis.

    Parallel workers (and other runs) on the same Redis would otherwise hear each other's live
    events in their websocket tests.
    """
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from django.conf import settings
    from django.test import override_settings

    layers = settings.CHANNEL_LAYERS
    config = layers["default"].get("CONFIG", {})
    if "prefix" not in config:
        yield
        return
    default = {
        **layers["default"],
        "CONFIG": {**config, "prefix": f"{config['prefix']}-{uuid.uuid4().hex[:12]}"},
    }
    with override_settings(CHANNEL_LAYERS={**layers, "default": default}):
        yield
