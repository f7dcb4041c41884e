"""A batch of local files is read by reader processes: the same tags as reading in place, each
file's failure its own, and a batch still read when the processes die."""

import contextlib
import hashlib
import pickle
import threading

import psutil
import pytest

from catalog.models import Song
from demo.audio_samples import SampleTags, make_cover
from ingest import jobs, reading, running
from ingest.events import check_s3_notification
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db

LIMITS = reading.ReadLimits(max_file_bytes=2**30, max_tag_bytes=2**25, timeout=60)
FORMATS = ("mp3", "flac", "ogg")


@pytest.fixture
def songs(put_song):
    """Write `count` tagged songs in turns of MP3, FLAC and Ogg; return their (key, size)."""

    def write(count: int, prefix: str = "music/") -> list[tuple[str, int]]:
        return [
            put_song(
                f"{prefix}{number:02}.{FORMATS[number % 3]}",
                SampleTags(
                    title=f"Song {number}",
                    artists=(f"Artist {number % 4}",),
                    album=f"Album {number % 2}",
                    track=number,
                    cover=make_cover() if number % 2 else None,
                ),
                seconds=0.5,
            )
            for number in range(count)
        ]

    return write


def _objects(stored: list[tuple[str, int]]) -> list[reading.ObjectToRead]:
    return [reading.ObjectToRead(number, key, size) for number, (key, size) in enumerate(stored)]


def _reader_processes() -> list[psutil.Process]:
    """The reader processes: children of this process's multiprocessing forkserver."""
    readers = []
    for child in psutil.Process().children():
        try:
            if "forkserver" in " ".join(child.cmdline()):
                readers += child.children()
        except psutil.NoSuchProcess:
            continue
    return readers


def _record(created, stored: list[tuple[str, int]]) -> list[int]:
    object_events, _ = check_s3_notification({"Records": [created(*pair) for pair in stored]})
    return [job.pk for job in jobs.record_ingest_events(object_events)]


def test_reader_processes_read_the_same_tags_as_reading_in_place(songs):
    objects = _objects(songs(reading.PROCESS_BATCH_MIN + 1))

    in_place = reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=0)
    in_processes = reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=2)

    assert all(isinstance(read, reading.TagsRead) for read in in_place.values())
    assert in_processes == in_place
    assert any(read.metadata.cover for read in in_processes.values())
    assert _reader_processes()


def test_songs_with_the_same_picture_share_one_cover_with_its_digest(songs):
    """An album's songs hold one CoverArt, its digest taken: a batch of results (what a reader
    process sends back) then carries the picture once."""
    objects = _objects(songs(6))

    read = reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=0)

    covers = [tags.metadata.cover for tags in read.values() if tags.metadata.cover]
    assert len(covers) == 3
    assert covers[0].sha256 == hashlib.sha256(covers[0].data).hexdigest()
    assert all(cover is covers[0] for cover in covers)
    picture = len(covers[0].data)
    assert picture < len(pickle.dumps(covers)) < 2 * picture


def test_a_batch_smaller_than_the_minimum_is_read_in_place(songs, monkeypatch):
    def no_pool(processes):
        raise AssertionError("a small batch started the reader processes")

    monkeypatch.setattr(reading, "_reader_pool", no_pool)
    objects = _objects(songs(reading.PROCESS_BATCH_MIN - 1))

    read = reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=2)

    assert all(isinstance(tags, reading.TagsRead) for tags in read.values())


def test_in_reader_processes_a_poison_file_and_a_vanished_one_fail_alone(
    songs, put_bytes, created, settings, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    settings.INGEST_READ_PROCESSES = 2
    stored = songs(reading.PROCESS_BATCH_MIN)
    poison = put_bytes("music/poison.mp3", b"ID3" + b"\xff" * 5000)
    vanished = put_bytes("music/vanished.flac", b"fLaC" + b"\x00" * 100)
    batch = _record(created, [*stored, poison, vanished])
    default_storage.delete("music/vanished.flac")

    with django_capture_on_commit_callbacks(execute=True):
        statuses = running.process_ingest_jobs(batch)

    assert [statuses[pk] for pk in batch] == ["done"] * len(stored) + ["failed", "skipped"]
    reasons = dict(IngestJob.objects.filter(pk__in=batch[-2:]).values_list("key", "reason"))
    assert reasons["music/poison.mp3"]
    assert reasons["music/vanished.flac"].startswith("the object is no longer in the store")
    assert str(settings.MEDIA_ROOT) not in "".join(reasons.values())
    assert Song.objects.count() == len(stored)


def test_a_batch_is_read_in_place_when_the_reader_processes_die(songs, created, settings):
    settings.INGEST_READ_PROCESSES = 2
    objects = _objects(songs(reading.PROCESS_BATCH_MIN, prefix="music/first/"))
    reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=2)
    readers = _reader_processes()
    assert readers
    for process in readers:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(readers, timeout=10)

    batch = _record(created, songs(reading.PROCESS_BATCH_MIN, prefix="music/second/"))
    statuses = running.process_ingest_jobs(batch)

    assert set(statuses.values()) == {"done"}
    # The next batch starts new readers.
    again = reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=2)
    assert all(isinstance(tags, reading.TagsRead) for tags in again.values())


def test_a_batch_is_read_in_place_where_processes_cannot_start(songs, monkeypatch):
    def no_forkserver(method):
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(reading, "_pool", None)
    monkeypatch.setattr(reading.multiprocessing, "get_context", no_forkserver)
    objects = _objects(songs(reading.PROCESS_BATCH_MIN))

    read = reading.read_objects(objects, LIMITS, s3=False, threads=4, processes=2)

    assert len(read) == len(objects)
    assert all(isinstance(tags, reading.TagsRead) for tags in read.values())


def test_reader_outcomes_use_the_jobs_status_values():
    assert reading.SKIPPED == IngestJob.Status.SKIPPED
    assert reading.FAILED == IngestJob.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_batches_through_shared_stages_all_end_and_the_later_event_wins(
    put_song, created, settings
):
    settings.INGEST_READ_PROCESSES = 2
    stages = running.BatchStages()
    key = "music/contested.mp3"
    older = _record(created, [put_song(key, SampleTags(title="Old")) + ("0001",)])
    others = [
        put_song(f"music/other-{n}.flac", SampleTags(title=f"Other {n}"))
        for n in range(reading.PROCESS_BATCH_MIN)
    ]
    newer = _record(created, [*others, put_song(key, SampleTags(title="New")) + ("0002",)])
    statuses = {}

    def run(batch):
        statuses.update(running.process_ingest_jobs(batch, stages=stages))

    first = threading.Thread(target=run, args=(older,))
    second = threading.Thread(target=run, args=(newer,))
    first.start()
    second.start()
    first.join(60)
    second.join(60)

    assert not first.is_alive() and not second.is_alive()
    assert set(statuses) == {*older, *newer}
    assert Song.objects.get(storage_key=key).title == "New"
    assert Song.objects.count() == len(others) + 1
