"""Ingest costs a fixed, small number of queries per song, and per webhook body."""

import pytest

from catalog.models import Song
from demo.audio_samples import SampleTags, make_cover
from ingest import jobs, tasks
from ingest.events import check_s3_notification
from ingest.models import IngestJob

TAGS = SampleTags(
    title="Low Tide",
    artists=("The Tidelines", "Guest"),
    album="Harbour Lights",
    album_artist="The Tidelines",
    genres=("Synthpop", "Ambient"),
    cover=make_cover((10, 120, 200)),
)


def _record(created, key: str, size: int) -> IngestJob:
    object_events, _ = check_s3_notification({"Records": [created(key, size)]})
    (job,) = jobs.record_ingest_events(object_events)
    return job


@pytest.mark.django_db
def test_ingesting_a_new_song_with_new_artists_album_and_cover_costs_fixed_queries(
    put_song, created, django_assert_num_queries, django_capture_on_commit_callbacks
):
    key, size = put_song("music/low-tide.flac", TAGS)
    with django_capture_on_commit_callbacks(execute=False):
        job = _record(created, key, size)

    # Claim, staleness check, cover, object row, artists, album, genres, song and its links,
    # search words, job outcome; then the live message (song with artists and genres). Four
    # are savepoints: the batch's transaction and the job's own inside it.
    with django_assert_num_queries(34), django_capture_on_commit_callbacks(execute=True):
        jobs.process_ingest_job(job.pk)

    song = Song.objects.get()
    assert [artist.name for artist in song.artists.order_by("songartist__position")] == [
        "The Tidelines",
        "Guest",
    ]
    assert song.album.title == "Harbour Lights"
    assert sorted(genre.name for genre in song.genres.all()) == ["Ambient", "Synthpop"]


@pytest.mark.django_db
def test_ingesting_a_song_of_a_known_album_costs_fewer_queries(
    put_song, created, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first_key, first_size = put_song("music/01.flac", TAGS)
    key, size = put_song("music/02.flac", TAGS)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.process_ingest_job(_record(created, first_key, first_size).pk)
    with django_capture_on_commit_callbacks(execute=False):
        job = _record(created, key, size)

    with django_assert_num_queries(26), django_capture_on_commit_callbacks(execute=True):
        jobs.process_ingest_job(job.pk)

    assert Song.objects.count() == 2
    assert Song.objects.values("album").distinct().count() == 1


@pytest.mark.django_db
def test_a_batch_pays_its_claim_and_transaction_once(
    put_song, created, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    first_key, first_size = put_song("music/01.flac", TAGS)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.process_ingest_job(_record(created, first_key, first_size).pk)
    with django_capture_on_commit_callbacks(execute=False):
        batch = [_record(created, *put_song(f"music/{n:02}.flac", TAGS)).pk for n in range(2, 7)]

    # Alone, each of these songs costs 26 queries (above); in one batch the claim, the
    # staleness lookup, the savepoints of the batch and the status update are shared.
    with (
        django_assert_max_num_queries(5 * 26 - 4 * 5),
        django_capture_on_commit_callbacks(execute=True),
    ):
        statuses = jobs.process_ingest_jobs(batch)

    assert set(statuses.values()) == {IngestJob.Status.DONE}
    assert Song.objects.count() == 6


@pytest.mark.django_db
def test_a_webhook_body_of_many_records_is_recorded_in_one_insert(
    put_song, created, django_assert_num_queries, django_capture_on_commit_callbacks
):
    records = [created(f"music/{number}.mp3", 1000) for number in range(20)]
    object_events, _ = check_s3_notification({"Records": records})

    with (
        django_assert_num_queries(4),  # lookup, savepoint, insert, release
        django_capture_on_commit_callbacks(execute=False) as queued,
    ):
        recorded = tasks.queue_ingest_events(object_events)

    assert len(queued) == 1  # one callback queues the whole body, in batches
    assert [job.key for job in recorded] == [f"music/{number}.mp3" for number in range(20)]
    assert all(job.is_new and job.pk for job in recorded)
    again = tasks.queue_ingest_events(object_events)
    assert [job.pk for job in again] == [job.pk for job in recorded]
    assert not any(job.is_new for job in again)
