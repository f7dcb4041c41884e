"""Media retrieval: stream and download a song's file, cover art at any size, lyrics."""

import re

from django.http import HttpResponse, HttpResponseBase

from catalog.media import Missing, stored_file_response
from catalog.models import Song
from catalog.transcoding import (
    EncodeFailed,
    InvalidTranscode,
    SourceMissing,
    Unavailable,
    transcoded_response,
)
from subsonic import serializers
from subsonic.covers import generated_cover, resized_cover
from subsonic.dispatch import Call, find_object, found, method, not_found
from subsonic.params import ALBUM, ARTIST, PLAYLIST, SONG
from subsonic.queries import media as queries
from subsonic.responses import ErrorCode, SubsonicError

COVER_CACHE = "public, max-age=86400"


@method("stream")
def stream(call: Call) -> HttpResponseBase:
    """Send the song transcoded when asked (or by the user's defaults), else the original file
    with ranges; on S3 proxied, never redirected: many apps do not follow redirects when
    streaming."""
    song = find_object(call, queries.stored_song, SONG)
    transcoded = transcode_or_error(
        call,
        song,
        format=call.params.get("format"),
        max_bitrate=call.params.int("maxBitRate", 0),
        time_offset=call.params.int("timeOffset", 0),
        estimate_length=call.params.bool("estimateContentLength"),
    )
    if transcoded is not None:
        return transcoded
    return original_file(call, song)


def transcode_or_error(
    call: Call, song, *, status_for_undecodable: int = 200, **asked
) -> HttpResponseBase | None:
    """Answer with the song transcoded as asked (None: send the original), or raise the error
    the app should hear: busy encoders as HTTP 503 with Retry-After, so players retry."""
    try:
        return transcoded_response(call.request, song, user=call.user, **asked)
    except InvalidTranscode as error:
        raise SubsonicError(ErrorCode.GENERIC, str(error)) from None
    except Unavailable as error:
        raise SubsonicError(
            ErrorCode.GENERIC,
            str(error),
            status=503,
            headers={"Retry-After": str(error.retry_after), "Cache-Control": "no-store"},
        ) from None
    except SourceMissing:
        raise not_found("The song's file") from None
    except EncodeFailed as error:
        message = f"The song's file cannot be transcoded: {error}"
        # Only the OpenSubsonic transcoding calls answer their errors with HTTP statuses.
        raise SubsonicError(ErrorCode.GENERIC, message, status=status_for_undecodable) from None


def original_file(call: Call, song) -> HttpResponseBase:
    """Send the stored file with ranges; on S3 proxied (apps do not all follow redirects)."""
    try:
        return stored_file_response(
            call.request, song.storage_key, song.mime_type, size_hint=song.file_size, proxy_s3=True
        )
    except Missing:
        raise not_found("The song's file") from None


@method("download")
def download(call: Call) -> HttpResponseBase:
    """Send the original file as an attachment; on S3 redirect to a presigned URL."""
    song = find_object(call, queries.stored_song, SONG)
    name = f"{song.title}.{serializers.suffix(song)}"
    try:
        return stored_file_response(
            call.request,
            song.storage_key,
            song.mime_type,
            size_hint=song.file_size,
            attachment=name,
        )
    except Missing:
        raise not_found("The song's file") from None


@method("getCoverArt")
def get_cover_art(call: Call) -> HttpResponseBase:
    """Send the cover at most `size` pixels square (none or 0: the original); a playlist with
    no song cover gets a generated one."""
    kind, pk = call.params.id("id", ALBUM, SONG, ARTIST, PLAYLIST)
    size = call.params.int("size", minimum=0, maximum=100_000)
    playlist = None
    if kind == PLAYLIST:
        playlist = found(queries.visible_playlist(call.user, pk), "Playlist")
    cover = queries.cover_for(kind, pk)
    if cover is None and playlist is not None:
        return _image(generated_cover(playlist.name, size))
    if cover is None:
        raise not_found("Cover art")
    if size:
        data = resized_cover(cover, size)
        if data is not None:
            return _image(data)
    try:
        return stored_file_response(
            call.request,
            cover.image.name,
            cover.mime_type,
            cache_control=COVER_CACHE,
            proxy_s3=True,
        )
    except Missing:
        raise not_found("Cover art") from None


def _image(jpeg: bytes) -> HttpResponse:
    response = HttpResponse(jpeg, content_type="image/jpeg")
    response["Cache-Control"] = COVER_CACHE
    return response


LRC_STAMP = r"\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\]"
# Compact LRC gives a line sung more than once all its times: [00:12.00][00:45.00]Chorus.
LRC_LINE = re.compile(rf"^(?P<stamps>(?:{LRC_STAMP})+)(?P<words>.*)$")
LRC_OFFSET = re.compile(r"^\[offset:\s*([+-]?\d{1,7})\s*\]$", re.IGNORECASE)


def structured_lyrics(song: Song) -> dict | None:
    """Return a song's lyrics as OpenSubsonic structured lyrics: synced when they are LRC.

    LRC's `[offset:±ms]` tag is the answer's `offset` (positive: lines show sooner), as
    OpenSubsonic defines it; the lines keep the times written.
    """
    text = (song.lyrics or "").strip()
    if not text:
        return None
    lines = text.splitlines()
    timed = [LRC_LINE.match(line.strip()) for line in lines]
    synced = bool(lines) and sum(1 for match in timed if match) >= max(1, len(lines) // 2)
    offset = 0
    if synced:
        entries = []
        for line, match in zip(lines, timed, strict=True):
            if shift := LRC_OFFSET.match(line.strip()):
                offset = int(shift.group(1))
            if not match:
                continue
            words = match["words"].strip()
            for stamp in re.finditer(LRC_STAMP, match["stamps"]):
                entries.append({"start": _lrc_milliseconds(*stamp.groups()), "value": words})
        entries.sort(key=lambda entry: entry["start"])
    else:
        entries = [{"value": line} for line in lines]
    return {
        "displayArtist": song.artist.name,
        "displayTitle": song.title,
        "lang": "xxx",
        "offset": offset,
        "synced": synced,
        "line": entries,
    }


def _lrc_milliseconds(minutes: str, seconds: str, fraction: str | None) -> int:
    """Read an LRC time: `.5`, `.50` and `.500` are all half a second."""
    return (int(minutes) * 60 + int(seconds)) * 1000 + int((fraction or "0").ljust(3, "0")[:3])


@method("getLyricsBySongId")
def get_lyrics_by_song_id(call: Call) -> dict:
    lyrics = structured_lyrics(find_object(call, queries.song_with_artist, SONG))
    return {"lyricsList": {"structuredLyrics": [lyrics] if lyrics else []}}


@method("getLyrics")
def get_lyrics(call: Call) -> dict:
    song = queries.song_with_lyrics(call.params.get("artist"), call.params.get("title"))
    if song is None:
        return {"lyrics": {}}
    plain = structured_lyrics(song)
    text = "\n".join(line["value"] for line in plain["line"]) if plain else ""
    return {"lyrics": {"artist": song.artist.name, "title": song.title, "value": text}}
