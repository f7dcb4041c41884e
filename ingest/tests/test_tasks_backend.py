"""The thread-pool task backend: one bounded pool per process, jobs side by side on it."""

import threading

import pytest
from django.tasks import task, task_backends
from django.tasks.signals import task_started

from catalog.models import Song
from demo.audio_samples import SampleTags
from ingest.events import check_s3_notification
from ingest.jobs import record_ingest_events
from ingest.models import IngestJob
from ingest.tasks import run_ingest_batch
from ingest.tasks_backend import wait_for_tasks

THREAD_BACKEND = "ingest.tasks_backend.ThreadPoolBackend"
ran_on: set[str] = set()


@task
def note_thread() -> None:
    """Remember which thread ran this task."""
    ran_on.add(threading.current_thread().name)


def test_backends_of_separate_requests_share_one_bounded_pool(settings):
    # Django builds task backends per context, like each ASGI request does; every context
    # must feed the same pool, or each request starts threads of its own.
    settings.TASKS = {"default": {"BACKEND": THREAD_BACKEND, "OPTIONS": {"THREADS": 2}}}
    ran_on.clear()
    backends = []

    def enqueue_from_own_context() -> None:
        backends.append(task_backends["default"])
        note_thread.enqueue()

    callers = [threading.Thread(target=enqueue_from_own_context) for _ in range(8)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert wait_for_tasks(timeout=30)

    assert len({id(backend) for backend in backends}) == 8
    assert len({id(backend._executor) for backend in backends}) == 1
    assert 1 <= len(ran_on) <= 2


@pytest.mark.django_db(transaction=True)
def test_thread_backend_runs_tasks_side_by_side_in_the_web_process(put_song, created, settings):
    settings.TASKS = {"default": {"BACKEND": THREAD_BACKEND, "OPTIONS": {"THREADS": 4}}}
    records = []
    for number in range(4):
        key, size = put_song(f"music/{number}.ogg", SampleTags(title=f"Parallel {number}"))
        records.append(created(key, size))
    object_events, _ = check_s3_notification({"Records": records})
    # Four requests of one event each: four tasks. (A request's events are one batch, and
    # batches then take turns, each taking the jobs queued meanwhile.)
    recorded = record_ingest_events(object_events)
    # Every job waits at the barrier until all four have started: they only all get past it
    # when they run at the same time, one queue behind another never would.
    together = threading.Barrier(4, timeout=60)
    met = []

    def wait_for_the_others(sender, task_result, **kwargs) -> None:
        try:
            together.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)

    task_started.connect(wait_for_the_others)
    try:
        for job in recorded:
            run_ingest_batch.enqueue([job.pk])
        assert wait_for_tasks(timeout=120)
    finally:
        task_started.disconnect(wait_for_the_others)

    assert met == [True] * 4
    assert set(IngestJob.objects.values_list("status", flat=True)) == {IngestJob.Status.DONE}
    assert Song.objects.count() == 4
