"""A request body over its address's limit is refused by the real server (daphne) before it
is stored (spotify/body_limits.py)."""

import json

import pytest
import requests
from django.test import override_settings

from spotify.body_limits import FORM_SLACK_BYTES, rule_for
from tests.support import post_head

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 200_000
FILE_LIMIT = 300_000


@override_settings(
    REQUEST_MAX_BODY_BYTES=LIMIT,
    INGEST_MAX_FILE_BYTES=FILE_LIMIT,
    INGEST_MAX_EVENT_BYTES=5000,
    INGEST_MAX_TAG_BYTES=400_000,
)
@pytest.mark.parametrize(
    ("target", "limit"),
    [
        (b"/api/v1/ingest/events/", 5000),
        (b"/api/v1/uploads/", FILE_LIMIT + FORM_SLACK_BYTES),
        (b"/api/v1/uploads/?format=json", FILE_LIMIT + FORM_SLACK_BYTES),
        (b"/api/v1/%75ploads/", FILE_LIMIT + FORM_SLACK_BYTES),  # as Django decodes it
        (b"/api/v1/songs/", LIMIT),
        (b"/admin/catalog/cover/add/", 400_000 + FORM_SLACK_BYTES),
        (b"/admin/login/", 400_000 + FORM_SLACK_BYTES),
        (b"/rest/createPlaylist.view", LIMIT),
        (b"/no/such/address/", LIMIT),
        (b"/\xff\xfe/", LIMIT),
    ],
)
def test_each_address_takes_its_own_limit(target, limit):
    assert rule_for(target).limit == limit


@override_settings(
    REQUEST_MAX_BODY_BYTES=LIMIT, INGEST_MAX_FILE_BYTES=FILE_LIMIT, AWS_STORAGE_BUCKET_NAME="music"
)
def test_on_s3_the_upload_api_takes_no_file():
    # The browser PUTs the file to a presigned URL; the API is sent its name.
    assert rule_for(b"/api/v1/uploads/").limit == LIMIT


# The URLs of a site without the webhook: ROOT_URLCONF of the test below.
urlpatterns = []


@override_settings(REQUEST_MAX_BODY_BYTES=LIMIT, INGEST_MAX_EVENT_BYTES=5000)
def test_a_paths_rule_follows_the_sites_urls_when_they_change(settings):
    assert rule_for(b"/api/v1/ingest/events/").limit == 5000  # resolved, and kept

    settings.ROOT_URLCONF = __name__

    assert rule_for(b"/api/v1/ingest/events/").limit == LIMIT


@pytest.fixture(scope="module")
def server(start_asgi_server):
    return start_asgi_server(
        "limits",
        REQUEST_MAX_BODY_BYTES=str(LIMIT),
        INGEST_MAX_FILE_BYTES=str(FILE_LIMIT),
    )


def test_a_declared_length_over_the_limit_is_answered_before_the_body_is_sent(server):
    answer = post_head(server.url, "/api/v1/songs/", 10_000_000_000)

    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:300]
    assert json.loads(content) == {
        "detail": f"The request body is over this address's limit of {LIMIT:,} bytes.",
        "code": "payload_too_large",
    }


def test_a_client_asking_to_continue_is_refused_not_invited(server):
    answer = post_head(
        server.url,
        "/accounts/login/",
        300_000,
        kind="application/x-www-form-urlencoded",
        extra="Expect: 100-continue\r\n",
    )

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"100 Continue" not in answer
    assert b"Content-Type: text/plain" in answer  # outside the API, a plain sentence
    assert answer.endswith(f"limit of {LIMIT:,} bytes.".encode())


def test_a_chunked_body_is_refused_once_it_goes_over(server):
    chunk = b"x" * 50_000
    # One chunk over the limit, and no last chunk.
    chunks = b"%x\r\n%s\r\n" % (len(chunk), chunk) * (LIMIT // len(chunk) + 1)

    answer = post_head(server.url, "/api/v1/songs/", None, body=chunks)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]


def test_a_client_that_sends_its_whole_body_first_still_reads_the_answer(server):
    response = requests.post(
        f"{server.url}/api/v1/songs/",
        data=b"x" * (4 * LIMIT),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert requests.get(f"{server.url}/api/v1/songs/", timeout=10).status_code == 200


def test_a_body_within_the_limit_reaches_the_application(server):
    response = requests.post(
        f"{server.url}/accounts/login/",
        data={"username": "nobody", "password": "x" * (LIMIT // 2)},
        timeout=30,
    )

    assert response.status_code == 403  # Django's own answer: no CSRF cookie


def test_the_upload_api_takes_a_file_up_to_its_own_limit(server):
    under = requests.post(
        f"{server.url}/api/v1/uploads/",
        files={"file": ("song.flac", b"x" * (FILE_LIMIT - 1000), "audio/flac")},
        timeout=30,
    )
    over = requests.post(
        f"{server.url}/api/v1/uploads/",
        files={"file": ("song.flac", b"x" * (FILE_LIMIT + FORM_SLACK_BYTES), "audio/flac")},
        timeout=30,
    )

    assert under.status_code in (401, 403)  # over the site's limit, under the upload's
    assert over.status_code == 413
    assert f"{FILE_LIMIT + FORM_SLACK_BYTES:,} bytes" in over.json()["detail"]


def test_the_webhook_refuses_an_event_body_over_its_limit_unread(server):
    answer = post_head(server.url, "/api/v1/ingest/events/", 1024 * 1024 + 1)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"1,048,576 bytes" in answer
