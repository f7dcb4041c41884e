"""The real server (daphne) takes a large upload's body only from a client who may upload:
it asks the site first (spotify/upload_gate.py), as the shipped nginx site does in front."""

import json

import pytest
import requests

from demo.audio_samples import SampleTags, write_sample
from tests.support import (
    curator_api,
    curator_session_cookie,
    ended_job,
    post_head,
)

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
    return post_head(
        server.url,
        "/api/v1/uploads/",
        None,
        kind="multipart/form-data; boundary=x",
        extra=headers,
        body=body,
    )


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
    cookie = curator_session_cookie(server)
    browser = requests.Session()
    browser.cookies.set(cookie["name"], cookie["value"])
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
