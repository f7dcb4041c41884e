"""Subsonic `stream` transcoding: formats, bitrate caps, timeOffset, the cache, the limits."""

from xml.etree import ElementTree

import pytest

from accounts.services import streaming_preference_set
from catalog.tests import transcoding
from catalog.tests.transcoding import LONG_SECONDS, body, decode, read_until_cut
from catalog.transcoding import encoder_runs
from catalog.transcoding.cache import cache_dir

long_flac = transcoding.long_flac
damaged_mp3 = transcoding.damaged_mp3
encoder_held = transcoding.encoder_held
encoders_busy = transcoding.encoders_busy
NS = "{http://subsonic.org/restapi}"

# A FLAC of synthetic tones encodes well under these caps; the tolerance covers container pages
# and the encoders' rate control over 20 seconds.
BITRATE_TOLERANCE = 0.2
DURATION_TOLERANCE = 0.1


def _stream(sub, song, **params):
    response = sub.get("stream", id=f"tr-{song.pk}", **params)
    assert response.status_code == 200, response.content[:300]
    return response


@pytest.mark.parametrize(
    ("fmt", "content_type", "container", "codecs"),
    [
        ("opus", "audio/ogg", "ogg", {"opus", "libopus"}),
        ("mp3", "audio/mpeg", "mp3", {"mp3", "mp3float"}),
        ("aac", "audio/aac", "aac", {"aac"}),
        ("m4a", "audio/mp4", "mov,mp4,m4a,3gp,3g2,mj2", {"aac"}),
    ],
)
def test_stream_transcodes_to_the_format_at_the_bitrate_cap(
    sub, long_flac, fmt, content_type, container, codecs
):
    response = _stream(sub, long_flac, format=fmt, maxBitRate=96)

    decoded = decode(body(response))
    assert response["Content-Type"] == content_type
    assert decoded.container == container
    assert decoded.codec in codecs
    assert decoded.seconds == pytest.approx(LONG_SECONDS, abs=DURATION_TOLERANCE)
    assert decoded.kbps == pytest.approx(96, rel=BITRATE_TOLERANCE)


def test_time_offset_starts_the_transcode_that_far_in(sub, long_flac):
    response = _stream(sub, long_flac, format="mp3", maxBitRate=128, timeOffset=8)

    decoded = decode(body(response))
    assert decoded.seconds == pytest.approx(LONG_SECONDS - 8, abs=DURATION_TOLERANCE)
    assert response["X-Content-Duration"] == f"{LONG_SECONDS - 8:.2f}"


def test_a_replay_is_served_from_the_cache_without_encoding_again(sub, long_flac):
    first = body(_stream(sub, long_flac, format="opus", maxBitRate=64))
    runs = encoder_runs()

    replay = _stream(sub, long_flac, format="opus", maxBitRate=64)

    assert body(replay) == first
    assert encoder_runs() == runs
    assert int(replay["Content-Length"]) == len(first)
    assert replay["Accept-Ranges"] == "bytes"


def test_a_cached_transcode_answers_byte_ranges(sub, long_flac):
    whole = body(_stream(sub, long_flac, format="opus", maxBitRate=64))

    part = sub.get(
        "stream",
        id=f"tr-{long_flac.pk}",
        format="opus",
        maxBitRate=64,
        headers={"Range": "bytes=100-"},
    )

    assert part.status_code == 206
    assert body(part) == whole[100:]


def test_estimate_content_length_announces_duration_times_bitrate(sub, long_flac):
    response = _stream(sub, long_flac, format="mp3", maxBitRate=128, estimateContentLength="true")

    data = body(response)
    audio = data.rstrip(b"\0")  # the rest pads the audio up to the announced length
    assert int(response["Content-Length"]) == len(data)
    assert len(data) == pytest.approx(LONG_SECONDS * 128_000 / 8, rel=0.05)
    assert decode(audio).seconds == pytest.approx(LONG_SECONDS, abs=DURATION_TOLERANCE)


def test_without_a_format_a_cap_below_the_file_transcodes_to_opus(sub, long_flac):
    response = _stream(sub, long_flac, maxBitRate=128)

    assert response["Content-Type"] == "audio/ogg"
    assert decode(body(response)).codec in {"opus", "libopus"}


def test_a_cap_above_the_file_sends_the_original(sub, catalogue):
    song = catalogue.songs["neon"]  # a 128 kbit/s MP3

    response = _stream(sub, song, maxBitRate=320)

    assert response["Content-Type"] == "audio/mpeg"
    assert int(response["Content-Length"]) == song.file_size


def test_format_raw_sends_the_original_whatever_the_cap(sub, long_flac):
    response = _stream(sub, long_flac, format="raw", maxBitRate=64)

    assert response["Content-Type"] == "audio/flac"
    assert int(response["Content-Length"]) == long_flac.file_size


def test_a_format_the_file_already_is_sends_the_original(sub, long_flac):
    response = _stream(sub, long_flac, format="flac", maxBitRate=64)

    assert response["Content-Type"] == "audio/flac"
    assert int(response["Content-Length"]) == long_flac.file_size


def test_a_cap_below_an_mp3_transcodes_it_even_to_mp3(sub, catalogue):
    song = catalogue.songs["neon"]  # a 128 kbit/s MP3

    response = _stream(sub, song, format="mp3", maxBitRate=64)

    assert decode(body(response)).kbps == pytest.approx(64, rel=BITRATE_TOLERANCE)


def test_a_time_offset_is_ignored_when_the_original_is_sent(sub, long_flac):
    response = _stream(sub, long_flac, timeOffset=3600)

    assert response["Content-Type"] == "audio/flac"


def test_the_users_defaults_apply_when_the_app_names_no_format_or_cap(sub, long_flac, listener):
    streaming_preference_set(listener.user, max_bitrate=96, format="mp3")

    response = _stream(sub, long_flac)

    decoded = decode(body(response))
    assert response["Content-Type"] == "audio/mpeg"
    assert decoded.kbps == pytest.approx(96, rel=BITRATE_TOLERANCE)


@pytest.mark.parametrize("fmt", ["wav", "ogg", "alac"])
def test_a_format_we_cannot_make_falls_back_like_no_format(sub, long_flac, listener, fmt):
    streaming_preference_set(listener.user, max_bitrate=96, format="mp3")

    response = _stream(sub, long_flac, format=fmt, maxBitRate=64)

    assert response["Content-Type"] == "audio/mpeg"
    assert decode(body(response)).kbps == pytest.approx(64, rel=BITRATE_TOLERANCE)


@pytest.mark.parametrize("fmt", ["wav", "ogg"])
def test_a_format_we_cannot_make_without_a_cap_sends_the_original(sub, long_flac, fmt):
    response = _stream(sub, long_flac, format=fmt)

    assert response["Content-Type"] == "audio/flac"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "mp3", "maxBitRate": "fast"}, "maxBitRate"),
        ({"format": "mp3", "maxBitRate": "-5"}, "maximum bitrate"),
        ({"format": "mp3", "timeOffset": "3600"}, "time offset"),
        ({"format": "mp3", "timeOffset": "-1"}, "time offset"),
    ],
)
def test_bad_transcoding_values_are_a_subsonic_error(sub, long_flac, params, message):
    error = sub.error("stream", id=f"tr-{long_flac.pk}", **params)

    assert error["code"] == 0
    assert message in error["message"]


def _unavailable_error(response, fmt: str) -> dict:
    """Check a 503 a player retries (Retry-After, never cached); return its Subsonic error."""
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    if fmt == "json":
        answer = response.json()["subsonic-response"]
        assert answer["status"] == "failed"
        return answer["error"]
    root = ElementTree.fromstring(response.content)
    assert root.get("status") == "failed"
    return dict(root.find(f"{NS}error").attrib)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_past_the_encoder_limit_the_app_hears_a_503_at_once(sub, long_flac, encoders_busy, fmt):
    response = sub.get("stream", fmt=fmt, id=f"tr-{long_flac.pk}", format="opus")

    error = _unavailable_error(response, fmt)
    assert int(error["code"]) == 0
    assert "busy" in error["message"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_encode_still_in_line_when_the_wait_ends_is_a_503_with_retry_after(
    sub, long_flac, encoder_held, fmt
):
    response = sub.get("stream", fmt=fmt, id=f"tr-{long_flac.pk}", format="mp3")

    error = _unavailable_error(response, fmt)
    assert int(error["code"]) == 0
    assert "No encoder came free" in error["message"]


def test_a_source_failing_mid_stream_cuts_the_stream(sub, damaged_mp3, caplog):
    response = _stream(sub, damaged_mp3, format="opus", maxBitRate=96)

    received, cut = read_until_cut(response)

    assert cut is not None
    assert 0 < len(received) < LONG_SECONDS * 96_000 / 8 * 0.8
    assert "Cutting the stream" in caplog.text
    assert list(cache_dir().glob("*")) == []


def test_an_estimated_length_is_never_padded_over_a_failed_encode(sub, damaged_mp3):
    response = _stream(sub, damaged_mp3, format="mp3", maxBitRate=96, estimateContentLength="true")

    received, cut = read_until_cut(response)

    assert cut is not None
    assert len(received) < int(response["Content-Length"])
    assert received.rstrip(b"\0") == received  # no zeros padded after the last audio byte


def test_a_file_ffmpeg_cannot_decode_is_a_subsonic_error(sub, put_bytes, db):
    from catalog.tests.factories import SongFactory

    key, size = put_bytes("music/broken.flac", b"fLaC" + bytes(range(256)) * 64)
    song = SongFactory(storage_key=key, file_size=size, bitrate=900_000, codec="flac")

    error = sub.error("stream", id=f"tr-{song.pk}", format="opus")

    assert error["code"] == 0
    assert "cannot be transcoded" in error["message"]


def test_after_the_busy_encoder_ends_the_app_is_served(sub, long_flac, encoders_busy):
    encoders_busy.end()

    response = _stream(sub, long_flac, format="opus")

    assert decode(body(response)).codec in {"opus", "libopus"}


def test_the_transcode_offset_extension_is_announced(sub):
    answer = sub.call("getOpenSubsonicExtensions")

    assert {"name": "transcodeOffset", "versions": [1]} in answer["openSubsonicExtensions"]


def test_a_seek_in_a_cached_song_cuts_the_cache_without_encoding(sub, long_flac):
    _stream(sub, long_flac, format="opus", maxBitRate=96).getvalue()
    runs = encoder_runs()

    seek = _stream(sub, long_flac, format="opus", maxBitRate=96, timeOffset=12)

    decoded = decode(body(seek))
    assert encoder_runs() == runs
    assert decoded.codec in {"opus", "libopus"}
    assert decoded.seconds == pytest.approx(LONG_SECONDS - 12, abs=DURATION_TOLERANCE)


def test_a_song_the_users_defaults_transcode_says_what_it_arrives_as(sub, long_flac, listener):
    streaming_preference_set(listener.user, max_bitrate=96, format="mp3")

    song = sub.call("getSong", id=f"tr-{long_flac.pk}")["song"]
    streamed = _stream(sub, long_flac)

    assert (song["suffix"], song["contentType"]) == ("flac", "audio/flac")
    assert (song["transcodedSuffix"], song["transcodedContentType"]) == ("mp3", "audio/mpeg")
    assert streamed["Content-Type"] == song["transcodedContentType"]


def test_songs_under_the_users_cap_or_without_one_carry_no_transcoded_type(
    sub, catalogue, listener
):
    neon = catalogue.songs["neon"]  # a 128 kbit/s MP3
    harbour = catalogue.songs["harbour"]  # a FLAC, far above any lossy cap
    before = sub.call("getSong", id=f"tr-{harbour.pk}")["song"]
    streaming_preference_set(listener.user, max_bitrate=192, format="opus")

    album = sub.call("getAlbum", id=f"al-{neon.album_id}")["album"]["song"]
    by_title = {song["title"]: song for song in album}

    assert "transcodedSuffix" not in before  # no cap set: every song is sent as it is
    assert "transcodedSuffix" not in by_title["Neon Rain"]
    assert by_title["Harbour Lights"]["transcodedSuffix"] == "opus"
    assert by_title["Harbour Lights"]["transcodedContentType"] == "audio/ogg"


@pytest.mark.parametrize(
    ("method", "params", "path"),
    [
        ("search3", {"query": "Long River"}, ("searchResult3", "song")),
        ("getRandomSongs", {"size": 5}, ("randomSongs", "song")),
        ("getSongsByGenre", {"genre": "Synthpop"}, ("songsByGenre", "song")),
    ],
)
def test_song_lists_carry_the_transcoded_type_too(sub, long_flac, listener, method, params, path):
    streaming_preference_set(listener.user, max_bitrate=64, format="aac")

    answer = sub.call(method, **params)
    songs = answer[path[0]][path[1]]

    assert songs and all(song["transcodedSuffix"] == "aac" for song in songs)
    assert all(song["transcodedContentType"] == "audio/aac" for song in songs)


def test_head_on_a_transcode_never_says_it_is_empty(sub, long_flac):
    query = {**sub.auth(), "id": f"tr-{long_flac.pk}", "format": "aac", "maxBitRate": 96}

    before = sub.client.head("/rest/stream.view", query)
    encoded = body(_stream(sub, long_flac, format="aac", maxBitRate=96))
    after = sub.client.head("/rest/stream.view", query)

    assert before.status_code == 200 and before["Content-Type"] == "audio/aac"
    assert "Content-Length" not in before
    assert after["Content-Length"] == str(len(encoded))
