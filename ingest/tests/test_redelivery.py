"""Events without a sequencer or version id (moto's S3 -> SQS, MinIO): redelivery vs. re-upload."""

import pytest

from catalog.models import Song
from demo.audio_samples import SampleTags
from ingest.models import IngestJob


def _unsequenced(record: dict, event_time: str) -> dict:
    record["s3"]["object"].pop("sequencer", None)
    record["eventTime"] = event_time
    return record


@pytest.mark.django_db
def test_same_bytes_uploaded_again_after_a_delete_bring_the_song_back(
    put_song, post_events, created, removed
):
    key, size = put_song("music/again.mp3", SampleTags(title="Again"))
    post_events(_unsequenced(created(key, size), "2026-01-01T10:00:00.000Z"))
    post_events(_unsequenced(removed(key), "2026-01-01T10:05:00.000Z"))
    assert not Song.objects.exists()

    post_events(_unsequenced(created(key, size), "2026-01-01T10:10:00.000Z"))

    assert Song.objects.get().title == "Again"
    assert IngestJob.objects.filter(action=IngestJob.Action.CREATED).count() == 2


@pytest.mark.django_db
def test_redelivered_unsequenced_event_is_still_one_job(put_song, post_events, created):
    key, size = put_song("music/once.mp3", SampleTags(title="Once"))
    record = _unsequenced(created(key, size), "2026-01-01T10:00:00.000Z")

    post_events(record)
    post_events(record)

    assert IngestJob.objects.count() == 1
    assert Song.objects.count() == 1
