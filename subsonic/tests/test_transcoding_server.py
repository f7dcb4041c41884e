"""Transcoding through the real ASGI server (daphne): what a player sees on the wire.

A source that fails mid-stream must reach the client as a truncated transfer (the connection
closes before the chunked body's end), on the REST API and on Subsonic alike; py-opensonic asks
for a transcode decision (a JSON POST) and streams it; py-sonic streams with the classic
parameters and reads the transcoded type the listener's defaults give a song.
"""

import asyncio
import http.client

import libsonic
import pytest
from libopensonic import Connection

from accounts.services import streaming_preference_set
from catalog.tests import transcoding
from catalog.tests.transcoding import LONG_SECONDS, decode
from subsonic.tests.conftest import token_params
from tests.conftest import server_database_url, start_asgi_server  # noqa: F401

damaged_mp3 = transcoding.damaged_mp3
long_flac = transcoding.long_flac


@pytest.fixture(scope="module")
def transcoding_server(start_asgi_server, tmp_path_factory):  # noqa: F811
    return start_asgi_server("transcoding", media_root=tmp_path_factory.mktemp("transcode-media"))


@pytest.fixture
def served(transactional_db, settings, transcoding_server):
    """Songs ingested here land in the server's database and media folder."""
    settings.MEDIA_ROOT = transcoding_server.media_root
    return transcoding_server


@pytest.fixture
def listener(db):
    from accounts.services import subsonic_password_reset
    from accounts.tests.factories import UserFactory

    user = UserFactory(username="ada")
    return user, subsonic_password_reset(user)


def _get(server, path: str) -> tuple[int, dict, bytes, Exception | None]:
    """GET path over one connection; return the status, headers, body and the read's error."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        try:
            return response.status, headers, response.read(), None
        except http.client.IncompleteRead as cut:
            return response.status, headers, cut.partial, cut
    finally:
        connection.close()


def _stream_paths(song, listener) -> dict[str, str]:
    user, password = listener
    auth = "&".join(f"{k}={v}" for k, v in token_params(user.username, password).items())
    return {
        "rest": f"/api/v1/songs/{song.pk}/stream/?format=opus&max_bitrate=96",
        "subsonic": f"/rest/stream.view?id=tr-{song.pk}&format=opus&maxBitRate=96&{auth}",
    }


@pytest.mark.parametrize("api", ["rest", "subsonic"])
def test_a_source_failing_mid_stream_reaches_the_player_as_a_truncated_transfer(
    served, damaged_mp3, listener, api
):
    status, headers, received, cut = _get(served, _stream_paths(damaged_mp3, listener)[api])

    assert status == 200
    assert headers["transfer-encoding"] == "chunked"
    assert isinstance(cut, http.client.IncompleteRead)
    assert len(received) > 0
    assert "Cutting the stream" in served.log_tail()


def test_the_server_keeps_answering_after_a_cut_stream(served, damaged_mp3, listener):
    path = _stream_paths(damaged_mp3, listener)["rest"]
    for _ in range(2):
        assert _get(served, path)[3] is not None

    status, _, answer, cut = _get(served, "/rest/ping.view?f=json")

    assert (status, cut) == (200, None)
    assert b'"status":"failed"' in answer  # no credentials: an answer, not a hang


def test_opensonic_gets_a_transcode_decision_and_streams_it(served, long_flac, listener):
    user, password = listener
    port = int(served.url.rsplit(":", 1)[1])
    connection = Connection(
        "http://127.0.0.1",
        username=user.username,
        password=password,
        port=port,
        server_path="",
        app_name="pytest-opensonic",
    )
    phone = {
        "name": "Pixel",
        "platform": "Android",
        "maxTranscodingAudioBitrate": 128000,
        "directPlayProfiles": [{"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": []}],
        "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
    }
    try:
        decision = connection.get_transcode_decision(f"tr-{long_flac.pk}", "song", phone)
        response = connection.get_transcode_stream(
            f"tr-{long_flac.pk}", "song", decision.transcode_params
        )
        data = asyncio.run_coroutine_threadsafe(response.read(), connection._loop).result(60)
    finally:
        connection.cleanup()

    decoded = decode(data)
    assert (decision.can_direct_play, decision.can_transcode) == (False, True)
    assert decision.source_stream.codec == "flac"
    assert (decision.transcode_stream.codec, decision.transcode_stream.audio_bitrate) == (
        "mp3",
        128000,
    )
    assert decoded.codec in {"mp3", "mp3float"}
    assert decoded.seconds == pytest.approx(LONG_SECONDS, abs=0.1)
    assert decoded.kbps == pytest.approx(128, rel=0.2)


def test_pysonic_streams_a_transcode_and_sees_the_type_the_defaults_give(
    served, long_flac, listener
):
    user, password = listener
    port = int(served.url.rsplit(":", 1)[1])
    classic = libsonic.Connection(
        "http://127.0.0.1", user.username, password, port=port, serverPath="/rest"
    )
    streaming_preference_set(user, max_bitrate=96, format="mp3")

    asked = decode(classic.stream(f"tr-{long_flac.pk}", maxBitRate=64, tformat="opus").read())
    song = classic.getSong(f"tr-{long_flac.pk}")["song"]
    by_default = classic.stream(f"tr-{long_flac.pk}")

    assert asked.codec in {"opus", "libopus"}
    assert asked.seconds == pytest.approx(LONG_SECONDS, abs=0.1)
    assert asked.kbps == pytest.approx(64, rel=0.2)
    assert (song["transcodedSuffix"], song["transcodedContentType"]) == ("mp3", "audio/mpeg")
    assert by_default.headers["Content-Type"] == "audio/mpeg"
    assert decode(by_default.read()).kbps == pytest.approx(96, rel=0.2)
