"""Streaming with ranges (local and S3), downloads, cover art at any size, lyrics."""

import io

import boto3
import pytest
import requests
from asgiref.sync import async_to_sync
from django.core.files.storage import default_storage
from django.test import AsyncRequestFactory, RequestFactory
from moto import mock_aws
from PIL import Image

from catalog.media import stored_file_response as file_response
from catalog.models import Song
from catalog.tests.factories import SongFactory
from demo.audio_samples import SampleTags, write_sample
from subsonic.covers import resized_key


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _original(song: Song) -> bytes:
    with default_storage.open(song.storage_key, "rb") as stored:
        return stored.read()


def test_stream_sends_the_original_file(sub, catalogue):
    song = catalogue.songs["harbour"]

    response = sub.get("stream", id=f"tr-{song.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/flac"
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == song.file_size
    assert _body(response) == _original(song)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=100-1123", (100, 1123)), ("bytes=-500", None), ("bytes=2000-", None)],
)
def test_stream_answers_byte_ranges_for_seeking(sub, catalogue, header, expected):
    song = catalogue.songs["neon"]
    original = _original(song)
    size = len(original)
    start, end = expected or (
        (size - 500, size - 1) if header == "bytes=-500" else (2000, size - 1)
    )

    response = sub.get("stream", id=f"tr-{song.pk}", headers={"Range": header})

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(response["Content-Length"]) == end - start + 1
    assert _body(response) == original[start : end + 1]


def test_under_asgi_the_file_is_read_by_an_async_iterator(catalogue):
    """Django would collect a sync iterator into one list under ASGI: a whole song in memory."""
    song = catalogue.songs["harbour"]

    asgi = file_response(AsyncRequestFactory().get("/"), song.storage_key, song.mime_type)
    wsgi = file_response(RequestFactory().get("/"), song.storage_key, song.mime_type)

    assert asgi.is_async is True
    assert wsgi.is_async is False
    assert async_to_sync(_async_body)(asgi) == _original(song)
    assert _body(wsgi) == _original(song)


async def _async_body(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


def test_stream_refuses_a_range_past_the_end(sub, catalogue):
    song = catalogue.songs["neon"]

    response = sub.get("stream", id=f"tr-{song.pk}", headers={"Range": "bytes=99999999-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{song.file_size}"


def test_stream_of_a_missing_file_is_not_found(sub, catalogue):
    song = catalogue.songs["neon"]
    default_storage.delete(song.storage_key)

    assert sub.error("stream", id=f"tr-{song.pk}")["code"] == 70


def test_download_is_an_attachment(sub, catalogue):
    song = catalogue.songs["dune"]

    response = sub.get("download", id=f"tr-{song.pk}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Dune Song.mp3"'
    assert _body(response) == _original(song)


@pytest.fixture
def s3_song(settings, monkeypatch, tmp_path, db):
    """A real MP3 in a moto S3 bucket, with its song row, and S3 as the default storage."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="music-test")
        settings.AWS_STORAGE_BUCKET_NAME = "music-test"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
        data = write_sample(tmp_path / "song.mp3", tags=SampleTags(), seconds=3).read_bytes()
        client.put_object(Bucket="music-test", Key="music/s3/song.mp3", Body=data)
        song = SongFactory(
            storage_key="music/s3/song.mp3", file_size=len(data), mime_type="audio/mpeg"
        )
        yield song, data


def test_stream_on_s3_is_proxied_not_redirected(sub, s3_song):
    song, data = s3_song

    whole = sub.get("stream", id=f"tr-{song.pk}")
    part = sub.get("stream", id=f"tr-{song.pk}", headers={"Range": "bytes=10-4105"})
    past = sub.get("stream", id=f"tr-{song.pk}", headers={"Range": f"bytes={len(data)}-"})

    assert whole.status_code == 200 and _body(whole) == data
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-4105/{len(data)}"
    assert _body(part) == data[10:4106]
    assert past.status_code == 416


def test_download_on_s3_redirects_to_a_presigned_url_that_names_the_file(sub, s3_song):
    song, data = s3_song

    response = sub.get("download", id=f"tr-{song.pk}")

    assert response.status_code == 302
    location = response["Location"]
    assert "music/s3/song.mp3" in location
    assert "Signature=" in location or "X-Amz-Signature=" in location
    saved = requests.get(location, timeout=10)
    assert saved.status_code == 200 and saved.content == data
    assert saved.headers["Content-Disposition"] == f'attachment; filename="{song.title}.mp3"'


def test_download_from_an_s3_custom_domain_is_sent_under_its_name(sub, s3_song, settings):
    song, data = s3_song
    settings.AWS_S3_CUSTOM_DOMAIN = "cdn.example.com"

    response = sub.get("download", id=f"tr-{song.pk}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{song.title}.mp3"'
    assert _body(response) == data


def _image(response) -> Image.Image:
    data = response.content if not response.streaming else _body(response)
    return Image.open(io.BytesIO(data))


def test_cover_art_is_served_whole_or_resized_and_cached(sub, catalogue):
    album = catalogue.albums["harbour"]
    cover_id = f"al-{album.pk}"

    original = sub.get("getCoverArt", id=cover_id)
    small = sub.get("getCoverArt", id=cover_id, size=64)
    larger_than_original = sub.get("getCoverArt", id=cover_id, size=1000)

    assert original.status_code == 200
    assert _image(original).size == (400, 400)
    assert small["Content-Type"] == "image/jpeg"
    assert _image(small).size == (64, 64)
    assert default_storage.exists(resized_key(album.cover, 64))
    assert _image(larger_than_original).size == (400, 400)


def test_cover_art_of_songs_artists_and_playlists(sub, catalogue):
    songs = catalogue.songs
    playlist = sub.call("createPlaylist", name="Covers", songId=f"tr-{songs['dune'].pk}")

    for cover_id in (
        f"tr-{songs['neon'].pk}",
        f"ar-{catalogue.artists['mira'].pk}",
        playlist["playlist"]["id"],
    ):
        response = sub.get("getCoverArt", id=cover_id, size=32)
        assert _image(response).size == (32, 32), cover_id
    assert sub.error("getCoverArt", id="al-999999")["code"] == 70
    assert sub.error("getCoverArt")["code"] == 10


def test_lyrics_by_song_id_come_from_the_tags(sub, catalogue):
    neon, dune = catalogue.songs["neon"], catalogue.songs["dune"]

    found = sub.call("getLyricsBySongId", id=f"tr-{neon.pk}")["lyricsList"]
    none = sub.call("getLyricsBySongId", id=f"tr-{dune.pk}")["lyricsList"]

    assert found["structuredLyrics"] == [
        {
            "displayArtist": "The Tidelines",
            "displayTitle": "Neon Rain",
            "lang": "xxx",
            "offset": 0,
            "synced": False,
            "line": [{"value": "Neon rain on the harbour"}, {"value": "Lights that never sleep"}],
        }
    ]
    assert none["structuredLyrics"] == []


def test_lrc_lyrics_are_synced(sub, put_song, post_events, created, db):
    lrc = "[00:01.50]First line\n[00:03.25]Second line"
    key, size = put_song("music/lrc/one.flac", SampleTags(title="Timed", lyrics=lrc))
    post_events(created(key, size))
    song = Song.objects.get(storage_key=key)

    lyrics = sub.call("getLyricsBySongId", id=f"tr-{song.pk}")["lyricsList"]["structuredLyrics"]

    assert lyrics[0]["synced"] is True
    assert lyrics[0]["line"] == [
        {"start": 1500, "value": "First line"},
        {"start": 3250, "value": "Second line"},
    ]


def test_compact_lrc_lines_repeat_at_each_time_and_the_offset_tag_is_kept(
    sub, put_song, post_events, created, db
):
    lrc = (
        "[ar:Mira Sol]\n[offset:+500]\n[00:01.00]First line\n"
        "[00:05.00][00:20.00]Chorus line\n[00:10.50]Third"
    )
    key, size = put_song("music/lrc/compact.flac", SampleTags(title="Compact", lyrics=lrc))
    post_events(created(key, size))
    song = Song.objects.get(storage_key=key)

    lyrics = sub.call("getLyricsBySongId", id=f"tr-{song.pk}")["lyricsList"]["structuredLyrics"]
    plain = sub.call("getLyrics", artist=song.artist.name, title="Compact")["lyrics"]["value"]

    assert (lyrics[0]["synced"], lyrics[0]["offset"]) == (True, 500)
    assert lyrics[0]["line"] == [
        {"start": 1000, "value": "First line"},
        {"start": 5000, "value": "Chorus line"},
        {"start": 10500, "value": "Third"},
        {"start": 20000, "value": "Chorus line"},
    ]
    assert plain == "First line\nChorus line\nThird\nChorus line"


def test_get_lyrics_by_artist_and_title(sub, catalogue):
    found = sub.call("getLyrics", artist="The Tidelines", title="neon rain")["lyrics"]
    missing = sub.call("getLyrics", artist="Nobody", title="Nothing")["lyrics"]
    xml = sub.get("getLyrics", fmt="xml", artist="The Tidelines", title="Neon Rain").content

    assert found == {
        "artist": "The Tidelines",
        "title": "Neon Rain",
        "value": "Neon rain on the harbour\nLights that never sleep",
    }
    assert missing == {}
    assert b">Neon rain on the harbour\nLights that never sleep</lyrics>" in xml


def test_download_names_a_non_ascii_file_for_every_app(sub, catalogue):
    song = catalogue.songs["dune"]
    Song.objects.filter(pk=song.pk).update(title='Dune "Söng"')

    header = sub.get("download", id=f"tr-{song.pk}")["Content-Disposition"]

    assert header == (
        "attachment; filename=\"Dune _Song_.mp3\"; filename*=utf-8''Dune%20%22S%C3%B6ng%22.mp3"
    )


@pytest.mark.parametrize("size", ["0", None])
def test_cover_art_without_a_size_or_size_zero_is_the_original(sub, catalogue, size):
    album = catalogue.albums["harbour"]
    params = {"id": f"al-{album.pk}"} | ({"size": size} if size is not None else {})

    assert _image(sub.get("getCoverArt", **params)).size == (400, 400)


def test_a_playlist_without_song_covers_gets_a_generated_cover(sub, catalogue):
    empty = sub.call("createPlaylist", name="Quiet")["playlist"]["id"]

    whole = sub.get("getCoverArt", id=empty)
    small = sub.get("getCoverArt", id=empty, size=48)

    assert whole["Content-Type"] == "image/jpeg"
    assert _image(whole).size == (600, 600)
    assert _image(small).size == (48, 48)
    assert sub.error("getCoverArt", id="pl-999999")["code"] == 70
