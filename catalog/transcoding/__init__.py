"""Stream a song re-encoded (Opus, MP3, AAC) at a bitrate cap, from an offset, while it encodes.

The views call `transcoded_response`; it answers None when the original file is what the
listener asked for (each view then sends it its own way). Pieces: `profiles` (what a format
is), `encoder` (PyAV), `jobs` (encodes that run ahead into the disk cache, readers that follow),
`cache` (the folder, least recently used out first), `slots` (how many encodes at once),
`decision` (which encode, if any, a client with given capabilities gets).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.storage import FileSystemStorage, Storage
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponseBase, StreamingHttpResponse

from accounts.queries import streaming_preference
from catalog.media import file_response
from catalog.transcoding import cache
from catalog.transcoding.encoder import EncodeFailed, encode, encoder_runs, remux
from catalog.transcoding.jobs import (
    JobReader,
    SourceUnreadable,
    TranscodeInterrupted,
    open_cached_or_encode,
)
from catalog.transcoding.profiles import (
    DEFAULT_FORMAT,
    FORMATS,
    PROFILES,
    RAW,
    InvalidTranscode,
    Profile,
    estimated_length,
    profile_for,
)
from catalog.transcoding.slots import ENCODE_SLOTS, TranscoderBusy, Unavailable
from catalog.transcoding.source import SourceMissing, open_source

__all__ = [
    "FORMATS",
    "RAW",
    "SONG_FIELDS",
    "ENCODE_SLOTS",
    "EncodeFailed",
    "InvalidTranscode",
    "SourceMissing",
    "SourceUnreadable",
    "StreamDefault",
    "TranscodeInterrupted",
    "TranscodePlan",
    "TranscoderBusy",
    "Unavailable",
    "encoder_runs",
    "plan_transcode",
    "stream_default",
    "transcoded_response",
]

# What a view must load of a song for transcoded_response: pass to QuerySet.only().
SONG_FIELDS = (
    "pk",
    "storage_key",
    "file_size",
    "etag",
    "content_hash",
    "duration",
    "bitrate",
    "codec",
    "mime_type",
)


@dataclass(frozen=True)
class TranscodePlan:
    profile: Profile
    kbps: int
    offset: float  # seconds into the song


@dataclass(frozen=True)
class StreamDefault:
    """What a user's stream sends when the app names neither a format nor a cap: songs above
    the user's cap (kbit/s; 0: none) in the user's format, the others as they are."""

    max_kbps: int
    profile: Profile

    def transcodes(self, bitrate: int | None) -> Profile | None:
        """Return the profile a song of this bitrate (bit/s) is sent in; None: the original."""
        if self.max_kbps and (not bitrate or bitrate > self.max_kbps * 1000):
            return self.profile
        return None


def stream_default(user) -> StreamDefault:
    """Return the user's streaming defaults (no cap and Opus for a user who set none)."""
    preference = streaming_preference(user)
    return StreamDefault(
        preference.max_bitrate or 0, profile_for(preference.format or DEFAULT_FORMAT)
    )


def plan_transcode(
    song, *, format: str = "", max_bitrate: int | None = 0, time_offset: float = 0, user=None
) -> TranscodePlan | None:
    """Decide what to send: None for the original file, else the format, bitrate and offset.

    `format` "raw" is the original (so is a format we do not encode, say "flac", that the file
    already is); a named format is transcoded unless the file already is that format within
    the cap (and no offset is asked). Another format we do not encode is a preference we
    cannot meet, as Subsonic's `format` is: it counts as none. With no format, a cap (kbit/s)
    below the file's bitrate transcodes to the user's default format, Opus without one. A cap
    of 0 (or none) falls back to the user's default cap, if any.
    """
    name = (format or "").strip().lower()
    own = (song.codec, PurePosixPath(song.storage_key).suffix.lstrip(".").lower())
    if name == RAW or (name and name not in PROFILES and name in own):
        return None  # the original, or a format we do not encode that the file already is
    if name not in PROFILES:
        name = ""
    if max_bitrate is not None and max_bitrate < 0:
        raise InvalidTranscode("The maximum bitrate must be 0 (no limit) or a number of kbit/s.")
    default = stream_default(user)
    cap = max_bitrate or default.max_kbps
    bitrate = song.bitrate or 0
    if name:
        profile = profile_for(name)
        same_file = profile.source_codec == song.codec and profile.mime_type == song.mime_type
        if same_file and not time_offset and (not cap or (bitrate and bitrate <= cap * 1000)):
            return None
    else:
        profile = StreamDefault(cap, default.profile).transcodes(bitrate)
        if profile is None:
            return None
    if time_offset < 0 or (time_offset and time_offset >= (song.duration or 0)):
        raise InvalidTranscode(
            f"The time offset must be between 0 and the song's {song.duration or 0:.0f} seconds."
        )
    return TranscodePlan(profile, profile.bitrate(cap), float(time_offset))


def transcoded_response(
    request,
    song,
    *,
    format: str = "",
    max_bitrate: int | None = 0,
    time_offset: float = 0,
    estimate_length: bool = False,
    user=None,
    storage: Storage | None = None,
) -> HttpResponseBase | None:
    """Answer with the song transcoded as asked, or None when the original file is the answer.

    The first request starts one encode into the cache and streams it as it is written; a
    request for the same output joins that encode, and once it is complete, the cached file
    is served with ranges. With `estimate_length`, Content-Length is duration x bitrate
    (the body is padded or cut to it). The answer waits for the encode's first bytes, so what
    stops an encode before them is raised here: InvalidTranscode for values no encode can
    honour, Unavailable (TranscoderBusy, SourceUnreadable) for what may work in a moment,
    SourceMissing without a file, EncodeFailed for a file FFmpeg cannot decode. A failure after
    them makes the stream raise TranscodeInterrupted: the server cuts the connection.
    """
    plan = plan_transcode(
        song, format=format, max_bitrate=max_bitrate, time_offset=time_offset, user=user
    )
    if plan is None:
        return None
    profile = plan.profile
    remaining = max((song.duration or 0) - plan.offset, 0.0)
    length = estimated_length(remaining, plan.kbps) if estimate_length else None
    key = _cache_key(song, plan, plan.offset)
    if request.method == "HEAD":
        return _head_response(request, cache.cached_file(key), profile, length, remaining)
    whole = cache.cached_file(_cache_key(song, plan, 0.0)) if plan.offset else None
    if whole is not None and cache.touch(whole):
        # Cut the cached encode of the whole song: a seek costs no encoding. (Just touched, it
        # is the last file the cache would evict.)
        def chunks() -> Iterator[bytes]:
            with open(whole, "rb") as encoded:
                yield from remux(encoded, profile, plan.offset)

        reserve = None
    else:
        source = open_source(song.storage_key, song.file_size, storage)

        def chunks() -> Iterator[bytes]:
            try:
                yield from encode(source, profile, plan.kbps, plan.offset)
            finally:
                if hasattr(source, "close"):
                    source.close()

        reserve = ENCODE_SLOTS.reserve
    found = open_cached_or_encode(
        key, chunks, reserve, length=length, asynchronous=_under_asgi(request)
    )
    if isinstance(found, JobReader):
        try:
            found.job.first_bytes()
        except BaseException:
            found.close()
            raise
    if isinstance(found, Path):
        response = file_response(
            request, found.name, profile.mime_type, storage=FileSystemStorage(found.parent)
        )
    else:
        response = StreamingHttpResponse(found, content_type=profile.mime_type)
        if length is not None:
            response["Content-Length"] = str(length)
        response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Duration"] = f"{remaining:.2f}"
    return response


def _head_response(
    request, cached: Path, profile: Profile, length: int | None, remaining: float
) -> HttpResponseBase:
    """Answer a HEAD with the headers its GET would have, encoding nothing.

    A finished encode in the cache is a file with its size; otherwise the GET streams with
    the estimated length asked for, or none: an empty HttpResponse would say Content-Length 0,
    which tells a player probing with HEAD that the song is empty.
    """
    if cached.is_file():
        storage = FileSystemStorage(cached.parent)
        response = file_response(request, cached.name, profile.mime_type, storage=storage)
    else:
        response = StreamingHttpResponse((), content_type=profile.mime_type)
        if length is not None:
            response["Content-Length"] = str(length)
        response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Duration"] = f"{remaining:.2f}"
    return response


def _cache_key(song, plan: TranscodePlan, offset: float) -> str:
    # What the file is (a new upload under the same key changes its size, ETag or hash), not
    # the row's edits: renaming a song keeps its encodes.
    return cache.cache_key(
        song.storage_key,
        song.file_size,
        song.etag,
        song.content_hash,
        plan.profile.name,
        plan.kbps,
        round(offset, 3),
    )


def _under_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)
