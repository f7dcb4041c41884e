"""The media folder watcher (watch_media): which files it reports, and what each report says."""

import fcntl
import io
import logging
import os
import shutil
import threading
import urllib.error
from pathlib import Path

import pytest
from watchdog.events import (
    DirDeletedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
)

from catalog.tests.factories import SongFactory
from demo import audio_samples
from ingest import watcher
from ingest.events import check_s3_notification, object_record
from ingest.listing import local_etag
from ingest.models import IngestJob
from ingest.watcher import MediaFolderHandler, RecordSender, watch

pytestmark = pytest.mark.django_db


class Posted:
    """Stands in for the webhook: keeps the records the watcher posts, in order."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.requests: list[list[str]] = []  # the keys of each request
        self.arrived = threading.Condition()
        self.answer = threading.Event()  # cleared: requests wait, as on a busy server
        self.answer.set()
        self.failures: list[Exception] = []  # raised by the next requests, one each
        self.body_sizes: list[int] = []
        self.called = threading.Event()

    def __call__(self, records, webhook_url, secret, timeout=10) -> dict:
        self.called.set()
        assert self.answer.wait(10)
        if self.failures:
            raise self.failures.pop(0)
        with self.arrived:
            self.records.extend(records)
            self.requests.append([record["s3"]["object"]["key"] for record in records])
            self.body_sizes.append(len(watcher.json.dumps({"Records": records}).encode()))
            self.arrived.notify_all()
        return {"jobs": []}

    def events(self) -> list[tuple[str, str]]:
        object_events, _ = check_s3_notification({"Records": self.records})
        return [(event.action, event.key) for event in object_events]

    def wait_for(self, key: str, timeout: float = 10) -> bool:
        with self.arrived:
            return self.arrived.wait_for(
                lambda: any(key == found for _, found in self.events()), timeout
            )


@pytest.fixture
def posted(monkeypatch):
    posts = Posted()
    monkeypatch.setattr(watcher, "post_records", posts)
    return posts


@pytest.fixture
def sender(posted):
    """The handlers' sender: each test's records go out before it looks at them."""
    sender = RecordSender("http://127.0.0.1:1/", retry_wait=0)
    yield sender
    posted.answer.set()
    sender.close(timeout=10)


@pytest.fixture
def handler(media_root, sender):
    return MediaFolderHandler(media_root, "http://127.0.0.1:1/", sender)


def _song(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return audio_samples.write_sample(path, "mp3", audio_samples.SampleTags(title=path.stem))


def test_a_file_written_into_the_folder_is_reported_as_created(media_root, posted, handler):
    path = _song(media_root / "music" / "Artist" / "song.mp3")

    handler.on_closed(FileClosedEvent(str(path)))
    assert handler.sender.flush(timeout=10)

    assert posted.events() == [(IngestJob.Action.CREATED, "music/Artist/song.mp3")]
    s3_object = posted.records[0]["s3"]["object"]
    assert s3_object["size"] == path.stat().st_size
    assert s3_object["eTag"] == local_etag(path.stat())


def test_an_uploaded_file_is_left_to_the_upload_that_recorded_it(media_root, posted, handler):
    uploaded = _song(media_root / "music" / "uploads" / "2026" / "12" / "abc-song.mp3")

    handler.on_closed(FileClosedEvent(str(uploaded)))
    handler.on_moved(FileMovedEvent(str(media_root / "music" / "x.mp3"), str(uploaded)))
    assert handler.sender.flush(timeout=10)

    assert posted.events() == [(IngestJob.Action.REMOVED, "music/x.mp3")]


def test_an_uploaded_file_deleted_by_hand_is_reported_removed(media_root, posted, handler):
    gone = media_root / "music" / "uploads" / "2026" / "12" / "abc-song.mp3"

    handler.on_deleted(FileDeletedEvent(str(gone)))
    assert handler.sender.flush(timeout=10)

    assert posted.events() == [(IngestJob.Action.REMOVED, "music/uploads/2026/12/abc-song.mp3")]


# watchdog warns when it watches a folder again that it has just added itself.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_an_upload_makes_one_job_while_the_folder_is_watched(
    media_root, posted, handler, curator_api, tmp_path, django_capture_on_commit_callbacks
):
    (media_root / "music").mkdir()
    observer = watch(handler, media_root / "music")
    try:
        upload = _song(tmp_path / "Upload Song.mp3")
        with django_capture_on_commit_callbacks(execute=True), upload.open("rb") as file:
            response = curator_api.post("/api/v1/uploads/", {"file": file}, format="multipart")
        assert response.status_code == 201
        # A file copied in after the upload: once the watcher reports it, it has seen the
        # upload's file too (one observer thread, events in order).
        shutil.copyfile(_song(tmp_path / "copied.mp3"), media_root / "music" / "copied.mp3")
        assert posted.wait_for("music/copied.mp3")
    finally:
        observer.stop()
        observer.join()

    key = response.json()["key"]
    assert (media_root / key).is_file()
    assert [found for _, found in posted.events()] == ["music/copied.mp3"]
    assert IngestJob.objects.filter(key=key).count() == 1


def _records(*keys: str) -> list[dict]:
    return [object_record("local", key) for key in keys]


def test_records_sent_while_a_request_is_on_its_way_go_together_in_the_next(posted, sender):
    posted.answer.clear()  # the webhook is slow to answer the first request
    first, *burst = _records("music/1.mp3", "music/2.mp3", "music/3.mp3", "music/4.mp3")
    sender.send(first)
    assert posted.called.wait(10)  # the first request is on its way
    for record in burst:
        sender.send(record)
    posted.answer.set()

    assert sender.flush(timeout=10)
    assert posted.requests == [["music/1.mp3"], ["music/2.mp3", "music/3.mp3", "music/4.mp3"]]


def test_a_burst_of_records_goes_in_one_request(posted):
    # Sent as they came, a folder copied in went in a request or two a file.
    sender = RecordSender("http://127.0.0.1:1/", batch=4, quiet=60, linger=60)
    try:
        for record in _records(*(f"music/{n}.mp3" for n in range(4))):
            sender.send(record)
        assert sender.flush(timeout=10)  # the fourth fills the batch: no waiting for quiet
    finally:
        sender.close(timeout=10)

    assert posted.requests == [[f"music/{n}.mp3" for n in range(4)]]


def test_a_lone_record_goes_once_nothing_follows_it(posted):
    sender = RecordSender("http://127.0.0.1:1/", quiet=0.01, linger=60)
    try:
        sender.send(*_records("music/alone.mp3"))
        assert sender.flush(timeout=10)
    finally:
        sender.close(timeout=10)

    assert posted.requests == [["music/alone.mp3"]]


def test_closing_posts_what_waits_without_lingering(posted):
    sender = RecordSender("http://127.0.0.1:1/", quiet=60, linger=60)
    sender.send(*_records("music/last.mp3"))

    sender.close(timeout=10)  # had it lingered, nothing would be posted by now

    assert posted.requests == [["music/last.mp3"]]


def _send_all(posted, sender: RecordSender, records: list[dict]) -> None:
    posted.answer.clear()  # nothing is answered until every record is waiting
    try:
        for record in records:
            sender.send(record)
        posted.answer.set()
        assert sender.flush(timeout=10)
    finally:
        sender.close(timeout=10)


def test_a_request_holds_at_most_a_batch_of_records(posted):
    records = _records(*(f"music/{n}.mp3" for n in range(8)))

    _send_all(posted, RecordSender("http://127.0.0.1:1/", batch=3), records)

    assert [key for request in posted.requests for key in request] == [
        f"music/{n}.mp3" for n in range(8)
    ]
    assert max(len(request) for request in posted.requests) == 3


def test_a_request_holds_no_more_bytes_than_the_webhook_takes(posted):
    records = _records(*(f"music/{n}.mp3" for n in range(8)))
    two = len(watcher.json.dumps({"Records": records[:2]}).encode())

    _send_all(posted, RecordSender("http://127.0.0.1:1/", max_bytes=two), records)

    assert len(posted.requests) >= 4
    assert sum(len(request) for request in posted.requests) == 8
    assert max(posted.body_sizes) <= two


def test_a_webhook_that_is_not_up_yet_gets_the_records_again_in_order(posted, sender):
    posted.failures = [urllib.error.URLError("refused"), ConnectionResetError("reset")]

    for record in _records("music/a.mp3", "music/b.mp3"):
        sender.send(record)

    assert sender.flush(timeout=10)
    assert [key for request in posted.requests for key in request] == ["music/a.mp3", "music/b.mp3"]


def test_a_record_the_webhook_refuses_is_refused_alone(posted, sender, caplog):
    def refuse_bad_key(records, webhook_url, secret, timeout=10):
        if any("bad" in record["s3"]["object"]["key"] for record in records):
            raise urllib.error.HTTPError(
                webhook_url, 400, "Bad Request", {}, io.BytesIO(b'{"detail": "key too long"}')
            )
        return Posted.__call__(posted, records, webhook_url, secret, timeout)

    watcher.post_records = refuse_bad_key  # undone by the posted fixture's monkeypatch
    posted.answer.clear()
    records = _records("music/first.mp3", "music/good.mp3", "music/bad key.mp3", "music/last.mp3")
    with caplog.at_level(logging.ERROR, logger="ingest.watcher"):
        for record in records:
            sender.send(record)
        posted.answer.set()
        assert sender.flush(timeout=10)

    keys = [key for request in posted.requests for key in request]
    assert keys == ["music/first.mp3", "music/good.mp3", "music/last.mp3"]
    assert "refused music/bad key.mp3: 400" in caplog.text
    assert "key too long" in caplog.text


def _created_keys(posted) -> list[str]:
    return [key for action, key in posted.events() if action == IngestJob.Action.CREATED]


def test_a_file_that_appears_whole_is_reported_at_once(media_root, posted, handler):
    # Copied into a folder too new for its watch to see the close: only "created" is seen.
    path = _song(media_root / "music" / "New Folder" / "song.mp3")

    handler.on_created(FileCreatedEvent(str(path)))  # no one writes it: no need to wait
    assert handler.sender.flush(timeout=10)

    assert _created_keys(posted) == ["music/New Folder/song.mp3"]


def test_a_file_still_being_written_waits_for_its_close(media_root, posted, handler):
    path = media_root / "music" / "slow.mp3"
    path.parent.mkdir(parents=True)
    song = _song(media_root / "elsewhere.mp3").read_bytes()
    with path.open("wb") as writing:
        writing.write(song[:100])
        writing.flush()
        handler.on_created(FileCreatedEvent(str(path)))
        handler.flush_pending(settle=0)
        handler.flush_pending(settle=0)  # its size held still, but it is open for writing
        assert handler.sender.flush(timeout=10)
        assert posted.records == []
        writing.write(song[100:])
    handler.on_closed(FileClosedEvent(str(path)))
    assert handler.sender.flush(timeout=10)

    assert _created_keys(posted) == ["music/slow.mp3"]
    assert posted.records[0]["s3"]["object"]["size"] == len(song)


def test_a_file_seen_both_ways_is_reported_once_until_it_changes(media_root, posted, handler):
    path = _song(media_root / "music" / "song.mp3")

    handler.on_created(FileCreatedEvent(str(path)))
    handler.flush_pending()
    handler.on_closed(FileClosedEvent(str(path)))  # the close was still on its way
    assert handler.sender.flush(timeout=10)
    assert _created_keys(posted) == ["music/song.mp3"]

    path.write_bytes(path.read_bytes() + b"\0")  # rewritten: reported again
    handler.on_closed(FileClosedEvent(str(path)))
    # Taken out and put back as it was (cp -p keeps the time): reported again too.
    kept = path.read_bytes(), path.stat()
    path.unlink()
    handler.on_deleted(FileDeletedEvent(str(path)))
    path.write_bytes(kept[0])
    os.utime(path, ns=(kept[1].st_atime_ns, kept[1].st_mtime_ns))
    handler.on_closed(FileClosedEvent(str(path)))
    assert handler.sender.flush(timeout=10)

    assert posted.events() == [
        (IngestJob.Action.CREATED, "music/song.mp3"),
        (IngestJob.Action.CREATED, "music/song.mp3"),
        (IngestJob.Action.REMOVED, "music/song.mp3"),
        (IngestJob.Action.CREATED, "music/song.mp3"),
    ]


def test_where_writers_cannot_be_told_a_file_waits_until_its_size_holds(
    media_root, posted, handler, monkeypatch
):
    monkeypatch.setattr(watcher, "being_written", lambda path: None)
    path = _song(media_root / "music" / "New Folder" / "song.mp3")

    handler.on_created(FileCreatedEvent(str(path)))
    handler.flush_pending(settle=60)
    handler.flush_pending(settle=60)  # its size held still, but not for long enough
    assert handler.sender.flush(timeout=10)
    assert posted.records == []
    handler.flush_pending(settle=0)
    assert handler.sender.flush(timeout=10)

    assert _created_keys(posted) == ["music/New Folder/song.mp3"]


def test_being_written_tells_an_open_file_from_a_closed_one(tmp_path):
    leases = hasattr(fcntl, "F_SETLEASE")  # Linux; elsewhere nothing can be told
    path = tmp_path / "file.bin"
    with path.open("wb") as writing:
        writing.write(b"abc")
        assert watcher.being_written(str(path)) is (True if leases else None)
    with path.open("rb"):
        assert watcher.being_written(str(path)) is (False if leases else None)  # readers
    assert watcher.being_written(str(tmp_path / "missing")) is None


def _removed_keys(posted) -> list[str]:
    return [key for action, key in posted.events() if action == IngestJob.Action.REMOVED]


def test_a_folder_moved_out_takes_its_songs_with_it(media_root, posted, handler):
    # `mv Album ~/elsewhere` says only that the folder went, nothing of its files.
    for key in ("music/Album/01.mp3", "music/Album/CD2/02.flac", "music/Album 2/03.mp3"):
        SongFactory(storage_key=key)
    still_here = _song(media_root / "music" / "Album" / "kept.mp3")
    SongFactory(storage_key="music/Album/kept.mp3")

    handler.on_deleted(DirDeletedEvent(str(media_root / "music" / "Album")))
    assert handler.sender.flush(timeout=10)

    assert still_here.exists()
    assert sorted(_removed_keys(posted)) == ["music/Album/01.mp3", "music/Album/CD2/02.flac"]


def test_a_folder_deleted_file_by_file_is_not_reported_again(media_root, posted, handler):
    for key in ("music/Album/01.mp3", "music/Album/02.mp3"):
        SongFactory(storage_key=key)
        handler.on_deleted(FileDeletedEvent(str(media_root / key)))  # `rm -r`: each file first

    handler.on_deleted(DirDeletedEvent(str(media_root / "music" / "Album")))
    assert handler.sender.flush(timeout=10)

    assert _removed_keys(posted) == ["music/Album/01.mp3", "music/Album/02.mp3"]


def test_the_watched_folder_itself_going_reports_nothing(media_root, posted, handler):
    SongFactory(storage_key="music/Album/01.mp3")

    handler.on_deleted(DirDeletedEvent(str(media_root / "music")))
    assert handler.sender.flush(timeout=10)

    assert posted.records == []


def test_a_file_moved_within_the_folder_goes_in_one_request(media_root, posted, handler):
    # One request: the batch that reads the new key sees the old one go (ingest.same_file).
    path = _song(media_root / "music" / "Album" / "new name.mp3")

    handler.on_moved(FileMovedEvent(str(media_root / "music" / "old name.mp3"), str(path)))
    assert handler.sender.flush(timeout=10)

    assert posted.requests == [["music/old+name.mp3", "music/Album/new+name.mp3"]]
    assert [action for action, _ in posted.events()] == [
        IngestJob.Action.REMOVED,
        IngestJob.Action.CREATED,
    ]


def test_records_sent_together_are_never_split_between_requests(posted):
    pairs = [_records(f"music/{n}a.mp3", f"music/{n}b.mp3") for n in range(4)]

    sender = RecordSender("http://127.0.0.1:1/", batch=3)
    posted.answer.clear()
    try:
        for pair in pairs:
            sender.send(*pair)
        posted.answer.set()
        assert sender.flush(timeout=10)
    finally:
        sender.close(timeout=10)

    assert all(len(request) == 2 for request in posted.requests)  # 2 + 2 is over 3
    assert [key for request in posted.requests for key in request] == [
        f"music/{n}{side}.mp3" for n in range(4) for side in "ab"
    ]


def test_a_linked_file_is_reported_under_its_own_name(media_root, posted, handler, tmp_path):
    # As the listing of a re-sync names it; its target's path is outside the media folder.
    target = _song(tmp_path / "elsewhere" / "song.mp3")
    link = media_root / "music" / "linked.mp3"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)

    handler.on_closed(FileClosedEvent(str(link)))
    assert handler.sender.flush(timeout=10)

    assert _created_keys(posted) == ["music/linked.mp3"]


class Heard(MediaFolderHandler):
    """A handler that also keeps every event it is given."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heard: list[FileSystemEvent] = []

    def dispatch(self, event: FileSystemEvent) -> None:
        self.heard.append(event)
        super().dispatch(event)


# watchdog warns when it watches a folder again that it has just added itself.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_files_read_in_the_folder_do_not_wake_the_watcher(media_root, posted, sender, tmp_path):
    # The server reads each new file (its tags, its hash) and streams it, the lease check
    # opens it: none of that is news to the watcher, and it used to hear all of it.
    handler = Heard(media_root, "http://127.0.0.1:1/", sender)
    (media_root / "music").mkdir()
    observer = watch(handler, media_root / "music")
    try:
        shutil.copyfile(_song(tmp_path / "first.mp3"), media_root / "music" / "first.mp3")
        assert posted.wait_for("music/first.mp3")
        for _ in range(3):
            (media_root / "music" / "first.mp3").read_bytes()
        # Events come in order: once the next file is reported, the reads were heard, or not.
        shutil.copyfile(_song(tmp_path / "next.mp3"), media_root / "music" / "next.mp3")
        assert posted.wait_for("music/next.mp3")
    finally:
        observer.stop()
        observer.join()

    assert {(type(event), Path(event.src_path).name) for event in handler.heard} == {
        (FileCreatedEvent, "first.mp3"),
        (FileClosedEvent, "first.mp3"),
        (FileCreatedEvent, "next.mp3"),
        (FileClosedEvent, "next.mp3"),
    }
