"""The background re-sync across processes: one at a time, one status, one per period.

Each "process" is a BackgroundResyncs of its own (its own thread, its own schedule) over a
cache client of its own; the clients share one store, as web servers share Redis: a named
local-memory cache, and Redis itself when REDIS_URL is set.
"""

import io
import threading
import time
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from catalog.models import Song
from conftest import require
from demo.audio_samples import SampleTags
from ingest import resync, resync_runs, resync_shared
from ingest.resync_runs import BackgroundResyncs
from ingest.resync_shared import INTERRUPTED, SharedResync
from ingest.store import s3_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request, settings):
    """Return a factory of cache clients that share one store (a process's view of it)."""
    namespace = f"resync-test-{uuid.uuid4().hex}"
    if request.param == "redis":
        require(bool(settings.REDIS_URL), "set REDIS_URL to share the re-sync through Redis")
        from django.core.cache.backends.redis import RedisCache

        clients = []

        def client():
            clients.append(RedisCache(settings.REDIS_URL, {"KEY_PREFIX": namespace}))
            return clients[-1]

        yield client
        for made in clients[:1]:
            made.delete_many([resync_shared.LOCK_KEY, resync_shared.STATUS_KEY])
        return
    yield lambda: LocMemCache(namespace, {})


@pytest.fixture
def two_processes(shared_cache):
    processes = [BackgroundResyncs(SharedResync(shared_cache())) for _ in range(2)]
    yield processes
    for process in processes:
        process.stop_schedule()
        process.wait(timeout=60)


@pytest.fixture
def held_reads(s3):
    """Hold every object read of the store until the test lets go (``set()``)."""
    go = threading.Event()

    def hold(**kwargs):
        go.wait(timeout=60)

    events = s3_client(default_storage).meta.events
    events.register("before-call.s3.GetObject", hold)
    yield go
    go.set()
    events.unregister("before-call.s3.GetObject", hold)


@pytest.fixture
def listings(s3):
    """Count the listings of the store (ListObjectsV2 requests)."""
    counted = []
    handler = lambda **kwargs: counted.append(1)  # noqa: E731
    events = s3_client(default_storage).meta.events
    events.register("before-call.s3.ListObjectsV2", handler)
    yield counted
    events.unregister("before-call.s3.ListObjectsV2", handler)


def test_a_resync_started_in_one_process_is_seen_and_refused_in_another(
    two_processes, put_song, held_reads
):
    for name in ("a", "b"):
        put_song(f"music/{name}.mp3", SampleTags(title=name))
    here, elsewhere = two_processes

    assert here.start("music/")

    status = elsewhere.status()
    assert status["scanning"] is True
    assert (status["report"]["prefix"], status["report"]["added"]) == ("music/", 0)
    assert elsewhere.start("music/") is False
    held_reads.set()
    assert elsewhere.wait(timeout=60)
    status = elsewhere.status()
    assert status["scanning"] is False
    assert (status["report"]["added"], status["report"]["error"]) == (2, "")
    assert status["report"]["finished_at"]
    assert Song.objects.count() == 2


def test_the_counts_grow_while_the_resync_runs(two_processes, put_song, s3, monkeypatch):
    monkeypatch.setattr(resync, "BATCH", 1)
    for name in ("a", "b"):
        put_song(f"music/{name}.mp3", SampleTags(title=name))
    here, elsewhere = two_processes
    seen = {}

    def look_from_elsewhere(params, **kwargs):
        seen.setdefault(params["Key"], set()).add(elsewhere.status()["report"]["added"])

    events = s3_client(default_storage).meta.events
    events.register("before-parameter-build.s3.GetObject", look_from_elsewhere)
    try:
        assert here.start("music/")
        assert here.wait(timeout=60)
    finally:
        events.unregister("before-parameter-build.s3.GetObject", look_from_elsewhere)

    # Reading the second object, the other process already sees the first one added.
    assert seen == {"music/a.mp3": {0}, "music/b.mp3": {1}}


def test_a_crashed_holders_lock_expires_after_its_ttl(two_processes, monkeypatch):
    monkeypatch.setattr(resync_shared, "LOCK_SECONDS", 1)
    crashed, other = two_processes
    assert crashed.shared.acquire("music/")  # then never renews nor releases: it died

    assert other.start("music/") is False
    assert other.status()["scanning"] is True
    time.sleep(1.5)

    status = other.status()
    assert status["scanning"] is False
    assert status["report"]["error"] == INTERRUPTED
    assert other.shared.acquire("music/")


def test_a_running_resync_keeps_its_lock_past_the_ttl(
    two_processes, put_song, held_reads, monkeypatch
):
    monkeypatch.setattr(resync_shared, "LOCK_SECONDS", 1)
    monkeypatch.setattr(resync_shared, "RENEW_SECONDS", 0.2)
    put_song("music/slow.mp3")
    here, elsewhere = two_processes

    assert here.start("music/")
    time.sleep(1.5)

    assert elsewhere.status()["scanning"] is True
    assert elsewhere.start("music/") is False
    held_reads.set()
    assert elsewhere.wait(timeout=60)
    assert elsewhere.status()["report"]["added"] == 1


def test_two_schedulers_due_together_resync_once(two_processes, put_song, listings):
    put_song("music/one.mp3")
    first, second = two_processes

    started = [first.start_if_due(every=3600), second.start_if_due(every=3600)]
    assert first.wait(timeout=60)
    started.append(second.start_if_due(every=3600))  # the lock is free; the period's run is done

    assert started == [True, False, False]
    assert len(listings) == 1
    assert Song.objects.count() == 1


def test_periodic_resyncs_of_two_processes_run_once_per_period(two_processes, put_song, listings):
    put_song("music/one.mp3")

    for process in two_processes:
        process.schedule(every=1)
    time.sleep(3.6)
    for process in two_processes:
        process.stop_schedule()

    # Runs start at least a period apart, the first a period after the schedules began:
    # at most 3 in 3.6 s, where two processes on their own would list 6 times.
    assert 1 <= len(listings) <= 3
    assert Song.objects.count() == 1


def test_a_restarted_scheduler_keeps_the_period_of_the_last_resync(
    two_processes, put_song, listings, shared_cache
):
    put_song("music/one.mp3")
    first, _ = two_processes
    assert first.start_if_due(every=3600)
    assert first.wait(timeout=60)
    assert len(listings) == 1
    # A web server restarted 2 s after that re-sync, with a period of 3 s: its first re-sync
    # is due 1 s later, not a whole period after its start.
    time.sleep(2)
    restarted = BackgroundResyncs(SharedResync(shared_cache()))
    try:
        restarted.schedule(every=3)
        deadline = time.monotonic() + 2.5  # < the 3 s a period from the restart would take
        while len(listings) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        restarted.stop_schedule()
        restarted.wait(timeout=60)

    assert len(listings) == 2


def test_a_scheduler_with_no_resync_known_waits_a_period_from_its_start(
    two_processes, put_song, listings
):
    put_song("music/one.mp3")
    first, _ = two_processes

    first.schedule(every=2)
    time.sleep(1.2)
    listed_early = len(listings)
    deadline = time.monotonic() + 20
    while not listings and time.monotonic() < deadline:
        time.sleep(0.05)
    first.stop_schedule()

    assert listed_early == 0
    assert len(listings) >= 1


@pytest.fixture
def no_resync_yet():
    """Start and leave this process's shared cache with no re-sync in it."""
    shared = caches[resync_shared.SHARED_CACHE]
    shared.delete_many([resync_shared.LOCK_KEY, resync_shared.STATUS_KEY])
    yield
    shared.delete_many([resync_shared.LOCK_KEY, resync_shared.STATUS_KEY])


def test_with_database_tasks_a_worker_runs_the_resync(put_song, settings, no_resync_yet):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    put_song("music/queued.mp3", SampleTags(title="Queued"))

    assert resync_runs.start_resync("music/")

    task = DBTaskResult.objects.get()
    assert task.task_path == "ingest.tasks.run_resync"
    assert task.args_kwargs["args"][0] == "music/"
    assert resync_runs.resync_status()["scanning"] is True
    assert resync_runs.start_resync("music/") is False
    assert not Song.objects.exists()  # nothing ran in the web process

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.05")

    status = resync_runs.resync_status()
    assert status["scanning"] is False
    assert status["report"]["added"] == 1
    assert Song.objects.get().title == "Queued"


def test_the_command_never_runs_beside_another_resync_and_reports_to_all(put_song, no_resync_yet):
    put_song("music/one.mp3", SampleTags(title="One"))
    elsewhere = SharedResync().acquire("music/")

    with pytest.raises(CommandError, match="already running"):
        call_command("resync", "--prefix", "music/", stdout=io.StringIO())
    assert not Song.objects.exists()
    SharedResync().release(elsewhere)
    call_command("resync", "--prefix", "music/", stdout=io.StringIO())

    status = resync_runs.resync_status()
    assert status["scanning"] is False
    assert (status["report"]["added"], status["report"]["prefix"]) == (1, "music/")


def test_the_button_answers_already_running_when_another_process_resyncs(
    curator_client, no_resync_yet
):
    SharedResync().acquire("music/")

    response = curator_client.post("/admin/ingest/ingestjob/resync/", follow=True)

    assert "A re-sync is already running." in response.content.decode()
    status = curator_client.get("/admin/ingest/ingestjob/resync/status/").json()
    assert status["scanning"] is True


def test_the_command_every_period_takes_turns_with_the_other_processes(
    put_song, no_resync_yet, monkeypatch
):
    put_song("music/one.mp3")
    slept = []

    def stop_at_the_first_sleep(seconds):
        slept.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr("ingest.management.commands.resync.time.sleep", stop_at_the_first_sleep)
    elsewhere = SharedResync()
    elsewhere.release(elsewhere.acquire("music/"))  # another process's re-sync, just started
    err = io.StringIO()

    call_command("resync", "--prefix", "music/", "--every", "3600", stderr=err)

    assert "skipping this period's" in err.getvalue()
    assert not Song.objects.exists()
    assert 3590 < slept[0] <= 3600  # until a period after the other one started
