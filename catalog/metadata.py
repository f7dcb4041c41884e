"""Read a song's tags and stream facts with mutagen into one normalised ``SongMetadata``.

Each tag format (ID3, Vorbis comments, MP4 atoms, APEv2, ASF) has one small mapping function
that collects raw values; one normalisation step then turns them into the same structure,
whatever the container. Only the bytes mutagen needs are read (the tags, a few frame headers,
and for Ogg and FLAC a little of the end), so the reader may be a range reader over S3.

MIME types are what browsers accept as the ``Content-Type`` of an ``<audio>`` source. Opus in
Ogg is ``audio/ogg`` (Chrome, Firefox and Safari 18.4+ all play it under that type); ``codec``
tells it apart from Vorbis, so ``f'{mime_type}; codecs="{codec}"'`` is a precise
``<source type>`` for ``canPlayType``. No Django imports.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from mutagen import FileType, MutagenError
from mutagen._vorbis import VComment
from mutagen.aac import AAC
from mutagen.ac3 import AC3
from mutagen.aiff import AIFF
from mutagen.apev2 import APEBinaryValue, APETextValue, APEv2
from mutagen.asf import ASF, ASFTags
from mutagen.dsdiff import DSDIFF
from mutagen.dsf import DSF
from mutagen.flac import FLAC, Picture, StreamInfo
from mutagen.id3 import ID3, TCON
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover, MP4Tags
from mutagen.musepack import Musepack
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from mutagen.optimfrog import OptimFROG
from mutagen.tak import TAK
from mutagen.trueaudio import TrueAudio
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

logger = logging.getLogger(__name__)

FRONT_COVER = 3  # the picture type for "Cover (front)" in ID3 APIC and FLAC PICTURE blocks

# What a corrupt file makes mutagen raise, besides its own errors: its parsers unpack
# structs, index buffers and decode text straight from the bytes.
_PARSE_ERRORS = (
    MutagenError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    ValueError,
    OSError,
    ArithmeticError,
    AssertionError,
)
_MAX_REASON_DETAIL = 160
_FLAC_TAIL_SLACK = 64 * 1024  # room for an ID3v1 or APEv2 tag some taggers append to FLAC
_FLAC_TAIL_UNKNOWN_FRAMES = 1024 * 1024
_FLAC_TAIL_MAX_FRAMES = 2 * 1024 * 1024


@dataclass(frozen=True)
class CoverArt:
    """An embedded picture; ``mime_type`` comes from the image bytes when they are known."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class SongMetadata:
    """Everything the catalogue learns from one audio file, normalised across tag formats."""

    title: str | None
    artists: tuple[str, ...]
    album: str | None
    album_artist: str | None
    track_number: int | None
    track_total: int | None
    disc_number: int | None
    disc_total: int | None
    year: int | None
    genres: tuple[str, ...]
    duration: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    codec: str
    mime_type: str
    lyrics: str | None
    cover: CoverArt | None


class MetadataError(Exception):
    """The file cannot be read as audio; ``str(error)`` is the reason shown for the ingest job."""


@dataclass(frozen=True)
class _Kind:
    """A mutagen file type with the names we report for it."""

    file_type: type[FileType]
    label: str
    codec: str
    mime_type: str


# Ties in mutagen's score go to the earlier entry.
_KINDS = (
    _Kind(MP3, "MP3", "mp3", "audio/mpeg"),
    _Kind(FLAC, "FLAC", "flac", "audio/flac"),
    _Kind(OggVorbis, "Ogg Vorbis", "vorbis", "audio/ogg"),
    _Kind(OggOpus, "Ogg Opus", "opus", "audio/ogg"),
    _Kind(OggFLAC, "Ogg FLAC", "flac", "audio/ogg"),
    _Kind(OggSpeex, "Ogg Speex", "speex", "audio/ogg"),
    _Kind(MP4, "MP4", "aac", "audio/mp4"),
    _Kind(AAC, "AAC", "aac", "audio/aac"),
    _Kind(WAVE, "WAV", "pcm", "audio/wav"),
    _Kind(AIFF, "AIFF", "pcm", "audio/aiff"),
    _Kind(ASF, "WMA", "wma", "audio/x-ms-wma"),
    _Kind(WavPack, "WavPack", "wavpack", "audio/x-wavpack"),
    _Kind(MonkeysAudio, "Monkey's Audio", "ape", "audio/x-ape"),
    _Kind(Musepack, "Musepack", "musepack", "audio/x-musepack"),
    _Kind(OptimFROG, "OptimFROG", "optimfrog", "audio/x-optimfrog"),
    _Kind(TrueAudio, "TrueAudio", "tta", "audio/x-tta"),
    _Kind(TAK, "TAK", "tak", "audio/x-tak"),
    _Kind(DSF, "DSF", "dsd", "audio/x-dsf"),
    _Kind(DSDIFF, "DSDIFF", "dsd", "audio/x-dff"),
    _Kind(AC3, "AC-3", "ac3", "audio/ac3"),
)
_KIND_BY_TYPE = {kind.file_type: kind for kind in _KINDS}

# Tried when no file type recognises the content: containers whose start varies.
_KINDS_BY_EXTENSION = {
    ".m4a": (MP4,),
    ".m4b": (MP4,),
    ".mp4": (MP4,),
    ".alac": (MP4,),
}

# MP4 sample-entry codes (mutagen's ``info.codec``) to codec names.
_MP4_CODECS = {
    "mp4a.40": "aac",
    "mp4a.67": "aac",
    "mp4a.69": "mp3",
    "mp4a.6b": "mp3",
    "alac": "alac",
    "ac-3": "ac3",
    "ec-3": "eac3",
    "flac": "flac",
    "opus": "opus",
}
_MP3_CODECS = {1: "mp1", 2: "mp2", 3: "mp3"}

_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)

_ARTIST_SEPARATORS = re.compile(r"[\x00;]")
_GENRE_SEPARATORS = re.compile(r"[\x00;,/]")
_POSITION = re.compile(r"^\s*(\d+)\s*(?:(?:/|of)\s*(\d+))?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_YEAR_PREFIX = re.compile(r"^\s*(\d{4})")


@dataclass
class _RawPicture:
    """A picture as a tag format stores it."""

    data: bytes
    mime_type: str = ""
    picture_type: int | None = None


@dataclass
class _RawTags:
    """Tag values as one format spells them, before normalisation."""

    title: list[str] = field(default_factory=list)
    artists: list[str] = field(default_factory=list)
    album: list[str] = field(default_factory=list)
    album_artist: list[str] = field(default_factory=list)
    track: list[str] = field(default_factory=list)
    track_total: list[str] = field(default_factory=list)
    disc: list[str] = field(default_factory=list)
    disc_total: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    lyrics: list[str] = field(default_factory=list)
    pictures: list[_RawPicture] = field(default_factory=list)


class _TrackedReader:
    """Pass reads through to the caller's file object, remembering the errors it raised.

    mutagen wraps an OSError from ``read`` in its own error type and swallows some others;
    remembering them lets ``read_metadata`` hand the reader's own failures (time or byte
    limits, a dropped connection) back to the caller unchanged instead of blaming the file.
    """

    def __init__(self, fileobj: BinaryIO, name: str) -> None:
        self._fileobj = fileobj
        self.name = name
        self.raised: list[BaseException] = []
        self.size = self._measure()

    def read(self, size: int | None = -1) -> bytes:
        try:
            if size is None or size < 0:
                # mutagen reads "the rest" near the end of Ogg and APEv2 files; a range reader
                # gets the exact length instead.
                size = max(self.size - self._fileobj.tell(), 0)
            return self._fileobj.read(size)
        except BaseException as error:
            self.raised.append(error)
            raise

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        try:
            return self._fileobj.seek(offset, whence)
        except BaseException as error:
            # A seek before the start is an ordinary OSError mutagen expects and handles.
            if _is_limit(error):
                self.raised.append(error)
            raise

    def tell(self) -> int:
        try:
            return self._fileobj.tell()
        except BaseException as error:
            if _is_limit(error):
                self.raised.append(error)
            raise

    def _measure(self) -> int:
        """Return the size of the file in bytes, leaving the position at the start."""
        self.seek(0, os.SEEK_END)
        size = self.tell()
        self.seek(0)
        return size


def read_metadata(fileobj: BinaryIO, filename: str, *, check_complete: bool = True) -> SongMetadata:
    """Return the normalised metadata of the audio file in ``fileobj``, or raise MetadataError.

    ``fileobj`` must be seekable; ``filename`` names the file in messages and its extension
    helps choose the format. Errors raised by ``fileobj`` itself (time or byte limits, network
    failures) propagate unchanged. With ``check_complete`` a FLAC file is also checked for a
    missing end (one small read of its last frames), since its header states the length
    whether or not the audio is all there.
    """
    name = os.path.basename(filename) or filename
    reader = _TrackedReader(fileobj, name)
    size = reader.size
    if size == 0:
        raise MetadataError("empty file (0 bytes)")
    audio, kind = _load_audio(reader, name)
    _raise_limit_errors(reader.raised)

    info = audio.info
    if isinstance(audio, MP4) and not getattr(info, "codec", ""):
        # mutagen still reports the movie's length when no track holds sound.
        raise MetadataError("no audio stream (the MP4 file has no sound track)")
    duration = float(getattr(info, "length", 0) or 0)
    if isinstance(audio, FLAC) and check_complete:
        duration = _check_flac_complete(audio, reader, size, duration)
    if not math.isfinite(duration) or duration <= 0:
        raise MetadataError("no audio stream (duration is 0)")

    raw = _raw_tags(audio)
    track_number, track_total = _position(raw.track, raw.track_total)
    disc_number, disc_total = _position(raw.disc, raw.disc_total)
    bitrate = int(getattr(info, "bitrate", 0) or 0) or round(size * 8 / duration)
    return SongMetadata(
        title=_first(raw.title),
        artists=_split(raw.artists, _ARTIST_SEPARATORS),
        album=_first(raw.album),
        album_artist=_first(raw.album_artist),
        track_number=track_number,
        track_total=track_total,
        disc_number=disc_number,
        disc_total=disc_total,
        year=_year(raw.year),
        genres=_split(TCON(encoding=3, text=_clean_all(raw.genres)).genres, _GENRE_SEPARATORS),
        duration=duration,
        bitrate=bitrate or None,
        sample_rate=_sample_rate(audio),
        channels=int(getattr(info, "channels", 0) or 0) or None,
        codec=_codec(audio, kind),
        mime_type=kind.mime_type,
        lyrics=_lyrics(raw.lyrics),
        cover=_cover(raw.pictures),
    )


def _load_audio(reader: _TrackedReader, name: str) -> tuple[FileType, _Kind]:
    """Open the file with the best-scoring mutagen type, falling back to the next ones."""
    reader.seek(0)
    header = reader.read(128)
    scored = sorted(
        (
            (kind.file_type.score(name, reader, header), -index, kind)
            for index, kind in enumerate(_KINDS)
        ),
        key=lambda entry: entry[:2],
        reverse=True,
    )
    candidates = [kind for score, _, kind in scored if score > 0]
    extension = os.path.splitext(name)[1].lower()
    for file_type in _KINDS_BY_EXTENSION.get(extension, ()):
        if _KIND_BY_TYPE[file_type] not in candidates:
            candidates.append(_KIND_BY_TYPE[file_type])

    failures: list[tuple[_Kind, BaseException]] = []
    for kind in candidates:
        reader.seek(0)
        try:
            return kind.file_type(reader), kind
        except _PARSE_ERRORS as error:
            escaped = _reader_failure(error, reader.raised)
            if escaped is None:
                failures.append((kind, error))
                continue
        # Raised outside the handler so the reader's error keeps its own context.
        raise escaped
    raise MetadataError(_unreadable_reason(name, header, failures))


def _unreadable_reason(
    name: str, header: bytes, failures: list[tuple[_Kind, BaseException]]
) -> str:
    """Explain why no mutagen type could read the file."""
    for kind, error in failures:
        if kind.file_type.score("", None, header) > 0:
            return f"truncated or corrupt {kind.label}: {_describe(error)}"
    if _looks_like_text(header):
        return f"not an audio file: it holds text, not audio (is {name!r} a song?)"
    if failures:
        kind, error = failures[0]
        return (
            f"not an audio file: no {kind.label} audio found ({_describe(error)}); "
            f"is {name!r} a song?"
        )
    return f"not an audio file: no known audio format found (is {name!r} a song?)"


def _describe(error: BaseException) -> str:
    """Return a short, one-line description of a parse error."""
    chain = list(_error_chain(error))
    texts = (" ".join(str(wrapped).split()) for wrapped in chain)
    text = next((text for text in texts if text), "")
    if not text:
        # mutagen signals a short read with a bare OSError or EOFError.
        short_read = any(isinstance(wrapped, OSError | EOFError) for wrapped in chain)
        text = "the data ends too soon" if short_read else type(chain[-1]).__name__
    if len(text) > _MAX_REASON_DETAIL:
        text = text[: _MAX_REASON_DETAIL - 1] + "…"
    return text


def _looks_like_text(header: bytes) -> bool:
    """Tell whether the first bytes of a file read as printable text."""
    text = header.decode("utf-8", errors="ignore")
    if not text or len(text.encode("utf-8")) < len(header) - 3:
        return False
    return all(char.isprintable() or char in "\t\r\n\f" for char in text)


def _is_limit(error: BaseException) -> bool:
    """Tell whether an error bounds the ingest job rather than describing the file."""
    return isinstance(error, TimeoutError | MemoryError) or getattr(error, "ingest_limit", False)


def _error_chain(error: BaseException) -> Iterator[BaseException]:
    """Yield ``error`` and every error it wraps, through causes, contexts and arguments."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _reader_failure(error: BaseException, raised: list[BaseException]) -> BaseException | None:
    """Return the reader's own error behind a parse failure, or None if the file is at fault."""
    for wrapped in _error_chain(error):
        if _is_limit(wrapped) or any(wrapped is own for own in raised):
            return wrapped
    return None


def _raise_limit_errors(raised: list[BaseException]) -> None:
    """Re-raise a limit error the reader raised even if mutagen swallowed it."""
    for error in raised:
        if _is_limit(error):
            raise error


def _check_flac_complete(audio: FLAC, reader: _TrackedReader, size: int, duration: float) -> float:
    """Return the FLAC duration after checking that its last frame is present.

    STREAMINFO states the length up front, so a cut-off file still claims its full duration;
    the frame headers near the end tell the truth. A stream whose header leaves the length
    unknown gets it from its last frame instead.
    """
    info = audio.info
    if duration > 0 and not info.bitrate:
        raise MetadataError("truncated or corrupt FLAC: no audio frames after the tags")
    # Two of the largest frames hold the start of the last one; the header states the size,
    # so it is capped to keep a lying header from costing a large read.
    window = min(2 * info.max_framesize or _FLAC_TAIL_UNKNOWN_FRAMES, _FLAC_TAIL_MAX_FRAMES)
    window += _FLAC_TAIL_SLACK
    start = max(size - window, 0)
    reader.seek(start)
    tail = reader.read(size - start)
    last_sample = _flac_last_sample(tail, info)
    if info.total_samples == 0:
        return (last_sample or 0) / info.sample_rate
    if last_sample is None or last_sample < info.total_samples:
        raise MetadataError(
            f"truncated or corrupt FLAC: the audio stops before the {duration:.1f} s "
            "its header announces (the last frame is missing)"
        )
    return duration


def _flac_last_sample(data: bytes, info: StreamInfo) -> int | None:
    """Return the sample at which the last FLAC frame whose header is in ``data`` ends.

    When the stream length is known, only a frame that reaches it counts, so a chance sync
    pattern inside audio data can never make a complete file look cut short.
    """
    ends = []
    for match in re.finditer(rb"\xff[\xf8\xf9]", data):
        end = _flac_frame_end(data, match.start(), info)
        if end is not None:
            ends.append(end)
    if not ends:
        return None
    if info.total_samples:
        return max(ends)
    return ends[-1]


_FLAC_SAMPLE_RATES = (
    0,
    88200,
    176400,
    192000,
    8000,
    16000,
    22050,
    24000,
    32000,
    44100,
    48000,
    96000,
)
_FLAC_SAMPLE_SIZES = (0, 8, 12, None, 16, 20, 24, 32)
_UTF8_LEAD = (
    (0x80, 0x00, 0),
    (0xE0, 0xC0, 1),
    (0xF0, 0xE0, 2),
    (0xF8, 0xF0, 3),
    (0xFC, 0xF8, 4),
    (0xFE, 0xFC, 5),
    (0xFF, 0xFE, 6),
)


def _flac_frame_end(data: bytes, offset: int, info: StreamInfo) -> int | None:
    """Parse the FLAC frame header at ``offset``; return the sample after its block, or None.

    The header must pass its CRC-8 and agree with STREAMINFO (RFC 9639, section 9.1).
    """
    try:
        variable = data[offset + 1] & 1
        block_code, rate_code = data[offset + 2] >> 4, data[offset + 2] & 0x0F
        channel_code, size_code = data[offset + 3] >> 4, (data[offset + 3] >> 1) & 0x07
        if block_code == 0 or rate_code == 15 or channel_code > 10 or data[offset + 3] & 1:
            return None
        channels = channel_code + 1 if channel_code < 8 else 2
        sample_size = _FLAC_SAMPLE_SIZES[size_code]
        if channels != info.channels or sample_size not in (0, info.bits_per_sample):
            return None
        coded = _flac_coded_number(data, offset + 4)
        if coded is None:
            return None
        number, position = coded
        if block_code == 6:
            block_size = data[position] + 1
            position += 1
        elif block_code == 7:
            block_size = int.from_bytes(data[position : position + 2], "big") + 1
            position += 2
        elif block_code == 1:
            block_size = 192
        elif block_code <= 5:
            block_size = 576 << (block_code - 2)
        else:
            block_size = 256 << (block_code - 8)
        if rate_code == 12:
            rate = data[position] * 1000
            position += 1
        elif rate_code in (13, 14):
            rate = int.from_bytes(data[position : position + 2], "big") * (
                1 if rate_code == 13 else 10
            )
            position += 2
        else:
            rate = _FLAC_SAMPLE_RATES[rate_code]
        if rate not in (0, info.sample_rate):
            return None
        if _crc8(data[offset:position]) != data[position]:
            return None
    except IndexError:
        return None
    first_sample = number if variable else number * info.max_blocksize
    return first_sample + block_size


def _flac_coded_number(data: bytes, position: int) -> tuple[int, int] | None:
    """Decode the UTF-8-style frame or sample number; return it and the position after it."""
    lead = data[position]
    found = next(((mask, n) for mask, value, n in _UTF8_LEAD if lead & mask == value), None)
    if found is None:
        return None
    mask, extra = found
    number = lead & ~mask & 0xFF
    for byte in data[position + 1 : position + 1 + extra]:
        if byte & 0xC0 != 0x80:
            return None
        number = (number << 6) | (byte & 0x3F)
    if position + 1 + extra > len(data):
        raise IndexError("frame header cut off")
    return number, position + 1 + extra


def _crc8(data: bytes) -> int:
    """Return the CRC-8 (polynomial 0x07) FLAC frame headers carry."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _raw_tags(audio: FileType) -> _RawTags:
    """Collect raw tag values with the mapping for the file's tag format."""
    tags = audio.tags
    if isinstance(tags, ID3):
        raw = _id3_tags(tags)
    elif isinstance(tags, MP4Tags):
        raw = _mp4_tags(tags)
    elif isinstance(tags, APEv2):
        raw = _ape_tags(tags)
    elif isinstance(tags, ASFTags):
        raw = _asf_tags(tags)
    elif isinstance(tags, VComment):
        raw = _vorbis_tags(tags)
    else:
        raw = _RawTags()
    if isinstance(audio, FLAC):
        raw.pictures.extend(_RawPicture(p.data, p.mime, p.type) for p in audio.pictures)
    return raw


def _id3_tags(tags: ID3) -> _RawTags:
    """Map ID3v2 frames (v2.2 and v2.3 arrive upgraded to v2.4 by mutagen)."""

    def texts(*frame_ids: str) -> list[str]:
        for frame_id in frame_ids:
            values = [str(text) for frame in tags.getall(frame_id) for text in frame.text]
            if _clean_all(values):
                return values
        return []

    genres = [genre for frame in tags.getall("TCON") for genre in frame.genres]
    return _RawTags(
        title=texts("TIT2"),
        artists=texts("TXXX:ARTISTS", "TPE1"),
        album=texts("TALB"),
        album_artist=texts("TPE2", "TXXX:ALBUMARTIST", "TXXX:ALBUM ARTIST"),
        track=texts("TRCK"),
        track_total=texts("TXXX:TRACKTOTAL", "TXXX:TOTALTRACKS"),
        disc=texts("TPOS"),
        disc_total=texts("TXXX:DISCTOTAL", "TXXX:TOTALDISCS"),
        year=texts("TDRC", "TYER", "TDRL", "TDOR", "TORY"),
        genres=genres,
        lyrics=[frame.text for frame in tags.getall("USLT")],
        pictures=[
            _RawPicture(frame.data, frame.mime, int(frame.type))
            for frame in tags.getall("APIC")
            if frame.mime != "-->"  # a link to an image elsewhere, not the image
        ],
    )


def _vorbis_tags(tags: VComment) -> _RawTags:
    """Map Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex, Ogg FLAC)."""

    def values(*keys: str) -> list[str]:
        for key in keys:
            found = tags.get(key) or []
            if _clean_all(found):
                return found
        return []

    pictures = []
    for encoded in values("metadata_block_picture"):
        try:
            picture = Picture(base64.b64decode(encoded))
        except (binascii.Error, ValueError, MutagenError, struct.error, IndexError):
            logger.debug("skipping an undecodable METADATA_BLOCK_PICTURE")
            continue
        pictures.append(_RawPicture(picture.data, picture.mime, picture.type))
    legacy_mimes = values("coverartmime")
    for index, encoded in enumerate(values("coverart")):
        try:
            data = base64.b64decode(encoded)
        except (binascii.Error, ValueError):
            continue
        mime = legacy_mimes[index] if index < len(legacy_mimes) else ""
        pictures.append(_RawPicture(data, mime))
    return _RawTags(
        title=values("title"),
        artists=values("artists", "artist"),
        album=values("album"),
        album_artist=values("albumartist", "album artist", "album_artist"),
        track=values("tracknumber"),
        track_total=values("tracktotal", "totaltracks"),
        disc=values("discnumber"),
        disc_total=values("disctotal", "totaldiscs"),
        year=values("date", "year", "originaldate", "originalyear"),
        genres=values("genre"),
        lyrics=values("lyrics", "unsyncedlyrics"),
        pictures=pictures,
    )


def _mp4_tags(tags: MP4Tags) -> _RawTags:
    """Map iTunes-style MP4 atoms."""

    def texts(*keys: str) -> list[str]:
        for key in keys:
            found = [
                bytes(value).decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                for value in tags.get(key, [])
            ]
            if _clean_all(found):
                return found
        return []

    def pair(key: str) -> tuple[list[str], list[str]]:
        for number, total in tags.get(key, []):
            return [str(number)], [str(total)]
        return [], []

    track, track_total = pair("trkn")
    disc, disc_total = pair("disk")
    pictures = [
        _RawPicture(
            bytes(cover),
            "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg",
        )
        for cover in tags.get("covr", [])
    ]
    return _RawTags(
        title=texts("\xa9nam"),
        artists=texts("----:com.apple.iTunes:ARTISTS", "\xa9ART"),
        album=texts("\xa9alb"),
        album_artist=texts("aART"),
        track=track,
        track_total=track_total,
        disc=disc,
        disc_total=disc_total,
        year=texts("\xa9day"),
        genres=texts("\xa9gen"),
        lyrics=texts("\xa9lyr"),
        pictures=pictures,
    )


def _ape_tags(tags: APEv2) -> _RawTags:
    """Map APEv2 items (Monkey's Audio, WavPack, Musepack, OptimFROG, TAK)."""

    def values(*keys: str) -> list[str]:
        for key in keys:
            item = tags.get(key)
            if isinstance(item, APETextValue):
                found = str(item).split("\0")
                if _clean_all(found):
                    return found
        return []

    pictures = []
    for key, picture_type in (("Cover Art (Front)", FRONT_COVER), ("Cover Art (Other)", 0)):
        item = tags.get(key)
        if isinstance(item, APEBinaryValue):  # "file name\0image bytes"
            _, _, data = bytes(item.value).partition(b"\0")
            if data:
                pictures.append(_RawPicture(data, picture_type=picture_type))
    return _RawTags(
        title=values("Title"),
        artists=values("Artists", "Artist"),
        album=values("Album"),
        album_artist=values("Album Artist", "AlbumArtist"),
        track=values("Track"),
        track_total=values("TrackTotal", "TotalTracks"),
        disc=values("Disc"),
        disc_total=values("DiscTotal", "TotalDiscs"),
        year=values("Year", "Date"),
        genres=values("Genre"),
        lyrics=values("Lyrics", "Unsyncedlyrics"),
        pictures=pictures,
    )


def _asf_tags(tags: ASFTags) -> _RawTags:
    """Map ASF (WMA) attributes."""

    def values(*keys: str) -> list[str]:
        for key in keys:
            found = [str(value) for value in tags.get(key, [])]
            if _clean_all(found):
                return found
        return []

    pictures = []
    for attribute in tags.get("WM/Picture", []):
        picture = _asf_picture(bytes(attribute.value))
        if picture is not None:
            pictures.append(picture)
    return _RawTags(
        title=values("Title"),
        artists=values("WM/ARTISTS", "Author"),
        album=values("WM/AlbumTitle"),
        album_artist=values("WM/AlbumArtist"),
        track=values("WM/TrackNumber"),
        disc=values("WM/PartOfSet"),
        year=values("WM/Year"),
        genres=values("WM/Genre"),
        lyrics=values("WM/Lyrics"),
        pictures=pictures,
    )


def _asf_picture(value: bytes) -> _RawPicture | None:
    """Decode a WM/Picture value: type, size, UTF-16 MIME and description, then the image."""
    try:
        picture_type, size = struct.unpack_from("<bI", value)
        mime, position = _utf16_string(value, 5)
        _, position = _utf16_string(value, position)
    except (struct.error, ValueError):
        return None
    data = value[position : position + size]
    return _RawPicture(data, mime, picture_type) if data else None


def _utf16_string(value: bytes, position: int) -> tuple[str, int]:
    """Read a NUL-terminated UTF-16-LE string; return it and the position after it."""
    for end in range(position, len(value) - 1, 2):
        if value[end : end + 2] == b"\0\0":
            return value[position:end].decode("utf-16-le"), end + 2
    raise ValueError("unterminated UTF-16 string")


def _clean(value: object) -> str | None:
    """Return ``value`` as stripped text, or None when nothing is left."""
    text = str(value).replace("\0", "").strip()
    return text or None


def _clean_all(values: Iterable[object]) -> list[str]:
    """Return the non-empty stripped texts of ``values``."""
    return [text for text in map(_clean, values) if text]


def _first(values: Iterable[object]) -> str | None:
    """Return the first non-empty text."""
    return next(iter(_clean_all(values)), None)


def _split(values: Iterable[str], separators: re.Pattern[str]) -> tuple[str, ...]:
    """Split values on ``separators``, strip them and drop blanks and repeats, keeping order."""
    seen: set[str] = set()
    result = []
    for value in values:
        for part in separators.split(str(value)):
            text = part.strip()
            if text and text.casefold() not in seen:
                seen.add(text.casefold())
                result.append(text)
    return tuple(result)


def _positive_int(text: str | None) -> int | None:
    """Return the leading number of ``text`` if it is positive."""
    match = _POSITION.match(text or "")
    number = int(match.group(1)) if match else 0
    return number or None


def _position(numbers: list[str], totals: list[str]) -> tuple[int | None, int | None]:
    """Parse a track or disc position such as "3/12", with a separate total as fallback."""
    text = _first(numbers)
    match = _POSITION.match(text or "")
    if not match:
        return None, _positive_int(_first(totals))
    number = int(match.group(1)) or None
    total = int(match.group(2)) if match.group(2) else None
    return number, total or _positive_int(_first(totals))


def _year(values: Iterable[object]) -> int | None:
    """Return the year of the first date that has one ("2021", "2021-05-03", "20210503")."""
    for text in _clean_all(values):
        match = _YEAR.search(text) or _YEAR_PREFIX.match(text)
        if match and 1000 <= int(match.group(1)) <= 2999:
            return int(match.group(1))
    return None


def _lyrics(values: Iterable[object]) -> str | None:
    """Return the first non-empty lyrics with line endings normalised."""
    text = _first(values)
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else None


def _cover(pictures: list[_RawPicture]) -> CoverArt | None:
    """Pick the front cover (else the first picture) and type it from its bytes."""
    usable = [picture for picture in pictures if picture.data]
    if not usable:
        return None
    chosen = next((p for p in usable if p.picture_type == FRONT_COVER), usable[0])
    data = bytes(chosen.data)
    mime_type = _image_mime_type(data)
    if mime_type is None:
        declared = chosen.mime_type.strip().lower()
        if declared in ("image/jpg", "jpg", "jpeg"):
            declared = "image/jpeg"
        elif declared == "png":
            declared = "image/png"
        if not declared.startswith("image/"):
            logger.debug("ignoring an embedded picture that is not a known image")
            return None
        mime_type = declared
    return CoverArt(data=data, mime_type=mime_type)


def _image_mime_type(data: bytes) -> str | None:
    """Sniff an image's MIME type from its first bytes."""
    for signature, mime_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None


def _sample_rate(audio: FileType) -> int | None:
    """Return the sample rate; Opus always decodes at 48 kHz, whatever the source rate."""
    if isinstance(audio, OggOpus):
        return 48000
    return int(getattr(audio.info, "sample_rate", 0) or 0) or None


def _codec(audio: FileType, kind: _Kind) -> str:
    """Name the codec, looking inside containers that can hold several."""
    info = audio.info
    if isinstance(audio, MP4):
        code = (getattr(info, "codec", "") or "").lower()
        for prefix, codec in _MP4_CODECS.items():
            if code.startswith(prefix):
                return codec
        return code or kind.codec
    if isinstance(audio, MP3):
        return _MP3_CODECS.get(getattr(info, "layer", 3), "mp3")
    return kind.codec
