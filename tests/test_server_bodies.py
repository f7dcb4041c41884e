"""What the real server (daphne) does with a large body before the application sees it: it
neither parses a form body nor holds the body in memory (spotify/server_fixes.py)."""

import hashlib
import os
import threading
import time

import psutil
import pytest
import requests

from demo.audio_samples import SampleTags, write_sample
from tests.support import curator_api, ended_job

pytestmark = pytest.mark.django_db(transaction=True)

BODY_MB = 40


class PeakMemory:
    """The highest RSS of a process while the block runs, sampled every few milliseconds."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.before = self.peak = self.process.memory_info().rss
        self._running = True
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        while self._running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._running = False
        self._thread.join()

    @property
    def grown_mb(self) -> float:
        return (self.peak - self.before) / 1024**2


def test_a_large_form_body_is_neither_parsed_nor_held_by_the_server(asgi_server):
    # Twisted's request parsed any multipart POST whole with the email package (13x the body
    # in memory), and daphne then queued the body whole (1.2x): anyone could post to any URL.
    requests.get(f"{asgi_server.url}/api/v1/songs/", timeout=30)
    body = os.urandom(BODY_MB * 1024 * 1024)
    with PeakMemory(asgi_server.process.pid) as memory:
        response = requests.post(
            f"{asgi_server.url}/api/v1/uploads/",
            files={"file": ("big.flac", body, "audio/flac")},
            timeout=120,
        )

    assert response.status_code in (401, 403)  # not signed in: refused, by the application
    assert memory.grown_mb < BODY_MB / 2, f"the server grew by {memory.grown_mb:.0f} MB"


def test_an_upload_read_lazily_arrives_byte_for_byte(asgi_server, tmp_path):
    api = curator_api(asgi_server.url)
    song = write_sample(tmp_path / "Long Song.mp3", "mp3", SampleTags(title="Long"), seconds=150)
    assert song.stat().st_size > 2 * 1024 * 1024  # over the size read lazily, in many chunks

    with song.open("rb") as file:
        answer = api.post(f"{asgi_server.url}/api/v1/uploads/", files={"file": file}, timeout=60)

    assert answer.status_code == 201, answer.text
    stored = asgi_server.media_root / answer.json()["key"]
    assert hashlib.sha256(stored.read_bytes()).digest() == (
        hashlib.sha256(song.read_bytes()).digest()
    )
    job = ended_job(asgi_server, answer.json()["key"])
    assert (job.status, job.song.title) == ("done", "Long")
