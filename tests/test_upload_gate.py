"""The real server (daphne) takes a large upload's body only from a client who may upload:
it asks the site first (spotify/upload_gate.py), as the shipped nginx site does in front."""

import json
import socket

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from demo.audio_samples import SampleTags, write_sample
from tests.support import curator_api, ended_job, post_head, read_answer

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = 50_000  # REQUEST_MAX_BODY_BYTES here: a sample song is a large upload
LARGE = 2 * 1024**3 - 1  # declared, never sent


@pytest.fixture(scope="module")
def server(start_asgi_server):
    return start_asgi_server("gated", REQUEST_MAX_BODY_BYTES=str(SMALL))


def test_an_anonymous_upload_is_refused_before_its_body_is_read(server):
    answer = post_head(server.url, "/api/v1/uploads/", LARGE, kind="multipart/form-data")

    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401"), answer[:300]
    assert b"WWW-Authenticate: Token" in head
    assert json.loads(content)["code"] == "not_authenticated"


def test_a_refused_client_is_not_invited_to_send_its_body(server):
    answer = post_head(
        server.url,
        "/api/v1/uploads/",
        LARGE,
        kind="multipart/form-data",
        extra="Expect: 100-continue\r\n",
    )

    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]
    assert b"100 Continue" not in answer


def test_a_curator_is_invited_once_the_site_said_yes(server):
    token = curator_api(server.url).headers["Authorization"]

    answer = post_head(
        server.url,
        "/api/v1/uploads/",
        LARGE,
        kind="multipart/form-data",
        extra=f"Authorization: {token}\r\nExpect: 100-continue\r\n",
    )

    assert answer.startswith(b"HTTP/1.1 100 Continue"), answer[:300]


def _chunked(server, body: bytes, headers: str = "") -> bytes:
    """POST ``body`` (chunks, maybe not the last) to the upload API; return the answer."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        head = (
            f"POST /api/v1/uploads/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
            "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        connection.sendall(head.encode() + body)
        return read_answer(connection)


def test_an_anonymous_chunked_upload_is_refused_before_its_body_is_read(server):
    answer = _chunked(server, b"5\r\nhello\r\n")  # and more to come, it would seem

    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]


def test_a_chunked_body_whole_before_the_answer_is_taken_up_after_it(server):
    token = curator_api(server.url).headers["Authorization"]

    answer = _chunked(server, b"5\r\nhello\r\n0\r\n\r\n", f"Authorization: {token}\r\n")

    # The site said yes; then the application read the body: no file in it.
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"multipart" in answer or b"file" in answer


def test_a_curator_uploads_a_large_file_with_a_token(server, tmp_path):
    api = curator_api(server.url)
    song = write_sample(tmp_path / "Large Take.flac", "flac", SampleTags(title="Large"), seconds=5)
    assert song.stat().st_size > SMALL

    with song.open("rb") as file:
        answer = api.post(f"{server.url}/api/v1/uploads/", files={"file": file}, timeout=60)

    assert answer.status_code == 201, answer.text
    assert (server.media_root / answer.json()["key"]).read_bytes() == song.read_bytes()
    assert ended_job(server, answer.json()["key"]).status == "done"


def test_a_curator_signed_in_on_the_site_uploads_a_large_file(server, tmp_path):
    # The upload page's way: the session cookie and the CSRF token, no API token.
    curator = get_user_model().objects.create_user("page", password="not-used-here-123")
    curator.user_permissions.add(Permission.objects.get(codename="add_song"))
    client = Client()
    client.force_login(curator)
    browser = requests.Session()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    browser.cookies.set(settings.SESSION_COOKIE_NAME, session)
    assert browser.get(f"{server.url}/upload/", timeout=10).status_code == 200  # sets csrftoken
    song = write_sample(tmp_path / "Page Take.flac", "flac", SampleTags(title="Page"), seconds=5)

    with song.open("rb") as file:
        answer = browser.post(
            f"{server.url}/api/v1/uploads/",
            files={"file": file},
            headers={
                "X-CSRFToken": browser.cookies["csrftoken"],
                "Referer": f"{server.url}/upload/",
            },
            timeout=60,
        )

    assert answer.status_code == 201, answer.text
    assert ended_job(server, answer.json()["key"]).status == "done"
