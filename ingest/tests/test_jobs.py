"""Ingest jobs under each task backend, and the bounds that keep one bad file from stalling."""

import pytest
from django.core.management import call_command

from catalog.models import Song
from demo.audio_samples import SampleTags
from ingest.events import check_s3_notification
from ingest.models import IngestJob
from ingest.tasks import queue_ingest_events


@pytest.mark.django_db
def test_job_past_its_time_limit_fails_with_reason(put_song, post_events, created, settings):
    settings.INGEST_JOB_TIMEOUT = 1e-9
    key, size = put_song("music/slow.flac")

    post_events(created(key, size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    assert "time limit" in job.reason
    assert not Song.objects.exists()


@pytest.mark.django_db
def test_job_past_its_byte_budget_fails_with_reason(put_song, post_events, created, settings):
    settings.INGEST_MAX_TAG_BYTES = 4096
    key, size = put_song("music/big-tags.mp3")

    post_events(created(key, size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    assert "MB to read" in job.reason


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_jobs_for_a_worker(put_song, created, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    key, size = put_song("music/queued.mp3", SampleTags(title="Queued"))
    events, _ = check_s3_notification({"Records": [created(key, size)]})

    queue_ingest_events(events)

    assert IngestJob.objects.get().status == IngestJob.Status.PENDING
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.05")
    assert IngestJob.objects.get().status == IngestJob.Status.DONE
    assert Song.objects.get().title == "Queued"


@pytest.mark.django_db
def test_recover_queues_jobs_a_stopped_process_left_behind(
    put_song, created, django_capture_on_commit_callbacks
):
    key, size = put_song("music/orphan.mp3")
    job = IngestJob.objects.create(
        bucket="local",
        key=key,
        action="created",
        event_name="ObjectCreated:Put",
        size=size,
        dedup_key="x" * 64,
        status=IngestJob.Status.PENDING,
    )

    call_command("recover_ingest_jobs")

    job.refresh_from_db()
    assert job.status == IngestJob.Status.DONE
    assert Song.objects.count() == 1
