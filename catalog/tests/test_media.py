"""Range requests as RFC 9110 has them: one range, past the end, several, If-Range; and files
handed to a front proxy (MEDIA_SENDFILE)."""

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from moto import mock_aws

from catalog.tests.factories import SongFactory

DATA = bytes(index % 251 for index in range(50_000))


@pytest.fixture
def song(media_root, db):
    default_storage.save("music/ranges/song.mp3", ContentFile(DATA))
    return SongFactory(storage_key="music/ranges/song.mp3", file_size=len(DATA))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "header",
    ["bytes=0-10,20-30", "bytes=0-10, 20-30", "items=0-10", "bytes=abc", "bytes=30-20"],
)
def test_what_is_not_one_byte_range_gets_the_whole_file(client, song, header):
    response = client.get(song.stream_url, headers={"Range": header})

    assert response.status_code == 200
    assert "Content-Range" not in response
    assert _body(response) == DATA


def test_a_range_past_the_end_is_unsatisfiable(client, song):
    for header in (f"bytes={len(DATA)}-", "bytes=-0"):
        response = client.get(song.stream_url, headers={"Range": header})

        assert response.status_code == 416, header
        assert response["Content-Range"] == f"bytes */{len(DATA)}"


def test_an_if_range_naming_this_file_gets_the_range(client, song):
    first = client.get(song.stream_url)
    etag, modified = first["ETag"], first["Last-Modified"]

    by_etag = client.get(song.stream_url, headers={"Range": "bytes=10-19", "If-Range": etag})
    by_date = client.get(song.stream_url, headers={"Range": "bytes=10-19", "If-Range": modified})

    assert by_etag.status_code == by_date.status_code == 206
    assert _body(by_etag) == _body(by_date) == DATA[10:20]


@pytest.mark.parametrize(
    "if_range", ['"something-else"', 'W/"weak"', "Thu, 01 Jan 1970 00:00:00 GMT", "garbage"]
)
def test_an_if_range_naming_another_version_gets_the_whole_file(client, song, if_range):
    response = client.get(song.stream_url, headers={"Range": "bytes=10-19", "If-Range": if_range})

    assert response.status_code == 200
    assert _body(response) == DATA


def test_a_changed_file_has_a_new_etag(client, song):
    before = client.get(song.stream_url)["ETag"]
    with default_storage.open(song.storage_key, "wb") as changed:
        changed.write(DATA[::-1])

    assert client.get(song.stream_url)["ETag"] != before


@pytest.mark.parametrize(
    ("mode", "header", "value"),
    [
        ("x-accel-redirect", "X-Accel-Redirect", "/protected/music/ranges/song.mp3"),
        ("x-sendfile", "X-Sendfile", None),
    ],
)
def test_a_front_proxy_can_send_the_file(client, song, settings, mode, header, value):
    settings.MEDIA_SENDFILE = mode
    settings.MEDIA_SENDFILE_PREFIX = "/protected/"

    response = client.get(song.stream_url, headers={"Range": "bytes=0-9"})

    assert response.status_code == 200
    assert response.content == b""
    assert response[header] == (value or default_storage.path(song.storage_key))
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Accept-Ranges"] == "bytes"
    # The proxy answers the range and validates If-Range from the file it sends.
    for left_to_the_proxy in ("Content-Range", "ETag", "Last-Modified"):
        assert left_to_the_proxy not in response


def test_a_front_proxy_is_not_sent_to_a_missing_file(client, song, settings):
    settings.MEDIA_SENDFILE = "x-accel-redirect"
    default_storage.delete(song.storage_key)

    assert client.get(song.stream_url).status_code == 404


@pytest.fixture
def s3(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="media-test")
        client.put_object(Bucket="media-test", Key="music/s3.mp3", Body=DATA)
        settings.AWS_STORAGE_BUCKET_NAME = "media-test"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
        yield client.head_object(Bucket="media-test", Key="music/s3.mp3")["ETag"]


@pytest.mark.parametrize(
    ("if_range", "status"), [("same", 206), ('"0123"', 200), ("", 206)], ids=str
)
def test_s3_proxying_honours_if_range(rf, s3, if_range, status):
    from catalog.media import stored_file_response

    headers = {"Range": "bytes=10-19"}
    if if_range:
        headers["If-Range"] = s3 if if_range == "same" else if_range
    request = rf.get("/", headers=headers)

    response = stored_file_response(request, "music/s3.mp3", "audio/mpeg", proxy_s3=True)

    assert response.status_code == status
    assert _body(response) == (DATA[10:20] if status == 206 else DATA)
    assert response["ETag"] == s3
