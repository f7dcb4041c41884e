"""Ingest costs a fixed, small number of queries per song, and per webhook body."""

from dataclasses import replace

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import events
from catalog.models import Album, Artist, Cover, Genre, SearchWord, Song
from demo.audio_samples import SampleTags, make_cover
from ingest import jobs, running, tasks
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

    # Claim, staleness check, the cover looked up ahead of the transaction (its file is
    # stored outside it), the object's row (inserted unless another job's is there, then
    # locked), artists, genres, cover and album (each looked up, inserted, read back), the
    # song looked up and inserted, its links, search words, the object's row updated, the
    # job's outcome; then the catalogue's change stamp and the live message (the song, then
    # its artists and genres in one query). Four are savepoints: the batch's transaction and
    # the savepoint its songs are written together in.
    with django_assert_num_queries(32), django_capture_on_commit_callbacks(execute=True):
        running.process_ingest_job(job.pk)

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
        running.process_ingest_job(_record(created, first_key, first_size).pk)
    with django_capture_on_commit_callbacks(execute=False):
        job = _record(created, key, size)

    with django_assert_num_queries(24), django_capture_on_commit_callbacks(execute=True):
        running.process_ingest_job(job.pk)

    assert Song.objects.count() == 2
    assert Song.objects.values("album").distinct().count() == 1


@pytest.mark.django_db
def test_a_batch_pays_its_claim_and_transaction_once(
    put_song, created, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first_key, first_size = put_song("music/01.flac", TAGS)
    with django_capture_on_commit_callbacks(execute=True):
        running.process_ingest_job(_record(created, first_key, first_size).pk)
    with django_capture_on_commit_callbacks(execute=False):
        batch = [_record(created, *put_song(f"music/{n:02}.flac", TAGS)).pk for n in range(2, 7)]

    # Alone, each of these songs costs 24 queries (above); in one batch the claim, the
    # staleness lookup, the savepoints, each kind of row and the status update are paid once,
    # so five cost what one does.
    with django_assert_num_queries(24), django_capture_on_commit_callbacks(execute=True):
        statuses = running.process_ingest_jobs(batch)

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


def _batch_queries(put_song, created, count: int, first: int) -> int:
    """Record `count` new songs of one album and count the queries of their one batch."""
    keys = [put_song(f"music/{n:03}.mp3", TAGS) for n in range(first, first + count)]
    object_events, _ = check_s3_notification({"Records": [created(*key) for key in keys]})
    batch = [job.pk for job in jobs.record_ingest_events(object_events)]
    with CaptureQueriesContext(connection) as queries:
        statuses = running.process_ingest_jobs(batch)
    assert set(statuses.values()) == {IngestJob.Status.DONE}
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_one_albums_songs_reuses_its_artists_album_genres_and_cover(
    put_song, created, django_capture_on_commit_callbacks
):
    # Transactional, so each batch commits and its live message is built as in production.
    with django_capture_on_commit_callbacks(execute=True):
        ten = _batch_queries(put_song, created, 10, first=0)
    Song.objects.all().delete()  # the next batch finds the artists, album and cover again
    with django_capture_on_commit_callbacks(execute=True):
        twenty = _batch_queries(put_song, created, 20, first=100)

    # A batch's songs are written together, each kind of row in one statement: its cost does
    # not grow with its size (the second batch, twice as big, finds its artists, album, genre
    # and cover, so it costs less); the first is the 33 statements of a single new song, and
    # one more to make the change stamp's row, which the flush of the test before dropped.
    assert ten <= 34
    assert twenty <= ten


@pytest.mark.django_db(transaction=True)  # the batch commits: its foreign keys are checked
def test_a_failed_job_leaves_no_row_for_the_rest_of_its_batch_to_reuse(
    put_song, created, monkeypatch, django_capture_on_commit_callbacks
):
    nightshade = SampleTags(
        title="Hemlock",
        artists=("Nightshade",),
        album="Belladonna",
        genres=("Darkwave",),
        cover=make_cover((90, 10, 60)),
    )
    keys = [
        put_song("music/a.mp3", SampleTags(title="Harbour", artists=("The Tidelines",))),
        put_song("music/poison.mp3", nightshade),
        put_song("music/c.mp3", replace(nightshade, title="Mandrake")),
    ]
    object_events, _ = check_s3_notification({"Records": [created(*key) for key in keys]})
    batch = [job.pk for job in jobs.record_ingest_events(object_events)]
    announce = events.announce_song

    def fail_on_hemlock(kind, song_id, using=None):
        # The poison's artist, album, genre and cover are created in its savepoint by now.
        if Song.objects.filter(pk=song_id, title="Hemlock").exists():
            raise RuntimeError("a fault after the poison's rows were written")
        announce(kind, song_id, using)

    monkeypatch.setattr(events, "announce_song", fail_on_hemlock)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = running.process_ingest_jobs(batch)

    assert [statuses[pk] for pk in batch] == ["done", "failed", "done"]
    mandrake = Song.objects.get(title="Mandrake")
    assert [artist.name for artist in mandrake.artists.all()] == ["Nightshade"]
    assert mandrake.album.title == "Belladonna"
    assert [genre.name for genre in mandrake.genres.all()] == ["Darkwave"]
    assert mandrake.cover == mandrake.album.cover == Cover.objects.get()
    # Its file was stored before the batch; the poison's savepoint took back only the row.
    assert default_storage.exists(mandrake.cover.image.name)
    assert Artist.objects.filter(name="Nightshade").count() == 1
    assert Album.objects.filter(title="Belladonna").count() == 1
    assert Genre.objects.filter(name="Darkwave").count() == 1
    assert not SearchWord.objects.filter(word="hemlock").exists()
    assert SearchWord.objects.filter(word="mandrake").exists()
