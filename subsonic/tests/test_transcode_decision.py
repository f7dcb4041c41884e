"""OpenSubsonic `transcoding`: getTranscodeDecision (the app POSTs its ClientInfo) and
getTranscodeStream (the decision's transcodeParams), by raw HTTP as apps send them."""

import json
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.core.files.storage import default_storage

from accounts.services import streaming_preference_set
from catalog.models import Song
from catalog.tests import transcoding
from catalog.tests.transcoding import LONG_SECONDS, body, decode
from catalog.transcoding.decision import (
    ClientInfo,
    CodecProfile,
    DirectPlayProfile,
    Limitation,
    StreamDetails,
    TranscodingProfile,
    decide,
)

long_flac = transcoding.long_flac
encoders_busy = transcoding.encoders_busy
NS = "{http://subsonic.org/restapi}"
BITRATE_TOLERANCE = 0.2
DURATION_TOLERANCE = 0.1

# A phone that plays MP3 and AAC in MP4 as they are, and wants Opus, then MP3, otherwise.
PHONE = {
    "name": "Pixel",
    "platform": "Android",
    "maxAudioBitrate": 0,
    "maxTranscodingAudioBitrate": 96000,
    "directPlayProfiles": [
        {"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": ["http"]},
        {"containers": ["mp4", "m4a"], "audioCodecs": ["aac"], "protocols": []},
    ],
    "transcodingProfiles": [
        {"container": "ts", "audioCodec": "aac", "protocol": "hls"},
        {"container": "ogg", "audioCodec": "opus", "protocol": "http", "maxAudioChannels": 2},
        {"container": "mp3", "audioCodec": "mp3", "protocol": "http"},
    ],
    "codecProfiles": [],
}
FLAC_PLAYER = {
    "name": "Hi-fi",
    "platform": "Linux",
    "directPlayProfiles": [{"containers": ["flac"], "audioCodecs": ["flac"], "protocols": []}],
    "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}],
}


def _query(sub, fmt: str = "json", **params) -> str:
    return urlencode({**sub.auth(), "f": fmt, **params})


def _decision_response(sub, song, client_info, fmt: str = "json"):
    query = _query(sub, fmt, mediaId=f"tr-{song.pk}", mediaType="song")
    return sub.client.post(
        f"/rest/getTranscodeDecision.view?{query}",
        data=json.dumps(client_info) if not isinstance(client_info, str) else client_info,
        content_type="application/json",
    )


def _decision(sub, song, client_info) -> dict:
    response = _decision_response(sub, song, client_info)
    assert response.status_code == 200, response.content[:300]
    answer = response.json()["subsonic-response"]
    assert answer["status"] == "ok", answer
    return answer["transcodeDecision"]


def _transcode_stream(sub, song, params: str, **extra):
    query = _query(sub, mediaId=f"tr-{song.pk}", mediaType="song", transcodeParams=params, **extra)
    return sub.client.get(f"/rest/getTranscodeStream.view?{query}")


def _error(response) -> dict:
    answer = response.json()["subsonic-response"]
    assert answer["status"] == "failed"
    return answer["error"]


def test_a_player_of_the_files_format_is_told_to_play_it_directly(sub, long_flac):
    decision = _decision(sub, long_flac, FLAC_PLAYER)

    streamed = _transcode_stream(sub, long_flac, decision["transcodeParams"])

    assert (decision["canDirectPlay"], decision["canTranscode"]) == (True, False)
    assert "transcodeStream" not in decision
    assert decision["sourceStream"] == {
        "protocol": "http",
        "container": "flac",
        "codec": "flac",
        "audioChannels": long_flac.channels,
        "audioBitrate": long_flac.bitrate,
        "audioSamplerate": long_flac.sample_rate,
        "audioBitdepth": long_flac.bit_depth,
    }
    assert streamed.status_code == 200
    assert streamed["Content-Type"] == "audio/flac"
    assert body(streamed) == Path(default_storage.path(long_flac.storage_key)).read_bytes()


def test_a_player_without_the_format_gets_its_first_encode_we_make(sub, long_flac):
    decision = _decision(sub, long_flac, PHONE)

    streamed = _transcode_stream(sub, long_flac, decision["transcodeParams"])
    decoded = decode(body(streamed))

    assert (decision["canDirectPlay"], decision["canTranscode"]) == (False, True)
    assert decision["transcodeReason"] == ["container not supported"] * 2
    assert decision["transcodeStream"] == {
        "protocol": "http",
        "container": "ogg",
        "codec": "opus",
        "audioChannels": min(long_flac.channels, 2),
        "audioBitrate": 96000,
        "audioSamplerate": 48000,
    }
    assert streamed["Content-Type"] == "audio/ogg"
    assert decoded.codec in {"opus", "libopus"}
    assert decoded.seconds == pytest.approx(LONG_SECONDS, abs=DURATION_TOLERANCE)
    assert decoded.kbps == pytest.approx(96, rel=BITRATE_TOLERANCE)


def test_a_bitrate_cap_below_the_file_and_a_codec_limit_set_the_encode(sub, long_flac):
    client = {
        **FLAC_PLAYER,
        "maxAudioBitrate": 320000,
        "codecProfiles": [
            {
                "type": "AudioCodec",
                "name": "mp3",
                "limitations": [
                    {
                        "name": "audioBitrate",
                        "comparison": "LessThanEqual",
                        "values": ["128000"],
                        "required": True,
                    }
                ],
            }
        ],
    }

    decision = _decision(sub, long_flac, client)
    decoded = decode(body(_transcode_stream(sub, long_flac, decision["transcodeParams"])))

    assert decision["canDirectPlay"] is False
    assert decision["transcodeReason"] == ["audio bitrate not supported"]
    assert decision["transcodeStream"]["codec"] == "mp3"
    assert decision["transcodeStream"]["audioBitrate"] == 128000
    assert decoded.codec in {"mp3", "mp3float"}
    assert decoded.kbps == pytest.approx(128, rel=BITRATE_TOLERANCE)


def test_the_stream_starts_at_the_offset_asked(sub, long_flac):
    decision = _decision(sub, long_flac, PHONE)

    streamed = _transcode_stream(sub, long_flac, decision["transcodeParams"], offset=8)

    assert decode(body(streamed)).seconds == pytest.approx(LONG_SECONDS - 8, abs=DURATION_TOLERANCE)


def test_the_users_own_cap_holds_for_an_app_that_gives_none(sub, long_flac, listener):
    streaming_preference_set(listener.user, max_bitrate=128, format="opus")

    decision = _decision(sub, long_flac, FLAC_PLAYER)

    assert decision["canDirectPlay"] is False
    assert decision["transcodeStream"]["audioBitrate"] == 128000


def test_no_profile_we_can_honour_is_an_error_reason_without_params(sub, long_flac):
    client = {
        "name": "Odd",
        "platform": "Test",
        "directPlayProfiles": [{"containers": ["wav"], "audioCodecs": ["pcm"], "protocols": []}],
        "transcodingProfiles": [
            {"container": "flac", "audioCodec": "flac", "protocol": "http"},
            {"container": "ts", "audioCodec": "aac", "protocol": "hls"},
        ],
    }

    decision = _decision(sub, long_flac, client)

    assert (decision["canDirectPlay"], decision["canTranscode"]) == (False, False)
    assert decision["errorReason"] == "no compatible playback profile found"
    assert "transcodeParams" not in decision


def test_the_decision_renders_as_xml_too(sub, long_flac):
    response = _decision_response(sub, long_flac, PHONE, fmt="xml")

    root = ElementTree.fromstring(response.content)
    decision = root.find(f"{NS}transcodeDecision")

    assert root.get("status") == "ok"
    assert decision.get("canTranscode") == "true"
    assert [r.text for r in decision.findall(f"{NS}transcodeReason")] == [
        "container not supported"
    ] * 2
    assert decision.find(f"{NS}transcodeStream").get("codec") == "opus"
    assert decision.find(f"{NS}sourceStream").get("container") == "flac"


def test_the_decision_is_a_post_only(sub, long_flac):
    response = sub.get("getTranscodeDecision", mediaId=f"tr-{long_flac.pk}", mediaType="song")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "POST" in _error(response)["message"]


@pytest.mark.parametrize(
    ("client_info", "code", "message"),
    [
        ("", 10, "ClientInfo"),
        ("{not json", 0, "cannot be read"),
        ("[1, 2]", 0, "not a JSON object"),
        ('{"directPlayProfiles": "flac"}', 0, "directPlayProfiles must be a list"),
        ('{"maxAudioBitrate": "lots"}', 0, "cannot be read"),
        ('{"maxAudioBitrate": 1e999}', 0, "inf is not a whole number"),
        ('{"transcodingProfiles": [{"maxAudioChannels": "-inf"}]}', 0, "cannot be read"),
    ],
)
def test_a_bad_client_info_body_is_a_subsonic_error(sub, long_flac, client_info, code, message):
    response = _decision_response(sub, long_flac, client_info)

    error = _error(response)
    assert response.status_code == 200
    assert error["code"] == code
    assert message in error["message"]


def test_an_unknown_song_or_media_type_is_an_error(sub, long_flac):
    missing = _decision_response(sub, Song(pk=long_flac.pk + 1000), PHONE)
    query = _query(sub, mediaId=f"tr-{long_flac.pk}", mediaType="podcast")
    podcast = sub.client.post(
        f"/rest/getTranscodeDecision.view?{query}",
        data=json.dumps(PHONE),
        content_type="application/json",
    )

    assert _error(missing)["code"] == 70
    assert "mediaType" in _error(podcast)["message"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"transcodeParams": None}, 400, 10),
        ({"transcodeParams": "forged"}, 400, 0),
        ({"mediaId": "tr-999999"}, 404, 70),
        ({"mediaType": "podcast"}, 400, 0),
    ],
)
def test_stream_errors_are_http_statuses_with_a_message(sub, long_flac, params, status, code):
    decision = _decision(sub, long_flac, PHONE)
    query = {
        "mediaId": f"tr-{long_flac.pk}",
        "mediaType": "song",
        "transcodeParams": decision["transcodeParams"],
        **params,
    }
    query = {key: value for key, value in query.items() if value is not None}

    response = sub.client.get(f"/rest/getTranscodeStream.view?{_query(sub, **query)}")

    assert response.status_code == status
    assert _error(response)["code"] == code


def test_params_for_one_song_do_not_stream_another(sub, long_flac, catalogue):
    decision = _decision(sub, long_flac, PHONE)

    response = _transcode_stream(sub, catalogue.songs["harbour"], decision["transcodeParams"])

    assert response.status_code == 400
    assert "another song" in _error(response)["message"]


def test_params_outlive_no_change_of_the_file(sub, long_flac):
    decision = _decision(sub, long_flac, PHONE)
    Song.objects.filter(pk=long_flac.pk).update(etag="a-new-upload")

    response = _transcode_stream(sub, long_flac, decision["transcodeParams"])

    assert response.status_code == 410
    assert "getTranscodeDecision again" in _error(response)["message"]


def test_busy_encoders_are_a_503_with_retry_after(sub, long_flac, encoders_busy):
    decision = _decision(sub, long_flac, PHONE)

    response = _transcode_stream(sub, long_flac, decision["transcodeParams"])

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "busy" in _error(response)["message"]


def test_the_transcoding_extension_is_announced(sub):
    answer = sub.call("getOpenSubsonicExtensions")

    assert {"name": "transcoding", "versions": [1]} in answer["openSubsonicExtensions"]


# The decision rule itself, on the cases the spec names.

FLAC_SOURCE = StreamDetails("flac", "flac", bitrate=900_000, sample_rate=44100, channels=2)
MP3_SOURCE = StreamDetails("mp3", "mp3", bitrate=320_000, sample_rate=44100, channels=2)


def _limit(name: str, comparison: str, *values: str, required: bool = True) -> CodecProfile:
    codec, _, name = name.partition(".")
    return CodecProfile("AudioCodec", codec, (Limitation(name, comparison, values, required),))


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (ClientInfo(direct_play=(DirectPlayProfile(("flac",), ("flac",)),)), "direct"),
        (ClientInfo(direct_play=(DirectPlayProfile((), ()),)), "direct"),  # empty: any
        (ClientInfo(direct_play=(DirectPlayProfile(("flac",), (), ("hls",)),)), "none"),
        (
            ClientInfo(
                direct_play=(DirectPlayProfile(("flac",)),),
                codec_profiles=(_limit("flac.audioSamplerate", "LessThanEqual", "22050"),),
            ),
            "none",
        ),
        (
            ClientInfo(
                direct_play=(DirectPlayProfile(("flac",)),),
                codec_profiles=(
                    _limit("flac.audioSamplerate", "LessThanEqual", "22050", required=False),
                ),
            ),
            "direct",  # a limitation that need not be met does not force an encode
        ),
        (ClientInfo(transcoding=(TranscodingProfile("mp4", "aac"),)), "m4a"),
        (ClientInfo(transcoding=(TranscodingProfile("", "aac"),)), "aac"),
        (ClientInfo(transcoding=(TranscodingProfile("opus"),)), "opus"),
        (ClientInfo(transcoding=(TranscodingProfile("ogg", "vorbis"),)), "none"),
        (ClientInfo(transcoding=(TranscodingProfile("mp3", "mp3", max_channels=1),)), "none"),
        (
            ClientInfo(
                transcoding=(TranscodingProfile("ogg", "opus"), TranscodingProfile("mp3", "mp3")),
                codec_profiles=(_limit("opus.audioSamplerate", "Equals", "44100"),),
            ),
            "mp3",  # Opus is always 48 kHz: the next profile
        ),
    ],
)
def test_the_decision_follows_the_clients_profiles(client, expected):
    decision = decide(FLAC_SOURCE, client)

    if expected == "direct":
        assert decision.direct_play
    elif expected == "none":
        assert not decision.direct_play and decision.profile is None and decision.error
    else:
        assert decision.profile.name == expected


@pytest.mark.parametrize(
    ("client", "kbps"),
    [
        (ClientInfo(transcoding=(TranscodingProfile("mp3", "mp3"),)), 192),  # our default
        (
            ClientInfo(max_transcoding_bitrate=256_000, transcoding=(TranscodingProfile("mp3"),)),
            256,
        ),
        (ClientInfo(max_bitrate=96_000, transcoding=(TranscodingProfile("mp3"),)), 96),
        (
            ClientInfo(
                transcoding=(TranscodingProfile("mp3"),),
                codec_profiles=(_limit("mp3.audioBitrate", "Equals", "64000", "160000"),),
            ),
            160,  # the closest allowed value below
        ),
        (ClientInfo(max_bitrate=8_000, transcoding=(TranscodingProfile("mp3"),)), None),
    ],
)
def test_the_encodes_bitrate_follows_the_clients_limits(client, kbps):
    decision = decide(FLAC_SOURCE, client)

    assert (decision.kbps if decision.profile else None) == kbps


def test_a_lossy_source_is_never_encoded_above_its_own_bitrate():
    client = ClientInfo(max_transcoding_bitrate=320_000, transcoding=(TranscodingProfile("ogg"),))

    decision = decide(MP3_SOURCE, client)

    assert (decision.profile.name, decision.kbps) == ("opus", 256)  # Opus's own ceiling
    assert decide(StreamDetails("mp3", "mp3", bitrate=96_000, channels=2), client).kbps == 96


def test_a_file_that_cannot_be_decoded_is_a_422(sub, put_bytes, db):
    from catalog.tests.factories import SongFactory

    key, size = put_bytes("music/broken.flac", b"fLaC" + bytes(range(256)) * 64)
    song = SongFactory(storage_key=key, file_size=size, bitrate=900_000, codec="flac")
    decision = _decision(sub, song, PHONE)

    response = _transcode_stream(sub, song, decision["transcodeParams"])

    assert response.status_code == 422
    assert "cannot be transcoded" in _error(response)["message"]
