"""Normalise raw tag values: trim, split, parse positions and years, pick the cover.

Every tag family collects the same ``RawTags``; these helpers turn them into the values of
``SongMetadata``, whatever the container.
"""

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.metadata import SMALL_INT_MAX, ArtistTags, CoverArt, ReleaseTags, ReplayGain

logger = logging.getLogger(__name__)

FRONT_COVER = 3  # the picture type for "Cover (front)" in ID3 APIC and FLAC PICTURE blocks

_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)

ARTIST_SEPARATORS = re.compile(r"[\x00;]")
GENRE_SEPARATORS = re.compile(r"[\x00;,/]")
_POSITION = re.compile(r"^\s*(\d+)\s*(?:(?:/|of)\s*(\d+))?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_YEAR_PREFIX = re.compile(r"^\s*(\d{4})")
_DATE = re.compile(r"^\s*(\d{4})(?:[-/.]?(\d{2})(?:[-/.]?(\d{2}))?)?(?!\d)")
# A number, with the unit ReplayGain tags carry ("-6.50 dB").
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))(?:\s*dB)?\s*$", re.IGNORECASE)
_R128_GAIN = re.compile(r"^\s*([+-]?\d{1,10})\s*$")  # int() refuses thousands of digits
_MUSICBRAINZ_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
LIST_SEPARATORS = re.compile(r"[\x00;]")
RELEASE_TYPE_SEPARATORS = re.compile(r"[\x00;/,]")
_ISRC_SEPARATORS = re.compile(r"[\x00;,/]")
_TRUE = {"1", "true", "yes", "y"}
# ReplayGain's reference is -18 LUFS, Opus's R128 gains -23 LUFS: 5 dB apart.
_R128_TO_REPLAYGAIN_DB = 5.0

# Tag names of ReplayGain, as taggers spell them (upper case, or lower case in MP4 and ASF);
# also the RawTags fields that hold them.
REPLAYGAIN_TAGS = (
    "replaygain_track_gain",
    "replaygain_track_peak",
    "replaygain_album_gain",
    "replaygain_album_peak",
)


@dataclass
class RawPicture:
    """A picture as a tag format stores it."""

    data: bytes
    mime_type: str = ""
    picture_type: int | None = None


@dataclass
class RawTags:
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
    sort_title: list[str] = field(default_factory=list)
    artist_sort: list[str] = field(default_factory=list)
    album_artist_sort: list[str] = field(default_factory=list)
    album_sort: list[str] = field(default_factory=list)
    bpm: list[str] = field(default_factory=list)
    comment: list[str] = field(default_factory=list)
    isrc: list[str] = field(default_factory=list)
    musicbrainz_track_id: list[str] = field(default_factory=list)
    musicbrainz_album_id: list[str] = field(default_factory=list)
    musicbrainz_artist_id: list[str] = field(default_factory=list)
    musicbrainz_album_artist_id: list[str] = field(default_factory=list)
    compilation: list[str] = field(default_factory=list)
    release_date: list[str] = field(default_factory=list)
    original_date: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    release_type: list[str] = field(default_factory=list)
    replaygain_track_gain: list[str] = field(default_factory=list)
    replaygain_track_peak: list[str] = field(default_factory=list)
    replaygain_album_gain: list[str] = field(default_factory=list)
    replaygain_album_peak: list[str] = field(default_factory=list)
    r128_track_gain: list[str] = field(default_factory=list)  # Opus, Q7.8 dB at -23 LUFS
    r128_album_gain: list[str] = field(default_factory=list)
    pictures: list[RawPicture] = field(default_factory=list)


def clean(value: object) -> str | None:
    """Return ``value`` as stripped text, or None when nothing is left."""
    text = value if type(value) is str else str(value)
    if "\0" in text:
        text = text.replace("\0", "")
    return text.strip() or None


def clean_all(values: Iterable[object]) -> list[str]:
    """Return the non-empty stripped texts of ``values``."""
    return [text for text in map(clean, values) if text]


def first(values: Iterable[object]) -> str | None:
    """Return the first non-empty text."""
    for value in values:
        text = clean(value)
        if text:
            return text
    return None


def split(values: Iterable[str], separators: re.Pattern[str]) -> tuple[str, ...]:
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


def _small_count(digits: str | None) -> int | None:
    """Return the number ``digits`` spell if it is from 1 to what a small integer holds.

    A track or disc past that is no real one: it is dropped, and the song comes in without
    it (a database refuses it, and int() refuses more than 4300 digits)."""
    digits = (digits or "").lstrip("0")
    if not digits or len(digits) > len(str(SMALL_INT_MAX)):
        return None
    number = int(digits)
    return number if number <= SMALL_INT_MAX else None


def _positive_int(text: str | None) -> int | None:
    """Return the leading number of ``text`` if it is positive and small (_small_count)."""
    match = _POSITION.match(text or "")
    return _small_count(match.group(1)) if match else None


def position(numbers: list[str], totals: list[str]) -> tuple[int | None, int | None]:
    """Parse a track or disc position such as "3/12", with a separate total as fallback."""
    text = first(numbers)
    match = _POSITION.match(text or "")
    if not match:
        return None, _positive_int(first(totals))
    total = _small_count(match.group(2)) or _positive_int(first(totals))
    return _small_count(match.group(1)), total


def year(values: Iterable[object]) -> int | None:
    """Return the year of the first date that has one ("2021", "2021-05-03", "20210503")."""
    for text in clean_all(values):
        match = _YEAR.search(text) or _YEAR_PREFIX.match(text)
        if match and 1000 <= int(match.group(1)) <= 2999:
            return int(match.group(1))
    return None


def lyrics(values: Iterable[object]) -> str | None:
    """Return the first non-empty lyrics (or comment) with line endings normalised."""
    text = first(values)
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else None


def iso_date(values: Iterable[object]) -> str | None:
    """Return the first date as "YYYY", "YYYY-MM" or "YYYY-MM-DD", as precise as it is valid.

    Taggers write "2019-05-17", "2019-05-17T00:00:00Z", "2019/05/17", "20190517" or "2019";
    a zero or impossible month or day ("2019-00-00") leaves only the parts before it.
    """
    for text in clean_all(values):
        match = _DATE.match(text)
        if not match or not 1000 <= int(match.group(1)) <= 2999:
            continue
        date = match.group(1)
        month, day = match.group(2), match.group(3)
        if month and 1 <= int(month) <= 12:
            date += f"-{month}"
            if day and 1 <= int(day) <= 31:
                date += f"-{day}"
        return date
    return None


def flag(values: Iterable[object]) -> bool:
    """Tell whether a yes/no tag (COMPILATION "1", MP4 cpil, ASF booleans) says yes."""
    return (first(values) or "").casefold() in _TRUE


def small_number(values: Iterable[object]) -> int | None:
    """Return the first value as a positive whole number that fits a small integer (BPM)."""
    for text in clean_all(values):
        match = _NUMBER.match(text)
        if match:
            number = float(match.group(1).replace(",", "."))
            whole = round(number) if math.isfinite(number) else 0
            return whole if 0 < whole <= SMALL_INT_MAX else None
    return None


def decibels(values: Iterable[object]) -> float | None:
    """Return a ReplayGain value ("-6.50 dB", "+1.2", "0.988"), or None if it is not one."""
    match = _NUMBER.match(first(values) or "")
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    return number if math.isfinite(number) and abs(number) < 1000 else None


def r128_gain(values: Iterable[object]) -> float | None:
    """Convert an Opus R128 gain (Q7.8 dB at -23 LUFS) to ReplayGain dB (at -18 LUFS)."""
    match = _R128_GAIN.match(first(values) or "")
    if not match or not -32768 <= int(match.group(1)) <= 32767:
        return None
    return int(match.group(1)) / 256 + _R128_TO_REPLAYGAIN_DB


def replay_gain(raw: RawTags) -> ReplayGain:
    """Return the ReplayGain tags; Opus's R128 gains win, being what its players apply."""
    if not any(getattr(raw, name) for name in _REPLAY_GAIN_FIELDS):
        return ReplayGain()
    peaks = (decibels(raw.replaygain_track_peak), decibels(raw.replaygain_album_peak))
    track_peak, album_peak = (peak if peak is not None and peak >= 0 else None for peak in peaks)
    track_gain = r128_gain(raw.r128_track_gain)
    album_gain = r128_gain(raw.r128_album_gain)
    return ReplayGain(
        track_gain=decibels(raw.replaygain_track_gain) if track_gain is None else track_gain,
        track_peak=track_peak,
        album_gain=decibels(raw.replaygain_album_gain) if album_gain is None else album_gain,
        album_peak=album_peak,
    )


_REPLAY_GAIN_FIELDS = (*REPLAYGAIN_TAGS, "r128_track_gain", "r128_album_gain")


def musicbrainz_ids(values: Iterable[object]) -> tuple[str, ...]:
    """Return the MusicBrainz identifiers (UUIDs) in the texts, lower-cased, in order."""
    found = (match.lower() for text in clean_all(values) for match in _MUSICBRAINZ_ID.findall(text))
    return tuple(dict.fromkeys(found))


def isrcs(values: Iterable[object]) -> tuple[str, ...]:
    """Return the valid ISRCs in the texts ("GB-AYE-00-00001" becomes "GBAYE0000001")."""
    codes = (
        code.replace("-", "").replace(" ", "").upper() for code in split(values, _ISRC_SEPARATORS)
    )
    return tuple(dict.fromkeys(code for code in codes if _ISRC.match(code)))


_RELEASE_FIELDS = (
    "album_sort",
    "compilation",
    "release_date",
    "original_date",
    "label",
    "release_type",
    "musicbrainz_album_id",
)


def release(raw: RawTags) -> ReleaseTags:
    """Return what the tags say about the song's album."""
    if not any(getattr(raw, name) for name in _RELEASE_FIELDS):
        return ReleaseTags()
    return ReleaseTags(
        sort_title=first(raw.album_sort),
        is_compilation=flag(raw.compilation),
        release_date=iso_date(raw.release_date),
        original_release_date=iso_date(raw.original_date),
        record_labels=split(raw.label, LIST_SEPARATORS),
        release_types=split(raw.release_type, RELEASE_TYPE_SEPARATORS),
        musicbrainz_id=next(iter(musicbrainz_ids(raw.musicbrainz_album_id)), None),
    )


_ARTIST_FIELDS = (
    "artist_sort",
    "album_artist_sort",
    "musicbrainz_artist_id",
    "musicbrainz_album_artist_id",
)


def artist_tags(
    raw: RawTags, artists: tuple[str, ...], album_artist: str | None
) -> tuple[ArtistTags, ...]:
    """Pair sort names and MusicBrainz ids with the artists they belong to.

    Taggers write one value per artist, in the artists' order; when the counts differ there
    is no telling which value is whose, so none is used.
    """
    if not any(getattr(raw, name) for name in _ARTIST_FIELDS):
        return ()
    credited = [
        (
            artists,
            split(raw.artist_sort, LIST_SEPARATORS),
            musicbrainz_ids(raw.musicbrainz_artist_id),
        ),
        (
            (album_artist,) if album_artist else (),
            split(raw.album_artist_sort, LIST_SEPARATORS),
            musicbrainz_ids(raw.musicbrainz_album_artist_id),
        ),
    ]
    found: dict[str, ArtistTags] = {}
    for names, sort_names, ids in credited:
        sort_names = sort_names if len(sort_names) == len(names) else ("",) * len(names)
        ids = ids if len(ids) == len(names) else ("",) * len(names)
        for name, sort_name, musicbrainz_id in zip(names, sort_names, ids, strict=True):
            if (sort_name or musicbrainz_id) and name not in found:
                found[name] = ArtistTags(name, sort_name or None, musicbrainz_id or None)
    return tuple(found.values())


def cover(pictures: list[RawPicture]) -> CoverArt | None:
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
