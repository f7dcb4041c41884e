"""Ended ingest jobs are deleted past INGEST_JOBS_KEEP_DAYS: at the end of each re-sync, or by
`manage.py prune_ingest_jobs`; unfinished ones never are."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Song
from ingest.jobs import prune_ingest_jobs
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db

Status = IngestJob.Status


def _job(key: str, status: str, days_ago: float) -> IngestJob:
    job = IngestJob.objects.create(bucket="local", key=key, dedup_key=key, status=status)
    IngestJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return job


def _keys() -> set[str]:
    return set(IngestJob.objects.values_list("key", flat=True))


def test_ended_jobs_past_their_time_go_and_unfinished_or_recent_ones_stay():
    for status in (Status.DONE, Status.SKIPPED, Status.FAILED, Status.PENDING, Status.RUNNING):
        _job(f"old-{status}", status, days_ago=31)
        _job(f"new-{status}", status, days_ago=29)

    assert prune_ingest_jobs(30, chunk=2) == 3  # in statements of 2 rows, until none is left

    assert _keys() == {
        "old-pending",
        "old-running",
        *(f"new-{status}" for status in Status.values),
    }


def test_zero_days_keeps_every_job():
    _job("ancient", Status.DONE, days_ago=3650)

    assert prune_ingest_jobs(0) == 0
    assert _keys() == {"ancient"}


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (
            ["resync", "--prefix", "music/"],
            "Deleted 1 ended ingest job(s) past their keeping time.",
        ),
        (
            ["prune_ingest_jobs", "--days", "7"],
            "Deleted 1 ended ingest job(s) recorded over 7 days ago.",
        ),
    ],
    ids=["each re-sync", "the command, by its days"],
)
def test_pruning_runs_and_says_so(command, said, settings, media_root):
    settings.INGEST_JOBS_KEEP_DAYS = 7
    _job("music/gone.mp3", Status.DONE, days_ago=8)
    _job("music/kept.mp3", Status.FAILED, days_ago=6)
    out = io.StringIO()

    call_command(*command, stdout=out)

    assert _keys() == {"music/kept.mp3"}
    assert said in out.getvalue()


def test_an_event_delivered_again_after_its_job_was_pruned_changes_nothing(
    put_song, post_events, created
):
    key, size = put_song("music/again.mp3")
    record = created(key, size)
    post_events(record)
    song = Song.objects.get()
    IngestJob.objects.update(created_at=timezone.now() - timedelta(days=40))
    assert prune_ingest_jobs(30) == 1

    post_events(record)  # S3 delivers at least once: the same event, much later

    assert list(Song.objects.values_list("pk", "updated_at")) == [(song.pk, song.updated_at)]
    job = IngestJob.objects.get()
    assert (job.status, job.reason) == (Status.SKIPPED, "this event was already applied")
