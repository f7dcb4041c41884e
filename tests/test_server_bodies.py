"""What the real server (daphne) does with a large form body before the application sees it."""

import os
import threading
import time

import psutil
import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)

BODY_MB = 40


def test_a_form_body_is_not_read_into_memory_by_the_server(asgi_server):
    # Twisted's request parsed any multipart POST whole with the email package (several copies
    # of the body in memory) before daphne passed it on: anyone could post to any URL.
    server = psutil.Process(asgi_server.process.pid)
    requests.get(f"{asgi_server.url}/api/v1/songs/", timeout=30)
    before = server.memory_info().rss
    peak = before
    posting = True

    def watch() -> None:
        nonlocal peak
        while posting:
            peak = max(peak, server.memory_info().rss)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        body = os.urandom(BODY_MB * 1024 * 1024)
        response = requests.post(
            f"{asgi_server.url}/api/v1/uploads/",
            files={"file": ("big.flac", body, "audio/flac")},
            timeout=120,
        )
    finally:
        posting = False
        watcher.join()

    assert response.status_code in (401, 403)  # not signed in: refused, by the application
    grown_mb = (peak - before) / 1024**2
    # The body passes through daphne's queue once (about 1.2x); parsed, it took 13x.
    assert grown_mb < 2 * BODY_MB, f"the server grew by {grown_mb:.0f} MB"
