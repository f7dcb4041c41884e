"""Transcoding through the REST API and under ASGI, from S3, and the cache's bounds."""

import os
import threading
import time

import pytest
from asgiref.sync import sync_to_async

from accounts.models import StreamingPreference
from catalog.tests import transcoding
from catalog.tests.factories import SongFactory
from catalog.tests.transcoding import LONG_SECONDS, body, decode, read_until_cut
from catalog.transcoding import ENCODE_SLOTS, encoder_runs
from catalog.transcoding.cache import cache_dir, evict
from demo.audio_samples import SampleTags, write_sample

long_flac = transcoding.long_flac
damaged_mp3 = transcoding.damaged_mp3
encoder_held = transcoding.encoder_held
encoders_busy = transcoding.encoders_busy
s3_bucket = transcoding.s3_bucket


def _url(song, **query) -> str:
    params = "&".join(f"{name}={value}" for name, value in query.items())
    return f"/api/v1/songs/{song.pk}/stream/?{params}"


def test_api_stream_transcodes_to_the_format_and_bitrate_asked(client, long_flac):
    response = client.get(_url(long_flac, format="mp3", max_bitrate=128))

    decoded = decode(body(response))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert decoded.codec in {"mp3", "mp3float"}
    assert decoded.seconds == pytest.approx(LONG_SECONDS, abs=0.1)
    assert decoded.kbps == pytest.approx(128, rel=0.2)


def test_api_stream_with_only_a_cap_sends_opus(client, long_flac):
    response = client.get(_url(long_flac, max_bitrate=64))

    assert response["Content-Type"] == "audio/ogg"
    assert decode(body(response)).kbps == pytest.approx(64, rel=0.2)


def test_api_stream_without_parameters_is_still_the_original_file(client, long_flac):
    response = client.get(_url(long_flac))

    assert response["Content-Type"] == "audio/flac"
    assert int(response["Content-Length"]) == long_flac.file_size


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"format": "flac"}, "format"),
        ({"format": "<script>"}, "format"),
        ({"max_bitrate": "lots"}, "max_bitrate"),
        ({"max_bitrate": "-1"}, "max_bitrate"),
    ],
)
def test_api_stream_rejects_bad_values_with_a_400(client, long_flac, query, field):
    response = client.get(_url(long_flac, **query))

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_api_stream_past_the_encoder_limit_is_a_503_with_retry_after(
    client, long_flac, encoders_busy
):
    response = client.get(_url(long_flac, format="opus"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "busy" in response.json()["detail"]


def test_a_request_in_line_waits_for_the_encoder_and_is_served(client, long_flac, settings):
    settings.TRANSCODE_MAX_ENCODES = 1
    settings.TRANSCODE_MAX_WAITING = 1
    turn = ENCODE_SLOTS.reserve()
    assert turn.begin(timeout=0)
    threading.Timer(0.3, turn.end).start()

    response = client.get(_url(long_flac, format="opus"))

    assert decode(body(response)).seconds == pytest.approx(LONG_SECONDS, abs=0.1)


def test_listeners_of_the_same_transcode_share_one_encode(client, long_flac):
    runs = encoder_runs()

    first = client.get(_url(long_flac, format="aac", max_bitrate=96))
    second = client.get(_url(long_flac, format="aac", max_bitrate=96))

    assert body(first) == body(second)
    assert encoder_runs() == runs + 1


def test_head_announces_the_type_without_encoding(client, long_flac):
    runs = encoder_runs()

    response = client.head(_url(long_flac, format="opus"))

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/ogg"
    assert encoder_runs() == runs


def test_a_missing_file_is_a_404_not_an_encode(client, db):
    song = SongFactory(storage_key="music/gone.flac", bitrate=900_000)

    response = client.get(_url(song, format="opus"))

    assert response.status_code == 404


def test_the_cache_drops_the_least_recently_used_files_past_its_size(settings, media_root):
    folder = cache_dir()
    now = time.time()
    for age, name in enumerate(["newest", "middle", "oldest"]):
        path = folder / f"{name}.cache"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age * 60, now - age * 60))

    removed = evict(folder, max_bytes=2000)

    assert removed == 1
    assert sorted(path.stem for path in folder.iterdir()) == ["middle", "newest"]


def test_a_finished_encode_keeps_the_cache_within_its_size(client, long_flac, settings):
    settings.TRANSCODE_CACHE_MAX_MB = 0

    body(client.get(_url(long_flac, format="opus", max_bitrate=64)))

    assert list(cache_dir().glob("*.cache")) == []


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sync_thread_connections_closed")
async def test_under_asgi_the_transcode_streams_from_an_async_iterator(
    async_client, put_song, media_root
):
    key, size = await sync_to_async(put_song)("music/asgi/tune.flac", SampleTags(), seconds=6)
    song = await sync_to_async(SongFactory)(
        storage_key=key, file_size=size, duration=6.0, codec="flac", mime_type="audio/flac"
    )

    response = await async_client.get(_url(song, format="opus", max_bitrate=96))

    assert response.status_code == 200
    assert response.is_async
    data = b"".join([chunk async for chunk in response.streaming_content])
    assert decode(data).seconds == pytest.approx(6.0, abs=0.1)


@pytest.fixture
def s3_flac(s3_bucket, tmp_path, db):
    """A real 8-second FLAC in the S3 bucket, with its song row."""
    data = write_sample(tmp_path / "song.flac", tags=SampleTags(), seconds=8).read_bytes()
    s3_bucket.put_object(Bucket="music-test", Key="music/s3/song.flac", Body=data)
    return SongFactory(
        storage_key="music/s3/song.flac",
        file_size=len(data),
        duration=8.0,
        bitrate=len(data) * 8 // 8,
        codec="flac",
        mime_type="audio/flac",
    )


def test_a_song_on_s3_is_transcoded_from_ranged_reads(client, s3_flac):
    response = client.get(_url(s3_flac, format="mp3", max_bitrate=128))

    decoded = decode(body(response))
    assert response.status_code == 200
    assert decoded.seconds == pytest.approx(8.0, abs=0.1)


def test_the_profile_page_saves_the_streaming_defaults(client, db):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/profile/", {"action": "streaming", "max_bitrate": "128", "format": "mp3"}
    )
    page = client.get("/accounts/profile/").content.decode()

    assert response.status_code == 302
    preference = StreamingPreference.objects.get(user=user)
    assert (preference.max_bitrate, preference.format) == (128, "mp3")
    assert 'value="128" selected' in page


def test_the_profile_page_refuses_a_bitrate_it_does_not_offer(client, db):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/profile/", {"action": "streaming", "max_bitrate": "7", "format": "mp3"}
    )

    assert response.status_code == 200
    assert not StreamingPreference.objects.filter(user=user).exists()


def test_a_file_ffmpeg_cannot_decode_is_a_422_and_is_not_cached(client, put_bytes, db):
    key, size = put_bytes("music/broken.flac", b"fLaC" + bytes(range(256)) * 64)
    song = SongFactory(storage_key=key, file_size=size, bitrate=900_000, codec="flac")

    first = client.get(_url(song, format="opus"))
    runs = encoder_runs()
    again = client.get(_url(song, format="opus"))

    assert first.status_code == 422
    assert "cannot be transcoded" in first.json()["detail"]
    assert again.status_code == 422
    assert encoder_runs() == runs + 1
    assert list(cache_dir().glob("*")) == []


def test_an_encode_still_in_line_when_the_wait_ends_is_a_503_with_retry_after(
    client, long_flac, encoder_held
):
    response = client.get(_url(long_flac, format="opus"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "No encoder came free within 0 seconds" in response.json()["detail"]
    assert list(cache_dir().glob("*")) == []


def test_after_a_503_the_freed_encoder_serves_the_retry(client, long_flac, encoder_held):
    assert client.get(_url(long_flac, format="opus")).status_code == 503
    encoder_held.end()

    retry = client.get(_url(long_flac, format="opus"))

    assert retry.status_code == 200
    assert decode(body(retry)).seconds == pytest.approx(LONG_SECONDS, abs=0.1)


def test_a_source_failing_mid_stream_cuts_the_stream_and_is_logged(client, damaged_mp3, caplog):
    response = client.get(_url(damaged_mp3, format="opus", max_bitrate=96))

    received, cut = read_until_cut(response)

    assert response.status_code == 200  # sent before the failure: the cut is what tells
    assert cut is not None and "cannot be transcoded" in str(cut)
    assert 0 < len(received) < LONG_SECONDS * 96_000 / 8 * 0.8
    assert "Cutting the stream" in caplog.text
    assert list(cache_dir().glob("*")) == []


def test_a_store_that_fails_before_the_first_byte_is_a_503_with_retry_after(
    client, s3_flac, settings
):
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket"  # the store answers NoSuchBucket
    settings.STORAGES = {**settings.STORAGES}  # a new default storage with that bucket

    response = client.get(_url(s3_flac, format="mp3", max_bitrate=128))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "could not be read" in response.json()["detail"]
