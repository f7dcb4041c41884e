"""Files the media folder watcher does not post: files that are not audio."""

import pytest
from watchdog.events import FileClosedEvent

from demo import audio_samples
from ingest.models import IngestJob
from ingest.tests.test_watcher import Posted, _song
from ingest.watcher import MediaFolderHandler, RecordSender


@pytest.fixture
def posted(monkeypatch):
    from ingest import watcher

    posts = Posted()
    monkeypatch.setattr(watcher, "post_records", posts)
    return posts


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
