"""Read a song's tags and stream facts with mutagen into one normalised ``SongMetadata``.

Each tag family (ID3, Vorbis comments, MP4 atoms, APEv2, ASF) has one key table (families.py);
one normalisation step (values.py) then turns the raw values into the same structure,
whatever the container. Only the bytes mutagen needs are read (the tags, a few frame headers,
and for Ogg and FLAC a little of the end), so the reader may be a range reader over S3.

MIME types are what browsers accept as the ``Content-Type`` of an ``<audio>`` source. Opus in
Ogg is ``audio/ogg`` (Chrome, Firefox and Safari 18.4+ all play it under that type); ``codec``
tells it apart from Vorbis, so ``f'{mime_type}; codecs="{codec}"'`` is a precise
``<source type>`` for ``canPlayType``. No Django imports.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import BinaryIO

from mutagen import FileType, MutagenError
from mutagen.aac import AAC
from mutagen.ac3 import AC3
from mutagen.aiff import AIFF
from mutagen.asf import ASF
from mutagen.dsdiff import DSDIFF
from mutagen.dsf import DSF
from mutagen.flac import FLAC
from mutagen.id3 import TCON
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
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

from catalog.metadata import GENRE_LENGTH, NAME_LENGTH, CoverArt, SongMetadata
from ingest.tags import ape, asf, id3, mp4, vorbis
from ingest.tags.errors import MetadataError
from ingest.tags.flac import check_flac_complete
from ingest.tags.values import (
    ARTIST_SEPARATORS,
    GENRE_SEPARATORS,
    RawPicture,
    RawTags,
    artist_tags,
    clean_all,
    cover,
    first,
    isrcs,
    lyrics,
    musicbrainz_ids,
    position,
    release,
    replay_gain,
    small_number,
    split,
    year,
)

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
_SCORES = tuple((kind.file_type.score, kind) for kind in _KINDS)

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


class TrackedReader:
    """Pass reads through to the caller's file object, remembering the errors it raised.

    mutagen wraps an OSError from ``read`` in its own error type and swallows some others;
    remembering them lets ``read_metadata`` hand the reader's own failures (time or byte
    limits, a dropped connection) back to the caller unchanged instead of blaming the file.

    A file object that keeps its errors itself, in a ``raised`` list (ingest.store's readers
    do), serves mutagen's reads directly, a Python call less on each of a song's forty or so.
    """

    def __init__(self, fileobj: BinaryIO, name: str) -> None:
        self._fileobj = fileobj
        self.name = name
        self.raised: list[BaseException] = []
        self.size = self._measure()
        own = getattr(fileobj, "raised", None)
        if isinstance(own, list):
            self.raised = own
            self.read, self.seek, self.tell = fileobj.read, fileobj.seek, fileobj.tell

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
            if is_limit(error):
                self.raised.append(error)
            raise

    def tell(self) -> int:
        try:
            return self._fileobj.tell()
        except BaseException as error:
            if is_limit(error):
                self.raised.append(error)
            raise

    def _measure(self) -> int:
        """Return the size of the file in bytes, leaving the position at the start."""
        self.seek(0, os.SEEK_END)
        size = self.tell()
        self.seek(0)
        return size


# A tag longer than its column (catalog.metadata) is cut to fit rather than failing its job.
def _fit(text: str | None, length: int) -> str | None:
    """Cut a text to a column's length, at a word boundary when one is near."""
    if text is None or len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    return (cut[:space] if space > length * 3 // 4 else cut).rstrip()


def read_metadata(
    fileobj: BinaryIO,
    filename: str,
    *,
    check_complete: bool = True,
    share_cover: Callable[[CoverArt], CoverArt] | None = None,
) -> SongMetadata:
    """Return the normalised metadata of the audio file in ``fileobj``, or raise MetadataError.

    ``fileobj`` must be seekable; ``filename`` names the file in messages and its extension
    helps choose the format. Errors raised by ``fileobj`` itself (time or byte limits, network
    failures) propagate unchanged. With ``check_complete`` a FLAC file is also checked for a
    missing end (one small read of its last frames), since its header states the length
    whether or not the audio is all there. ``share_cover``, given the cover read, returns the
    one the song keeps (the caller's copy of the same picture, with its digest), so that the
    caller need not build the metadata twice to swap it.
    """
    name = os.path.basename(filename) or filename
    reader = TrackedReader(fileobj, name)
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
        duration = check_flac_complete(audio, reader, size, duration)
    if not math.isfinite(duration) or duration <= 0:
        raise MetadataError("no audio stream (duration is 0)")
    return song_metadata(audio, kind, size, duration, share_cover)


def song_metadata(
    audio: FileType,
    kind: _Kind,
    size: int,
    duration: float,
    share_cover: Callable[[CoverArt], CoverArt] | None = None,
) -> SongMetadata:
    """Normalise what mutagen read of a file of ``size`` bytes and ``duration`` seconds."""
    info = audio.info
    raw = raw_tags(audio)
    art = cover(raw.pictures)
    if art is not None and share_cover is not None:
        art = share_cover(art)
    track_number, track_total = position(raw.track, raw.track_total)
    disc_number, disc_total = position(raw.disc, raw.disc_total)
    bitrate = int(getattr(info, "bitrate", 0) or 0) or round(size * 8 / duration)
    artists = tuple(_fit(name, NAME_LENGTH) for name in split(raw.artists, ARTIST_SEPARATORS))
    album_artist = _fit(first(raw.album_artist), NAME_LENGTH)
    genres = split(_genre_names(clean_all(raw.genres)), GENRE_SEPARATORS)
    codec = _codec(audio, kind)
    return SongMetadata(
        title=_fit(first(raw.title), NAME_LENGTH),
        artists=artists,
        album=_fit(first(raw.album), NAME_LENGTH),
        album_artist=album_artist,
        track_number=track_number,
        track_total=track_total,
        disc_number=disc_number,
        disc_total=disc_total,
        year=year(raw.year),
        genres=tuple(dict.fromkeys(_fit(genre, GENRE_LENGTH) for genre in genres)),
        duration=duration,
        bitrate=bitrate or None,
        sample_rate=_sample_rate(audio),
        channels=int(getattr(info, "channels", 0) or 0) or None,
        codec=codec,
        mime_type=kind.mime_type,
        lyrics=lyrics(raw.lyrics),
        cover=art,
        sort_title=first(raw.sort_title),
        bit_depth=_bit_depth(audio, codec),
        bpm=small_number(raw.bpm),
        comment=lyrics(raw.comment),
        musicbrainz_id=next(iter(musicbrainz_ids(raw.musicbrainz_track_id)), None),
        isrcs=isrcs(raw.isrc),
        replay_gain=replay_gain(raw),
        release=release(raw),
        artist_tags=artist_tags(raw, artists, album_artist),
    )


# Vorbis comments last: their base class is the most general of the five.
FAMILIES = (id3.FAMILY, mp4.FAMILY, ape.FAMILY, asf.FAMILY, vorbis.FAMILY)


def raw_tags(audio: FileType) -> RawTags:
    """Collect raw tag values with the key table of the file's tag family."""
    tags = audio.tags
    family = next((f for f in FAMILIES if isinstance(tags, f.tags_type)), None)
    raw = family.map(tags) if family is not None else RawTags()
    if isinstance(audio, FLAC):
        raw.pictures.extend(RawPicture(p.data, p.mime, p.type) for p in audio.pictures)
    return raw


def _load_audio(reader: TrackedReader, name: str) -> tuple[FileType, _Kind]:
    """Open the file with the best-scoring mutagen type, falling back to the next ones."""
    reader.seek(0)
    header = reader.read(128)
    scored = [(score(name, reader, header), kind) for score, kind in _SCORES]
    # A stable sort: ties keep _KINDS' order.
    scored.sort(key=itemgetter(0), reverse=True)
    candidates = [kind for score, kind in scored if score > 0]
    extension = os.path.splitext(name)[1].lower()
    for file_type in _KINDS_BY_EXTENSION.get(extension, ()):
        if _KIND_BY_TYPE[file_type] not in candidates:
            candidates.append(_KIND_BY_TYPE[file_type])

    failures: list[tuple[_Kind, BaseException]] = []
    for kind in candidates:
        reader.seek(0)
        try:
            return _open(kind, reader, header), kind
        except _PARSE_ERRORS as error:
            escaped = _reader_failure(error, reader.raised)
            if escaped is None:
                failures.append((kind, error))
                continue
        # Raised outside the handler so the reader's error keeps its own context.
        raise escaped
    raise MetadataError(_unreadable_reason(name, header, failures))


def _open(kind: _Kind, reader: TrackedReader, header: bytes) -> FileType:
    """Open the file as ``kind``; read the end of an MP3 only when an ID3v1 tag could matter.

    mutagen reads the last 128 bytes of every MP3 for an ID3v1 tag and adds what its ID3v2
    tag lacks; over S3 that read costs a request, which a file tagged in full can skip.
    """
    if kind.file_type is not MP3 or not header.startswith(b"ID3"):
        return kind.file_type(reader)
    try:
        audio = MP3(reader, load_v1=False)
    except _PARSE_ERRORS as error:
        if _reader_failure(error, reader.raised) is not None:
            raise
        reader.seek(0)
        return MP3(reader)  # as mutagen reads it, with its own fallbacks and errors
    if audio.tags is not None and id3.id3v1_could_add(audio.tags):
        id3.add_id3v1(audio.tags, reader)
    return audio


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


def is_limit(error: BaseException) -> bool:
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
        if is_limit(wrapped) or any(wrapped is own for own in raised):
            return wrapped
    return None


def _raise_limit_errors(raised: list[BaseException]) -> None:
    """Re-raise a limit error the reader raised even if mutagen swallowed it."""
    for error in raised:
        if is_limit(error):
            raise error


def _genre_names(texts: list[str]) -> list[str]:
    """Resolve ID3's numeric genres ("17", "(17)Rock", "RX") to names, in every tag family.

    mutagen's TCON does it; a plain name, which most are, passes through as TCON would pass it.
    """
    names = []
    for text in texts:
        if text[:1] == "(" or text.isdecimal() or text in ("CR", "RX") or "\n" in text:
            names.extend(TCON(encoding=3, text=[text]).genres)
        else:
            names.append(text)
    return names


def _sample_rate(audio: FileType) -> int | None:
    """Return the sample rate; Opus always decodes at 48 kHz, whatever the source rate."""
    if isinstance(audio, OggOpus):
        return 48000
    return int(getattr(audio.info, "sample_rate", 0) or 0) or None


# Codecs that keep every sample as it was: their bit depth is the music's, not an encoder's.
_LOSSLESS_CODECS = {"flac", "pcm", "alac", "wavpack", "ape", "tta", "tak", "optimfrog", "dsd"}


def _bit_depth(audio: FileType, codec: str) -> int | None:
    """Return the bits per sample of a lossless stream, from the stream info already read."""
    if codec not in _LOSSLESS_CODECS:
        return None
    bits = int(getattr(audio.info, "bits_per_sample", 0) or 0)
    return bits if 0 < bits <= 64 else None


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
