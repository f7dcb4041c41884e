"""OpenSubsonic's `transcoding` extension: getTranscodeDecision and getTranscodeStream.

The app POSTs its capabilities (a JSON ClientInfo) and hears whether it can play the song's
file as it is or which of our encodes it gets (catalog.transcoding.decision); the answer's
`transcodeParams` is that decision, signed, which getTranscodeStream then streams. The
params name the song and its file's version, so they outlive neither a changed file nor
PARAMS_MAX_AGE. getTranscodeStream answers its errors with HTTP statuses, as the spec says.
"""

import json

from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBase

from catalog.transcoding.cache import cache_key
from catalog.transcoding.decision import (
    ClientInfo,
    CodecProfile,
    Decision,
    DirectPlayProfile,
    Limitation,
    StreamDetails,
    TranscodingProfile,
    decide,
)
from catalog.transcoding.profiles import PROFILES
from subsonic import serializers
from subsonic.dispatch import Call, found, method
from subsonic.handlers.media import original_file, transcode_or_error
from subsonic.params import SONG, parse_id
from subsonic.queries import media as queries
from subsonic.responses import ErrorCode, SubsonicError

PARAMS_SALT = "subsonic.transcodeParams"
PARAMS_MAX_AGE = 7 * 24 * 3600  # seconds: apps may keep a decision for a queue's songs
# getTranscodeStream's errors as HTTP statuses (its spec asks for them), by Subsonic code.
HTTP_STATUS = {
    ErrorCode.GENERIC: 400,
    ErrorCode.MISSING_PARAMETER: 400,
    ErrorCode.NOT_AUTHORIZED: 403,
    ErrorCode.NOT_FOUND: 404,
}


@method("getTranscodeDecision")
def get_transcode_decision(call: Call) -> dict:
    """Decide direct play or an encode for the ClientInfo POSTed as JSON."""
    if call.request.method != "POST":
        raise SubsonicError(
            ErrorCode.GENERIC,
            "getTranscodeDecision takes a POST whose body is the app's ClientInfo (JSON).",
            status=405,
            headers={"Allow": "POST"},
        )
    song = _song(call)
    client = _client_info(call)
    if not client.max_bitrate and call.stream_default.max_kbps:
        # The user's own cap holds for apps that give none, as it does for `stream`.
        client = ClientInfo(
            **{**client.__dict__, "max_bitrate": call.stream_default.max_kbps * 1000}
        )
    decision = decide(_source(song), client)
    answer = {
        "canDirectPlay": decision.direct_play,
        "canTranscode": decision.can_transcode,
        "transcodeReason": decision.reasons,
        "errorReason": decision.error or None,
        "transcodeParams": _params(song, decision) if not decision.error else None,
        "sourceStream": _details(decision.source),
        "transcodeStream": _details(decision.target) if decision.target else None,
    }
    return {"transcodeDecision": answer}


@method("getTranscodeStream")
def get_transcode_stream(call: Call) -> HttpResponseBase:
    """Stream what a decision's transcodeParams say: the file as it is, or its encode."""
    try:
        song = _song(call)
        offset = call.params.int("offset", 0)
        wanted = _read_params(call.params.require("transcodeParams"), song)
        if not wanted["f"]:
            return original_file(call, song)
        streamed = transcode_or_error(
            call,
            song,
            status_for_undecodable=422,
            format=wanted["f"],
            max_bitrate=wanted["b"],
            time_offset=offset,
        )
        return streamed if streamed is not None else original_file(call, song)
    except SubsonicError as error:
        if error.status == 200:
            error.status = HTTP_STATUS.get(error.code, 400)
        raise


def _song(call: Call):
    call.params.require("mediaType")
    media_type = call.params.get("mediaType").strip().lower()
    if media_type != "song":
        raise SubsonicError(
            ErrorCode.GENERIC, f"mediaType {media_type[:20]!r} is not served here: use song."
        )
    _, pk = parse_id(call.params.require("mediaId"), SONG)
    return found(queries.described_song(call.user, pk), "Song")


def _source(song) -> StreamDetails:
    return StreamDetails(
        container=serializers.suffix(song),
        codec=song.codec,
        bitrate=song.bitrate or 0,
        sample_rate=song.sample_rate or 0,
        channels=song.channels or 0,
        bit_depth=song.bit_depth or 0,
    )


def _details(stream: StreamDetails) -> dict:
    return {
        "protocol": stream.protocol,
        "container": stream.container,
        "codec": stream.codec,
        "audioChannels": stream.channels or None,
        "audioBitrate": stream.bitrate or None,
        "audioSamplerate": stream.sample_rate or None,
        "audioBitdepth": stream.bit_depth or None,
    }


def _file_version(song) -> str:
    return cache_key(song.storage_key, song.file_size, song.etag, song.content_hash)[:12]


def _params(song, decision: Decision) -> str:
    wanted = {"s": song.pk, "v": _file_version(song), "f": "", "b": 0}
    if not decision.direct_play:
        wanted.update(f=decision.profile.name, b=decision.kbps)
    return signing.dumps(wanted, salt=PARAMS_SALT)


def _read_params(value: str, song) -> dict:
    """Return the decision signed in transcodeParams, for this song's file as it is now."""
    try:
        wanted = signing.loads(value, salt=PARAMS_SALT, max_age=PARAMS_MAX_AGE)
    except signing.SignatureExpired:
        raise _stale("transcodeParams has expired") from None
    except signing.BadSignature:
        raise SubsonicError(
            ErrorCode.GENERIC,
            "transcodeParams is not one getTranscodeDecision gave: pass it on unchanged.",
        ) from None
    if not isinstance(wanted, dict) or wanted.get("s") != song.pk:
        raise SubsonicError(ErrorCode.GENERIC, "transcodeParams is for another song.")
    if wanted.get("v") != _file_version(song):
        raise _stale("the song's file has changed since the decision")
    if wanted.get("f") and wanted["f"] not in PROFILES:
        raise SubsonicError(ErrorCode.GENERIC, "transcodeParams names no format of ours.")
    return wanted


def _stale(why: str) -> SubsonicError:
    return SubsonicError(
        ErrorCode.GENERIC, f"{why.capitalize()}: ask getTranscodeDecision again.", status=410
    )


def _client_info(call: Call) -> ClientInfo:
    """Read the ClientInfo JSON body, lenient about the spec's drafts (a string for a list,
    `container` for `containers`, a pipe-separated `value` for `values`)."""
    try:
        raw = call.request.body
    except RequestDataTooBig:
        raise SubsonicError(ErrorCode.GENERIC, "The ClientInfo body is too large.") from None
    if not raw.strip():
        raise SubsonicError(
            ErrorCode.MISSING_PARAMETER, "Required: the app's ClientInfo as the JSON body."
        )
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("it is not a JSON object")
        return ClientInfo(
            name=_text(body.get("name")),
            platform=_text(body.get("platform")),
            max_bitrate=_whole(body.get("maxAudioBitrate")),
            max_transcoding_bitrate=_whole(body.get("maxTranscodingAudioBitrate")),
            direct_play=tuple(_direct_play(each) for each in _objects(body, "directPlayProfiles")),
            transcoding=tuple(_transcoding(each) for each in _objects(body, "transcodingProfiles")),
            codec_profiles=tuple(_codec_profile(each) for each in _objects(body, "codecProfiles")),
        )
    except (ValueError, TypeError) as error:
        raise SubsonicError(
            ErrorCode.GENERIC, f"The ClientInfo body cannot be read: {str(error)[:200]}"
        ) from None


def _objects(body: dict, key: str) -> list[dict]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError(f"{key} must be a list of objects")
    return items


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if not isinstance(value, str | int | float):
        raise ValueError(f"{value!r} is not text")
    return str(value).strip()


def _texts(profile: dict, plural: str, singular: str, separator: str = ",") -> tuple[str, ...]:
    value = profile.get(plural, profile.get(singular))
    values = value if isinstance(value, list) else _text(value).split(separator)
    return tuple(text for each in values if (text := _text(each)))


def _whole(value) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number")
    try:
        return max(int(float(value)), 0)
    except OverflowError:  # 1e999 reads as infinity, which no whole number is
        raise ValueError(f"{str(value)[:40]} is not a whole number") from None


def _direct_play(profile: dict) -> DirectPlayProfile:
    return DirectPlayProfile(
        containers=_texts(profile, "containers", "container"),
        codecs=_texts(profile, "audioCodecs", "audioCodec"),
        protocols=_texts(profile, "protocols", "protocol"),
        max_channels=_whole(profile.get("maxAudioChannels")),
    )


def _transcoding(profile: dict) -> TranscodingProfile:
    return TranscodingProfile(
        container=_text(profile.get("container", profile.get("containers"))),
        codec=_text(profile.get("audioCodec", profile.get("audioCodecs"))),
        protocol=_text(profile.get("protocol", profile.get("protocols"))),
        max_channels=_whole(profile.get("maxAudioChannels")),
    )


def _codec_profile(profile: dict) -> CodecProfile:
    limitations = profile.get("limitations") or []
    if not isinstance(limitations, list) or not all(isinstance(x, dict) for x in limitations):
        raise ValueError("limitations must be a list of objects")
    return CodecProfile(
        type=_text(profile.get("type")),
        name=_text(profile.get("name")),
        limitations=tuple(
            Limitation(
                name=_text(limitation.get("name")),
                comparison=_text(limitation.get("comparison")),
                values=_texts(limitation, "values", "value", separator="|"),
                required=limitation.get("required") is True,
            )
            for limitation in limitations
        ),
    )
