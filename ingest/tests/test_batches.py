"""Jobs run in batches: one claim and one transaction of rows, yet each job ends on its own."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import Song, StoredObject
from conftest import require
from demo.audio_samples import SampleTags
from ingest import jobs, running, tasks
from ingest.events import check_s3_notification
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db


def _record(created, *keys_and_sizes) -> list[int]:
    return _record_event(*(created(key, size) for key, size in keys_and_sizes))


def _record_event(*records: dict) -> list[int]:
    object_events, _ = check_s3_notification({"Records": list(records)})
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
        statuses = running.process_ingest_jobs(batch)

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

    statuses = running.process_ingest_jobs([first, second])

    assert statuses == {first: "done", second: "running"}
    assert list(Song.objects.values_list("title", flat=True)) == ["Mine"]


def test_a_webhook_body_is_queued_in_batches_of_max_batch():
    assert [len(batch) for batch in tasks.batches(list(range(10)))] == [10]
    assert [len(batch) for batch in tasks.batches([1])] == [1]
    assert tasks.batches([]) == []
    sizes = [len(batch) for batch in tasks.batches(list(range(250)))]
    assert sizes == [tasks.MAX_BATCH, tasks.MAX_BATCH, 250 - 2 * tasks.MAX_BATCH]


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
    update_in_bulk = running.update_in_bulk
    refusals = []

    def refused_once(model, *args, **kwargs):
        # Stands in for the database refusing the batch's transaction, which a test on one
        # connection cannot provoke for real; the batch's commit ends by saving its jobs.
        if model is IngestJob and not refusals:
            refusals.append(True)
            raise IntegrityError("FOREIGN KEY constraint failed")
        return update_in_bulk(model, *args, **kwargs)

    monkeypatch.setattr(running, "update_in_bulk", refused_once)

    with django_capture_on_commit_callbacks(execute=True):
        statuses = running.process_ingest_jobs(batch)

    assert refusals
    assert [statuses[pk] for pk in batch] == ["done", "done"]
    assert set(IngestJob.objects.values_list("status", flat=True)) == {"done"}
    assert sorted(Song.objects.values_list("title", flat=True)) == ["A", "B"]


# --- a batch's songs are written together ------------------------------------------------------


def _run(batch, django_capture_on_commit_callbacks) -> dict[int, str]:
    with django_capture_on_commit_callbacks(execute=True):
        return running.process_ingest_jobs(batch)


def test_a_batch_updates_known_songs_and_adds_new_ones_together(
    put_song, created, django_capture_on_commit_callbacks
):
    old = SampleTags(title="Old", artists=("Before", "Guest"), genres=("Jazz",), album="One")
    _run(_record(created, put_song("music/a.mp3", old)), django_capture_on_commit_callbacks)
    song = Song.objects.get()
    before = song.updated_at

    new = SampleTags(title="New", artists=("After",), genres=("Folk", "Ambient"), album="One")
    batch = _record(
        created,
        put_song("music/a.mp3", new),
        put_song("music/b.flac", SampleTags(title="B", album="One", artists=("After",))),
    )
    statuses = _run(batch, django_capture_on_commit_callbacks)

    assert [statuses[pk] for pk in batch] == ["done", "done"]
    song.refresh_from_db()
    assert song.title == "New" and song.updated_at > before
    assert [artist.name for artist in song.artists.order_by("songartist__position")] == ["After"]
    assert song.artist.name == "After"
    assert sorted(genre.name for genre in song.genres.all()) == ["Ambient", "Folk"]
    assert song.stored_object.song_id == song.pk and song.stored_object.exists
    assert Song.objects.get(title="B").album == song.album  # same artist, same title
    assert "before" not in song.search_text and "new" in song.search_text.split()


def test_an_album_takes_what_it_lacks_from_the_first_song_of_the_batch_that_has_it(
    put_song, created, django_capture_on_commit_callbacks
):
    from demo.audio_samples import make_cover

    cover = make_cover((200, 30, 30))
    batch = _record(
        created,
        put_song("music/1.mp3", SampleTags(title="1", album="Gaps", artists=("A",), year=None)),
        put_song("music/2.mp3", SampleTags(title="2", album="Gaps", artists=("A",), year=1999)),
        put_song(
            "music/3.mp3",
            SampleTags(title="3", album="Gaps", artists=("A",), year=2004, cover=cover),
        ),
    )
    _run(batch, django_capture_on_commit_callbacks)

    (album,) = {song.album for song in Song.objects.all()}
    assert album.year == 1999  # the first song that had a year set it
    assert album.cover is not None
    assert Song.objects.get(title="1").cover == album.cover  # the song falls back to the album's


def test_stale_events_and_outrun_resyncs_in_a_batch_are_skipped_with_their_reason(
    put_song, created, django_capture_on_commit_callbacks
):
    key, size = put_song("music/a.mp3", SampleTags(title="Newest"))
    _run(_record(created, (key, size)), django_capture_on_commit_callbacks)  # applies its own
    applied = Song.objects.get().stored_object.sequencer
    older = f"{int(applied, 16) - 1:016X}"
    other = put_song("music/b.mp3", SampleTags(title="B"))
    records = [created(key, size, sequencer=older), created(*other)]
    batch = _record_event(*records)

    statuses = _run(batch, django_capture_on_commit_callbacks)

    assert [statuses[pk] for pk in batch] == ["skipped", "done"]
    assert "newer event" in IngestJob.objects.get(pk=batch[0]).reason
    assert sorted(Song.objects.values_list("title", flat=True)) == ["B", "Newest"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # two connections, each with its own transaction
@pytest.mark.parametrize("newest", ["other", "batch"])
def test_two_workers_writing_a_new_object_at_once_keep_the_newest_and_one_song(
    put_song, created, caplog, newest
):
    """Another worker is writing the same object, seen for the first time, and has not
    committed yet: the batch waits for its row, then the newest event wins, nothing is
    doubled, and the batch is still written together (not one job at a time)."""
    require(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    other_sequencer, batch_sequencer = ("0B", "0A") if newest == "other" else ("0A", "0B")
    key, size = put_song("music/race.mp3", SampleTags(title="Other"))
    (other,) = _record_event(created(key, size, sequencer=other_sequencer))
    holding, release, failures = threading.Event(), threading.Event(), []

    def other_worker():
        try:
            with transaction.atomic():  # its rows stay uncommitted until released
                running.process_ingest_jobs([other])
                holding.set()
                release.wait(30)
        except Exception as error:
            failures.append(error)
        finally:
            holding.set()
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert holding.wait(30)
    key, size = put_song("music/race.mp3", SampleTags(title="Batch"))
    batch = _record_event(
        created(key, size, sequencer=batch_sequencer),
        created(*put_song("music/b.mp3", SampleTags(title="B"))),
    )
    threading.Timer(1.0, release.set).start()  # the batch is waiting on the other's row by then

    statuses = running.process_ingest_jobs(batch)
    worker.join(30)

    assert not failures
    assert statuses[batch[1]] == "done"
    assert StoredObject.objects.get(key=key).sequencer == max(other_sequencer, batch_sequencer)
    assert Song.objects.get(storage_key=key).title == newest.capitalize()
    assert Song.objects.count() == 2
    if newest == "batch":
        assert statuses[batch[0]] == "done"
    else:
        assert statuses[batch[0]] == "skipped"
        assert "newer event" in IngestJob.objects.get(pk=batch[0]).reason
    assert "one at a time" not in caplog.text


def test_jobs_of_one_key_in_a_batch_apply_in_order(
    put_song, created, removed, django_capture_on_commit_callbacks
):
    key, size = put_song("music/a.mp3", SampleTags(title="Gone soon"))
    records = [
        created(key, size, sequencer="0000000000000010"),
        removed(key, sequencer="0000000000000020"),
        created(*put_song("music/b.mp3", SampleTags(title="Stays"))),
    ]
    batch = _record_event(*records)

    statuses = _run(batch, django_capture_on_commit_callbacks)

    assert [statuses[pk] for pk in batch] == ["done", "done", "done"]
    assert list(Song.objects.values_list("title", flat=True)) == ["Stays"]


def test_every_tagged_song_field_is_saved_when_a_batch_updates_a_song():
    from catalog import tagged
    from catalog.linked import rows_by_name
    from catalog.metadata import SongMetadata
    from catalog.models import Artist

    metadata = SongMetadata(
        *(None, ("A",), None, None, None, None, None, None, None, (), 1.0, None, None, None),
        *("mp3", "audio/mpeg", None, None),
    )

    class Version:
        bucket, key, etag, version_id, sequencer = "local", "k.mp3", "", "", ""

    (artist,) = rows_by_name(Artist, ["A"]).values()
    values = tagged._song_values(
        Version(), metadata, [artist], None, [], None, size=1, content_hash=""
    )
    assert set(values) == set(tagged.SONG_TAGGED_FIELDS)


def test_a_task_fills_its_batch_with_other_pending_jobs(
    put_song, created, django_capture_on_commit_callbacks
):
    """Small requests queue small batches; the first task to run takes the others' jobs too,
    and a task whose jobs were taken finds them ended."""
    with django_capture_on_commit_callbacks(execute=False):
        first = _record(created, put_song("music/a.mp3", SampleTags(title="A")))
        later = _record(
            created,
            put_song("music/b.mp3", SampleTags(title="B")),
            put_song("music/c.mp3", SampleTags(title="C")),
        )
    held = _record(created, put_song("music/d.mp3", SampleTags(title="D")))
    IngestJob.objects.filter(pk__in=held).update(status=IngestJob.Status.RUNNING)

    with django_capture_on_commit_callbacks(execute=True):
        statuses = running.process_ingest_jobs(first, fill_to=3)
        alone = running.process_ingest_jobs(first)  # nothing pending left to take

    assert statuses == {pk: "done" for pk in first + later}
    assert alone == {first[0]: "done"}
    assert sorted(Song.objects.values_list("title", flat=True)) == ["A", "B", "C"]
    assert tasks.run_ingest_batch.call(later) == {str(pk): "done" for pk in later}


def test_a_staged_task_whose_jobs_were_all_taken_answers_with_one_query(
    put_song, created, django_assert_num_queries
):
    """Another batch took this task's jobs: it tells how they ended and leaves the jobs still
    pending to their own tasks, instead of filling a batch (and waiting for the writer)."""
    first = _record(created, put_song("music/a.mp3", SampleTags(title="A")))
    stages = running.BatchStages()
    assert running.process_ingest_jobs(first, fill_to=3, stages=stages) == {first[0]: "done"}
    waiting = _record(created, put_song("music/b.mp3", SampleTags(title="B")))

    with django_assert_num_queries(1):
        again = running.process_ingest_jobs(first, fill_to=3, stages=stages)

    assert again == {first[0]: "done"}
    assert IngestJob.objects.get(pk=waiting[0]).status == IngestJob.Status.PENDING
    # A task with a job of its own still pending runs it, and fills its batch as before.
    assert running.process_ingest_jobs(waiting, fill_to=3, stages=stages) == {waiting[0]: "done"}
