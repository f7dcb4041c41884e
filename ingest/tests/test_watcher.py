"""The media folder watcher (watch_media): which files it reports, and what each report says."""

import shutil
import threading
from pathlib import Path

import pytest
from watchdog.events import FileClosedEvent, FileDeletedEvent, FileMovedEvent
from watchdog.observers import Observer

from demo import audio_samples
from ingest import watcher
from ingest.events import check_s3_notification
from ingest.listing import local_etag
from ingest.models import IngestJob
from ingest.watcher import MediaFolderHandler

pytestmark = pytest.mark.django_db


class Posted:
    """Stands in for the webhook: keeps the records the watcher posts, in order."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.arrived = threading.Condition()

    def __call__(self, records, webhook_url, secret, timeout=10) -> dict:
        with self.arrived:
            self.records.extend(records)
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


def _song(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return audio_samples.write_sample(path, "mp3", audio_samples.SampleTags(title=path.stem))


def test_a_file_written_into_the_folder_is_reported_as_created(media_root, posted):
    path = _song(media_root / "music" / "Artist" / "song.mp3")
    handler = MediaFolderHandler(media_root, "http://127.0.0.1:1/")

    handler.on_closed(FileClosedEvent(str(path)))

    assert posted.events() == [(IngestJob.Action.CREATED, "music/Artist/song.mp3")]
    s3_object = posted.records[0]["s3"]["object"]
    assert s3_object["size"] == path.stat().st_size
    assert s3_object["eTag"] == local_etag(path.stat())


def test_an_uploaded_file_is_left_to_the_upload_that_recorded_it(media_root, posted):
    uploaded = _song(media_root / "music" / "uploads" / "2026" / "12" / "abc-song.mp3")
    handler = MediaFolderHandler(media_root, "http://127.0.0.1:1/")

    handler.on_closed(FileClosedEvent(str(uploaded)))
    handler.on_moved(FileMovedEvent(str(media_root / "music" / "x.mp3"), str(uploaded)))

    assert posted.events() == [(IngestJob.Action.REMOVED, "music/x.mp3")]


def test_an_uploaded_file_deleted_by_hand_is_reported_removed(media_root, posted):
    gone = media_root / "music" / "uploads" / "2026" / "12" / "abc-song.mp3"
    handler = MediaFolderHandler(media_root, "http://127.0.0.1:1/")

    handler.on_deleted(FileDeletedEvent(str(gone)))

    assert posted.events() == [(IngestJob.Action.REMOVED, "music/uploads/2026/12/abc-song.mp3")]


# watchdog warns when it watches a folder again that it has just added itself.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_an_upload_makes_one_job_while_the_folder_is_watched(
    media_root, posted, curator_api, tmp_path, django_capture_on_commit_callbacks
):
    handler = MediaFolderHandler(media_root, "http://127.0.0.1:1/")
    observer = Observer()
    (media_root / "music").mkdir()
    observer.schedule(handler, str(media_root / "music"), recursive=True)
    observer.start()
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
