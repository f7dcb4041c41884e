"""Jobs run in batches: one claim and one transaction of rows, yet each job ends on its own."""

import pytest
from django.db import IntegrityError

from catalog.models import Song
from demo.audio_samples import SampleTags
from ingest import jobs, tasks
from ingest.events import check_s3_notification
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db


def _record(created, *keys_and_sizes) -> list[int]:
    records = [created(key, size) for key, size in keys_and_sizes]
    object_events, _ = check_s3_notification({"Records": records})
    return [job.pk for job in jobs.record_ingest_events(object_events)]


def test_a_poison_file_fails_alone_and_the_rest_of_its_batch_is_kept(
    put_song, put_bytes, created, django_capture_on_commit_callbacks
):
    batch = _record(
        created,
        put_song("music/a.mp3", SampleTags(title="A")),
        put_bytes("music/poison.mp3", b"ID3" + b"\xff" * 5000),
        put_song("music/b.flac", SampleTags(title="B")),
    )

    with django_capture_on_commit_callbacks(execute=True):
        statuses = jobs.process_ingest_jobs(batch)

    assert [statuses[pk] for pk in batch] == ["done", "failed", "done"]
    poison = IngestJob.objects.get(key="music/poison.mp3")
    assert poison.reason
    assert sorted(Song.objects.values_list("title", flat=True)) == ["A", "B"]


def test_a_job_already_claimed_elsewhere_is_left_to_its_worker(put_song, created):
    (first, second) = _record(
        created,
        put_song("music/mine.mp3", SampleTags(title="Mine")),
        put_song("music/theirs.mp3", SampleTags(title="Theirs")),
    )
    IngestJob.objects.filter(pk=second).update(status=IngestJob.Status.RUNNING)

    statuses = jobs.process_ingest_jobs([first, second])

    assert statuses == {first: "done", second: "running"}
    assert list(Song.objects.values_list("title", flat=True)) == ["Mine"]


def test_a_webhook_body_is_queued_as_one_batch_per_task_thread(settings):
    settings.INGEST_THREADS = 4

    assert [len(batch) for batch in tasks.batches(list(range(10)))] == [3, 3, 3, 1]
    assert [len(batch) for batch in tasks.batches([1])] == [1]
    assert max(len(batch) for batch in tasks.batches(list(range(1000)))) == tasks.MAX_BATCH


def test_a_batch_whose_commit_is_refused_runs_its_jobs_one_at_a_time(
    put_song, created, monkeypatch, django_capture_on_commit_callbacks
):
    """A batch's one commit can be refused (another worker deleted an artist it links to, a
    deadlock): its jobs then run alone, instead of staying 'running' with nothing written."""
    batch = _record(
        created,
        put_song("music/a.mp3", SampleTags(title="A")),
        put_song("music/b.flac", SampleTags(title="B")),
    )
    bulk_update = IngestJob.objects.bulk_update
    refusals = []

    def refused_once(*args, **kwargs):
        # Stands in for the database refusing the batch's transaction, which a test on one
        # connection cannot provoke for real; only the batch path calls bulk_update.
        if not refusals:
            refusals.append(True)
            raise IntegrityError("FOREIGN KEY constraint failed")
        return bulk_update(*args, **kwargs)

    monkeypatch.setattr(IngestJob.objects, "bulk_update", refused_once)

    with django_capture_on_commit_callbacks(execute=True):
        statuses = jobs.process_ingest_jobs(batch)

    assert refusals
    assert [statuses[pk] for pk in batch] == ["done", "done"]
    assert set(IngestJob.objects.values_list("status", flat=True)) == {"done"}
    assert sorted(Song.objects.values_list("title", flat=True)) == ["A", "B"]
