"""Normalise raw tag values: trim, split, parse positions and years, pick the cover.

Every tag family collects the same ``RawTags``; these helpers turn them into the values of
``SongMetadata``, whatever the container.
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.metadata import CoverArt

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
    pictures: list[RawPicture] = field(default_factory=list)


def clean(value: object) -> str | None:
    """Return ``value`` as stripped text, or None when nothing is left."""
    text = str(value).replace("\0", "").strip()
    return text or None


def clean_all(values: Iterable[object]) -> list[str]:
    """Return the non-empty stripped texts of ``values``."""
    return [text for text in map(clean, values) if text]


def first(values: Iterable[object]) -> str | None:
    """Return the first non-empty text."""
    return next(iter(clean_all(values)), None)


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


def _positive_int(text: str | None) -> int | None:
    """Return the leading number of ``text`` if it is positive."""
    match = _POSITION.match(text or "")
    number = int(match.group(1)) if match else 0
    return number or None


def position(numbers: list[str], totals: list[str]) -> tuple[int | None, int | None]:
    """Parse a track or disc position such as "3/12", with a separate total as fallback."""
    text = first(numbers)
    match = _POSITION.match(text or "")
    if not match:
        return None, _positive_int(first(totals))
    number = int(match.group(1)) or None
    total = int(match.group(2)) if match.group(2) else None
    return number, total or _positive_int(first(totals))


def year(values: Iterable[object]) -> int | None:
    """Return the year of the first date that has one ("2021", "2021-05-03", "20210503")."""
    for text in clean_all(values):
        match = _YEAR.search(text) or _YEAR_PREFIX.match(text)
        if match and 1000 <= int(match.group(1)) <= 2999:
            return int(match.group(1))
    return None


def lyrics(values: Iterable[object]) -> str | None:
    """Return the first non-empty lyrics with line endings normalised."""
    text = first(values)
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else None


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
