"""`manage.py watch_media` beside a real server (daphne), as `make run` starts them: an album
folder copied into media/music/ arrives whole, a file taken out leaves the catalogue, a file
renamed stays the same song, and the rest of the album leaves when its folder is moved out."""

import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from catalog.models import Song
from demo.audio_samples import SampleTags, make_cover, write_sample
from ingest.models import IngestJob
from tests.servers import REPO_ROOT, server_environment
from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ALBUM_SONGS = 12


@pytest.fixture
def watched(start_asgi_server, server_database_url, tmp_path):
    """A server and the folder watcher posting to it; return (server, watcher log)."""
    server = start_asgi_server("watched")
    music = server.media_root / "music"
    music.mkdir(exist_ok=True)
    log_path = tmp_path / "watch_media.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "watch_media", "--webhook", server.webhook_url],
            cwd=REPO_ROOT,
            env=server_environment(server_database_url, server.media_root),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(
            lambda: "Watching" in log_path.read_text() or process.poll() is not None,
            timeout=30,
            failure=lambda: log_path.read_text(),
        )
        assert process.poll() is None, log_path.read_text()
        yield server, log_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def _album(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    return [
        write_sample(
            folder / f"{track:02d} Song {track}.{('mp3', 'flac', 'ogg')[track % 3]}",
            tags=SampleTags(title=f"Song {track}", album="Copied In", track=track),
        )
        for track in range(1, ALBUM_SONGS + 1)
    ]


def test_an_album_folder_copied_in_arrives_whole_and_leaves_when_moved_out(watched, tmp_path):
    server, log_path = watched
    source = tmp_path / "Copied In"
    _album(source)

    # A whole folder at once, as `cp -r` does: the folder is new, so most of its files are
    # written before the watcher can watch it, and it never sees them closed.
    shutil.copytree(source, server.media_root / "music" / "Copied In")

    def all_in() -> bool:
        return Song.objects.filter(album__title="Copied In").count() == ALBUM_SONGS

    wait_for(
        all_in,
        timeout=60,
        failure=lambda: (
            f"{list(IngestJob.objects.values_list('key', 'status', 'reason'))}\n"
            f"{log_path.read_text()}\n{server.log_tail()}"
        ),
    )
    jobs = IngestJob.objects.filter(key__startswith="music/Copied In/")
    # One event a file, whichever way the watcher saw it.
    assert jobs.count() == ALBUM_SONGS
    assert set(jobs.values_list("status", flat=True)) == {IngestJob.Status.DONE}

    (server.media_root / "music" / "Copied In" / "01 Song 1.flac").unlink()
    wait_for(
        lambda: not Song.objects.filter(title="Song 1").exists(),
        timeout=30,
        failure=lambda: f"{log_path.read_text()}\n{server.log_tail()}",
    )
    assert Song.objects.filter(album__title="Copied In").count() == ALBUM_SONGS - 1

    # Renamed within the folder: the same song (its id, a listener's likes) under its new key.
    song = Song.objects.get(title="Song 2")
    folder = server.media_root / "music" / "Copied In"
    (folder / "02 Song 2.ogg").rename(folder / "02 Song Two.ogg")
    wait_for(
        lambda: Song.objects.filter(storage_key="music/Copied In/02 Song Two.ogg").exists(),
        timeout=30,
        failure=lambda: f"{log_path.read_text()}\n{server.log_tail()}",
    )
    assert Song.objects.get(title="Song 2").pk == song.pk

    # Moved out whole: the watcher hears only that the folder went.
    (server.media_root / "music" / "Copied In").rename(tmp_path / "Moved Out")
    wait_for(
        lambda: not Song.objects.filter(album__title="Copied In").exists(),
        timeout=30,
        failure=lambda: f"{log_path.read_text()}\n{server.log_tail()}",
    )


class _HeldWebhook(http.server.BaseHTTPRequestHandler):
    """A webhook that keeps its first request waiting until the test lets it go."""

    keys: list[str]
    first_arrived: threading.Event
    release: threading.Event

    def do_POST(self):
        records = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["Records"]
        self.first_arrived.set()
        self.release.wait(timeout=30)
        self.keys.extend(record["s3"]["object"]["key"] for record in records)
        answer = json.dumps({"jobs": [], "ignored": 0}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_a_watcher_stopped_by_sigterm_posts_what_it_saw_first(server_database_url, tmp_path):
    # make run (and a service manager) stop the watcher with SIGTERM, which ended it at once:
    # files it had seen and not yet posted reached the catalogue only at the next re-sync.
    handler = type(
        "Held",
        (_HeldWebhook,),
        {"keys": [], "first_arrived": threading.Event(), "release": threading.Event()},
    )
    webhook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=webhook.serve_forever, daemon=True).start()
    media = tmp_path / "media"
    (media / "music").mkdir(parents=True)
    log_path = tmp_path / "watch_media.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "watch_media",
                "--webhook",
                f"http://127.0.0.1:{webhook.server_port}/api/v1/ingest/events/",
            ],
            cwd=REPO_ROOT,
            env=server_environment(server_database_url, media),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "Watching" in log_path.read_text(), timeout=30, failure=log_path.read_text)
        write_sample(media / "music" / "First.mp3", tags=SampleTags(title="First"))
        assert handler.first_arrived.wait(timeout=30), log_path.read_text()
        for name in ("Second", "Third"):  # seen while the first request is on its way
            write_sample(media / "music" / f"{name}.mp3", tags=SampleTags(title=name))
        time.sleep(1)  # the watcher hears of them and queues them behind the first request

        process.terminate()
        time.sleep(0.2)
        handler.release.set()
        process.wait(timeout=30)
    finally:
        handler.release.set()
        if process.poll() is None:
            process.kill()
        webhook.shutdown()

    assert process.returncode == 0, log_path.read_text()
    # (A file may be posted twice, as written and as tagged after: each is a version of it.)
    assert sorted(set(handler.keys)) == [
        "music/First.mp3",
        "music/Second.mp3",
        "music/Third.mp3",
    ], log_path.read_text()


def test_a_file_named_in_latin_1_leaves_the_watcher_watching(watched, tmp_path):
    # It stopped the watcher (with status 0), and no file dropped after it was ever seen.
    server, log_path = watched
    music = server.media_root / "music"
    latin = write_sample(tmp_path / "latin.mp3", tags=SampleTags(title="Jóga"))
    shutil.copyfile(latin, bytes(music) + b"/Bj\xf6rk - J\xf3ga.mp3")
    (music / "folder.jpg").write_bytes(make_cover((30, 60, 90)))
    shutil.copyfile(
        write_sample(tmp_path / "after.ogg", tags=SampleTags(title="After")), music / "after.ogg"
    )

    wait_for(
        lambda: Song.objects.filter(title="After").exists(),
        timeout=30,
        failure=lambda: f"{log_path.read_text()}\n{server.log_tail()}",
    )
    assert "Bj\\xf6rk - J\\xf3ga.mp3: its key is not valid UTF-8" in log_path.read_text()
    assert sorted(IngestJob.objects.values_list("key", "status")) == [
        ("music/Bj\\xf6rk - J\\xf3ga.mp3", IngestJob.Status.FAILED),
        ("music/after.ogg", IngestJob.Status.DONE),
    ]
