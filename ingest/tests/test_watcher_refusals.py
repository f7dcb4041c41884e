"""Files the media folder watcher does not post, and what keeps it watching: files that are
not audio, names that are not UTF-8, and a command that fails when its watching stops."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from watchdog.events import FileClosedEvent
from watchdog.observers.api import BaseObserver

from demo import audio_samples
from ingest.models import IngestJob
from ingest.tests import test_watcher
from ingest.tests.test_watcher import _song
from ingest.watcher import MediaFolderHandler, RecordSender, watch

posted = test_watcher.posted  # the watcher's posts, kept instead of sent


@pytest.fixture
def handler(media_root, posted):
    sender = RecordSender("http://127.0.0.1:1/", retry_wait=0)
    yield MediaFolderHandler(media_root, "http://127.0.0.1:1/", sender)
    sender.close(timeout=10)


@pytest.mark.django_db
def test_files_that_are_not_audio_are_not_reported(media_root, posted, handler):
    album = media_root / "music" / "Album"
    song = _song(album / "01 Song.flac")
    (album / "folder.jpg").write_bytes(audio_samples.make_cover((90, 10, 10)))
    (album / "info.txt").write_text("Recorded live in 1999.\n")

    for path in (album / "folder.jpg", album / "info.txt", song):
        handler.on_closed(FileClosedEvent(str(path)))
    assert handler.sender.flush(timeout=10)

    assert posted.events() == [(IngestJob.Action.CREATED, "music/Album/01 Song.flac")]


# watchdog warns when it watches a folder again that it has just added itself.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
@pytest.mark.django_db(transaction=True)
def test_a_file_named_in_latin_1_is_a_failed_job_and_the_watching_goes_on(
    media_root, posted, handler, tmp_path
):
    music = media_root / "music"
    music.mkdir()
    observer = watch(handler, music)
    try:
        # Bytes that are not UTF-8, as old archives and zips name files: "Björk - Jóga.mp3".
        shutil.copyfile(_song(tmp_path / "latin.mp3"), bytes(music) + b"/Bj\xf6rk - J\xf3ga.mp3")
        shutil.copyfile(_song(tmp_path / "after.mp3"), music / "after.mp3")
        assert posted.wait_for("music/after.mp3")
        assert observer.is_alive()
    finally:
        observer.stop()
        observer.join()

    assert [key for _, key in posted.events()] == ["music/after.mp3"]
    failed = IngestJob.objects.get()
    assert failed.status == IngestJob.Status.FAILED
    assert failed.key == "music/Bj\\xf6rk - J\\xf3ga.mp3"
    assert failed.reason == "its key is not valid UTF-8; rename it to ingest it"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_watch_media_fails_when_its_watching_stops(settings, media_root, monkeypatch):
    # A service manager restarts a watcher that fails; one that ended with status 0 stayed down.
    def broken(observer, event_queue):
        raise RuntimeError("the observer's thread died")

    monkeypatch.setattr(BaseObserver, "dispatch_events", broken)

    with pytest.raises(CommandError, match="stopped"):
        call_command("watch_media", "--webhook", "http://127.0.0.1:1/", stdout=io.StringIO())
