"""The nginx site docs/deployment.md ships, run by the real nginx in front of the real server
(daphne): an upload's body is taken only from a client who may upload, and no one address has
more than its share of requests under way."""

import re
import socket
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from catalog.tests.test_signed_media import start_nginx
from demo.audio_samples import SampleTags, write_sample
from tests.support import curator_api, ended_job, post_head

pytestmark = pytest.mark.django_db(transaction=True)

DEPLOYMENT = Path(__file__).resolve().parents[1] / "docs" / "deployment.md"


def shipped_site(daphne_port: int, media_root: Path) -> tuple[str, str]:
    """Return the `upstream` and the `server` directives of the site docs/deployment.md ships,
    for this daphne and media folder (the test's nginx listens where it likes)."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.S)
    site = next(block for block in blocks if "location = /api/v1/uploads/" in block)
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{daphne_port}")
    site = site.replace("/srv/music/media/", f"{media_root}/").replace("listen 80;", "")
    upstream, _, server = site.partition("server {")
    return upstream, server.rstrip().removesuffix("}")


@pytest.fixture(scope="module")
def site(start_asgi_server, tmp_path_factory):
    """The server behind the shipped nginx site; return (server, nginx's URL)."""
    server = start_asgi_server("behind-nginx")
    upstream, directives = shipped_site(int(server.url.rsplit(":", 1)[1]), server.media_root)
    child, port = start_nginx(tmp_path_factory.mktemp("nginx"), directives, http=upstream)
    yield server, f"http://127.0.0.1:{port}"
    child.terminate()
    child.wait(10)


def test_an_anonymous_upload_is_refused_before_its_body_is_read(site):
    server, nginx = site

    answer = post_head(nginx, "/api/v1/uploads/", 2 * 1024**3 - 1, kind="multipart/form-data")

    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]
    log = server.log_tail()
    assert '"GET /api/v1/uploads/" 401' in log  # nginx asked, the body never went on
    assert '"POST /api/v1/uploads/"' not in log


def test_a_curator_uploads_through_the_site(site, tmp_path):
    server, nginx = site
    api = curator_api(nginx)
    song = write_sample(tmp_path / "Through Nginx.mp3", tags=SampleTags(title="Through"))

    limits = api.get(f"{nginx}/api/v1/uploads/", timeout=10)
    with song.open("rb") as file:
        answer = api.post(f"{nginx}/api/v1/uploads/", files={"file": file}, timeout=60)

    assert limits.status_code == 200
    assert limits.json() == {"max_file_bytes": 2 * 1024**3, "direct_to_store": False}
    assert answer.status_code == 201, answer.text
    assert (server.media_root / answer.json()["key"]).read_bytes() == song.read_bytes()
    assert ended_job(server, answer.json()["key"]).status == "done"
    assert requests.get(f"{nginx}/may-upload", timeout=10).status_code == 404  # internal


PER_ADDRESS = 32  # the site's limit_conn


def _status(nginx: str, path: str) -> int:
    return requests.get(f"{nginx}{path}", timeout=10).status_code


def _until(nginx: str, status: int) -> int:
    """GET a page until it answers ``status`` (nginx counts connections as it reads them)."""
    deadline = time.monotonic() + 10
    while (found := _status(nginx, "/api/v1/songs/")) != status and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_an_address_with_its_share_of_slow_bodies_under_way_is_told_to_wait(site):
    _, nginx = site
    host, port = nginx.removeprefix("http://").rsplit(":", 1)
    head = (
        b"POST /api/v1/playlists/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    assert _status(nginx, "/api/v1/songs/") == 200

    with ExitStack() as held:
        for _ in range(PER_ADDRESS):  # bodies that never come: nginx waits for each
            connection = held.enter_context(socket.create_connection((host, int(port)), 10))
            connection.sendall(head)

        assert _until(nginx, 429) == 429
        assert post_head(nginx, "/api/v1/uploads/", 1000).startswith(b"HTTP/1.1 429")

    assert _until(nginx, 200) == 200  # the slow ones gone, the address is served again
