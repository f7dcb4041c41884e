"""manage.py resync: the catalogue converges on the store, S3 (moto) or the media folder."""

import io
import re

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Song
from demo import audio_samples
from demo.audio_samples import SampleTags
from ingest import jobs, resync, running
from ingest.events import RESYNC_EVENT_SUFFIX, ObjectEvent
from ingest.management.commands.resync import Command, ProgressBar
from ingest.models import IngestJob
from ingest.store import s3_client
from ingest.tests.conftest import BUCKET

pytestmark = pytest.mark.django_db


@pytest.fixture
def put_s3(s3, tmp_path):
    """Put a real tagged song into the bucket with no event; return its size."""

    def put(key: str, title: str, seconds: float = 1.0) -> int:
        fmt = key.rsplit(".", 1)[1]
        path = tmp_path / f"upload.{fmt}"
        audio_samples.write_sample(path, fmt, SampleTags(title=title), seconds=seconds)
        s3.upload_file(str(path), BUCKET, key)
        return path.stat().st_size

    return put


@pytest.fixture
def object_requests():
    """Count the GET and HEAD requests ingest makes for objects (not listings)."""
    counted = []
    events = s3_client(default_storage).meta.events
    handler = lambda model, **kwargs: counted.append(model.name)  # noqa: E731
    events.register("before-call.s3.GetObject", handler)
    events.register("before-call.s3.HeadObject", handler)
    yield counted
    events.unregister("before-call.s3.GetObject", handler)
    events.unregister("before-call.s3.HeadObject", handler)


def _resync(*args: str) -> str:
    out = io.StringIO()
    call_command("resync", *args, stdout=out)
    return out.getvalue()


def _titles() -> dict[str, str]:
    return dict(Song.objects.values_list("storage_key", "title"))


def test_resync_ingests_what_was_in_the_bucket_before_us(put_s3, s3):
    for number in range(3):
        put_s3(f"music/{number}.mp3", f"Song {number}")
    s3.put_object(Bucket=BUCKET, Key="music/notes.txt", Body=b"liner notes")
    s3.put_object(Bucket=BUCKET, Key="covers/ab/cover.jpg", Body=b"\xff\xd8\xff")

    out = _resync("--prefix", "")

    assert _titles() == {f"music/{n}.mp3": f"Song {n}" for n in range(3)}
    assert "Listed 5 object(s)" in out
    assert "3 added, 0 updated, 0 removed, 0 unchanged, 2 skipped (2 not audio), 0 failed" in out
    assert not IngestJob.objects.exclude(status=IngestJob.Status.DONE).exists()


def test_a_second_run_on_an_unchanged_bucket_reads_no_object(put_s3, object_requests):
    for number in range(3):
        put_s3(f"music/{number}.flac", f"Song {number}")
    _resync()
    assert object_requests  # the first run read the tags
    object_requests.clear()
    jobs_before = IngestJob.objects.count()

    out = _resync()

    assert object_requests == []
    assert IngestJob.objects.count() == jobs_before
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in out


def test_overwrite_delete_and_add_then_resync_converges(put_s3, s3):
    for name in ("keep", "change", "gone"):
        put_s3(f"music/{name}.mp3", name.title())
    _resync()
    put_s3("music/change.mp3", "Changed", seconds=1.5)
    s3.delete_object(Bucket=BUCKET, Key="music/gone.mp3")
    put_s3("music/new.ogg", "New")

    out = _resync()

    assert _titles() == {
        "music/keep.mp3": "Keep",
        "music/change.mp3": "Changed",
        "music/new.ogg": "New",
    }
    assert "1 added, 1 updated, 1 removed, 1 unchanged" in out


def test_dry_run_reports_and_changes_nothing(put_s3):
    put_s3("music/a.mp3", "A")

    out = _resync("--dry-run")

    assert "1 would be added" in out
    assert not Song.objects.exists()
    assert not IngestJob.objects.exists()


def test_an_interrupted_run_carries_on_and_duplicates_nothing(put_s3, monkeypatch):
    for number in range(6):
        put_s3(f"music/{number}.mp3", f"Song {number}")
    monkeypatch.setattr(resync, "BATCH", 2)

    def stop_after_the_first_batch(report):
        if report.done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        resync.resync("", progress=stop_after_the_first_batch)
    assert Song.objects.count() == 2

    report = resync.resync("")

    assert (report.added, report.unchanged) == (4, 2)
    assert Song.objects.count() == 6
    assert IngestJob.objects.count() == 6


def test_a_failing_file_is_reported_once_with_its_reason(put_s3, s3, object_requests):
    put_s3("music/good.mp3", "Good")
    s3.put_object(Bucket=BUCKET, Key="music/bad.mp3", Body=b"this is not audio at all")

    first = resync.resync("")
    object_requests.clear()
    again = resync.resync("")

    assert (first.added, first.failed) == (1, 1)
    assert first.failures[0][0] == "music/bad.mp3"
    assert "not an audio file" in first.failures[0][1]
    assert (again.failed, again.failures) == (1, first.failures)  # its earlier job, not a new one
    assert object_requests == []


def test_missing_bucket_is_one_clear_line_and_a_nonzero_exit(s3, settings, capsys):
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket"

    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "resync"])

    assert exit_.value.code != 0
    error = capsys.readouterr().err.strip()
    assert error == "CommandError: there is no bucket named 'no-such-bucket'"


def test_an_empty_listing_never_empties_the_catalogue(put_s3, s3):
    put_s3("music/a.mp3", "A")
    _resync()
    s3.delete_object(Bucket=BUCKET, Key="music/a.mp3")

    with pytest.raises(CommandError, match="lists nothing under"):
        _resync()

    assert Song.objects.count() == 1


# --- races with events: the newest wins -----------------------------------------------------


def _resync_event(key: str, action: str, applied: str, size: int | None = None) -> ObjectEvent:
    """The event a re-sync makes for a key, expecting the sequencer applied when it listed."""
    name = "ObjectCreated" if action == IngestJob.Action.CREATED else "ObjectRemoved"
    return ObjectEvent(
        action=action,
        bucket=BUCKET,
        key=key,
        event_name=name + RESYNC_EVENT_SUFFIX,
        event_time=None,
        size=size,
        etag="listed",
        version_id="",
        sequencer=applied,
    )


def test_an_event_after_the_listing_beats_the_resync(put_s3, post_events, created):
    size = put_s3("music/race.mp3", "First")
    post_events(created("music/race.mp3", size, sequencer="0A"))
    (listed_job,) = jobs.record_ingest_events(
        [_resync_event("music/race.mp3", IngestJob.Action.CREATED, "0A", size)]
    )
    size = put_s3("music/race.mp3", "Newest", seconds=1.5)
    post_events(created("music/race.mp3", size, sequencer="0B"))

    running.process_ingest_jobs([listed_job.pk])

    listed_job.refresh_from_db()
    assert listed_job.status == IngestJob.Status.SKIPPED
    assert "the event wins" in listed_job.reason
    assert Song.objects.get().title == "Newest"


def test_a_resync_removal_never_undoes_a_newer_upload(put_s3, post_events, created):
    size = put_s3("music/back.mp3", "Back")
    (removal,) = jobs.record_ingest_events(
        [_resync_event("music/back.mp3", IngestJob.Action.REMOVED, "")]
    )
    post_events(created("music/back.mp3", size, sequencer="0C"))

    running.process_ingest_jobs([removal.pk])

    removal.refresh_from_db()
    assert removal.status == IngestJob.Status.SKIPPED
    assert Song.objects.get().title == "Back"


def test_resync_never_resurrects_a_song_removed_after_the_listing(
    put_s3, s3, post_events, created, removed
):
    size = put_s3("music/bye.mp3", "Bye")
    post_events(created("music/bye.mp3", size, sequencer="0A"))
    (listed_job,) = jobs.record_ingest_events(
        [_resync_event("music/bye.mp3", IngestJob.Action.CREATED, "0A", size)]
    )
    s3.delete_object(Bucket=BUCKET, Key="music/bye.mp3")
    post_events(removed("music/bye.mp3", sequencer="0B"))

    running.process_ingest_jobs([listed_job.pk])

    assert not Song.objects.exists()


# --- the media folder ------------------------------------------------------------------------


def test_local_folder_filled_by_hand_is_resynced(put_song, media_root):
    put_song("music/by-hand/one.flac", SampleTags(title="One"))
    put_song("music/by-hand/two.ogg", SampleTags(title="Two"))
    (media_root / "music" / "by-hand" / "cover.png").write_bytes(b"\x89PNG")

    out = _resync("--prefix", "music/")

    assert _titles() == {"music/by-hand/one.flac": "One", "music/by-hand/two.ogg": "Two"}
    assert "2 added" in out and "1 skipped (1 not audio)" in out
    (media_root / "music" / "by-hand" / "two.ogg").unlink()

    out = _resync("--prefix", "music/")

    assert _titles() == {"music/by-hand/one.flac": "One"}
    assert "0 added, 0 updated, 1 removed, 1 unchanged" in out


def test_a_file_named_in_latin_1_fails_alone_and_the_run_carries_on(put_song, media_root):
    put_song("music/latin/good.mp3", SampleTags(title="Good"))
    good = (media_root / "music" / "latin" / "good.mp3").read_bytes()
    # Bytes that are not UTF-8, as old archives and zips name files: "Björk - Jóga.mp3".
    folder = bytes(media_root / "music" / "latin")
    with open(folder + b"/Bj\xf6rk - J\xf3ga.mp3", "wb") as latin_1:
        latin_1.write(good)
    printable = "music/latin/Bj\\xf6rk - J\\xf3ga.mp3"

    dry = _resync("--prefix", "music/", "--dry-run")
    out = _resync("--prefix", "music/")
    again = _resync("--prefix", "music/")

    assert _titles() == {"music/latin/good.mp3": "Good"}
    for summary in (dry, out):
        assert re.search(r"1 (would be )?added, .* 1 failed", summary), summary
        assert f"failed  {printable}: its key is not valid UTF-8; rename it" in summary
    assert "0 added, 0 updated, 0 removed, 1 unchanged, 0 skipped (0 not audio), 1 failed" in again
    failed = IngestJob.objects.get(status=IngestJob.Status.FAILED)  # one job, not one a run
    assert failed.key == printable and "not valid UTF-8" in failed.reason


def test_on_a_terminal_the_bar_shows_the_share_listed_and_the_time_left(put_song, media_root):
    for number in range(3):
        put_song(f"music/bar/{number}.mp3", SampleTags(title=f"Song {number}"))
    (media_root / "music" / "bar" / "cover.jpg").write_bytes(b"\xff\xd8")  # listed too
    screen = io.StringIO()

    bar = ProgressBar("music/", screen)
    assert bar.counted.wait(timeout=10)
    bar.show(resync.ResyncReport(listed=3, queued=2, added=1, not_audio=1))
    bar.close()

    shown = screen.getvalue()
    # Two of four settled (one added, the picture skipped); one listed is still being read.
    assert "re-sync:  50%" in shown and "2/4" in shown
    assert re.search(r"<\d\d:\d\d", shown), shown  # the time left
    assert "listed=3" in shown and "queued=2" in shown and "done=1" in shown


def test_off_a_terminal_the_resync_shows_no_bar(put_song):
    put_song("music/quiet/one.mp3", SampleTags(title="Quiet"))
    err = io.StringIO()

    call_command("resync", "--prefix", "music/", stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == ""


def test_local_listing_is_in_byte_order_like_s3(media_root):
    from ingest.listing import list_objects

    for key in ("music/a-b.mp3", "music/a/b.mp3", "music/a0.mp3", "music/B.mp3", "music/é.mp3"):
        path = media_root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")

    keys = [listed.key for listed in list_objects("music/")]

    assert keys == sorted(keys, key=lambda key: key.encode())
    assert keys == ["music/B.mp3", "music/a-b.mp3", "music/a/b.mp3", "music/a0.mp3", "music/é.mp3"]


def test_local_listing_takes_linked_files_and_leaves_linked_folders(media_root, tmp_path):
    from ingest.listing import list_objects

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "song.mp3").write_bytes(b"x")
    (media_root / "music").mkdir(parents=True)
    (media_root / "music" / "linked.mp3").symlink_to(elsewhere / "song.mp3")
    (media_root / "music" / "Linked Folder").symlink_to(elsewhere)  # as the watcher: not walked
    (media_root / "music" / "gone.mp3").symlink_to(tmp_path / "nothing.mp3")

    assert [listed.key for listed in list_objects("music/")] == ["music/linked.mp3"]


# --- over HTTP, against moto's server: more than one page of listing -------------------------


@pytest.fixture
def s3_server(settings, monkeypatch):
    """moto's S3 server on 127.0.0.1 (no notifications) as the media store."""
    from moto.server import ThreadedMotoServer

    from tests.support import free_port

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="served")
    settings.AWS_STORAGE_BUCKET_NAME = settings.INGEST_BUCKET_NAME = "served"
    settings.AWS_S3_ENDPOINT_URL = endpoint
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    yield client
    server.stop()


def test_resync_through_moto_server_walks_every_page(s3_server, tmp_path, object_requests):
    path = tmp_path / "song.ogg"
    audio_samples.write_sample(path, "ogg", SampleTags(title="Song"), seconds=1.0)
    for key in ("a/first.ogg", "m/middle.ogg", "z/last.ogg"):
        s3_server.upload_file(str(path), "served", key)
    for number in range(1001):  # more than one ListObjectsV2 page, between the songs
        s3_server.put_object(Bucket="served", Key=f"m/notes/{number:04}.txt", Body=b"x")

    first = resync.resync("")
    object_requests.clear()
    again = resync.resync("")

    assert (first.listed, first.added, first.not_audio, first.failed) == (1004, 3, 1001, 0)
    assert Song.objects.count() == 3
    assert (again.unchanged, again.added, again.updated, again.removed) == (3, 0, 0, 0)
    assert object_requests == []
