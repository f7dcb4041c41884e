"""Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex, Ogg FLAC); keys are case-insensitive."""

import base64
import binascii
import logging
import struct
import threading

from mutagen import MutagenError
from mutagen._vorbis import VComment
from mutagen.flac import Picture

from ingest.tags.families import TagFamily
from ingest.tags.values import REPLAYGAIN_TAGS, RawPicture

logger = logging.getLogger(__name__)

KEYS = {
    "title": ("title",),
    "artists": ("artists", "artist"),
    "album": ("album",),
    "album_artist": ("albumartist", "album artist", "album_artist"),
    "track": ("tracknumber",),
    "track_total": ("tracktotal", "totaltracks"),
    "disc": ("discnumber",),
    "disc_total": ("disctotal", "totaldiscs"),
    "year": ("date", "year", "originaldate", "originalyear"),
    "genres": ("genre",),
    "lyrics": ("lyrics", "unsyncedlyrics"),
    "sort_title": ("titlesort",),
    "artist_sort": ("artistsort",),
    "album_artist_sort": ("albumartistsort",),
    "album_sort": ("albumsort",),
    "bpm": ("bpm",),
    "comment": ("comment", "description"),
    "isrc": ("isrc",),
    "musicbrainz_track_id": ("musicbrainz_trackid",),
    "musicbrainz_album_id": ("musicbrainz_albumid",),
    "musicbrainz_artist_id": ("musicbrainz_artistid",),
    "musicbrainz_album_artist_id": ("musicbrainz_albumartistid",),
    "compilation": ("compilation",),
    "release_date": ("releasedate", "date", "year"),
    "original_date": ("originaldate", "originalyear"),
    "label": ("label", "organization", "publisher"),
    "release_type": ("releasetype", "musicbrainz_albumtype"),
    **{name: (name,) for name in REPLAYGAIN_TAGS},
    "r128_track_gain": ("r128_track_gain",),
    "r128_album_gain": ("r128_album_gain",),
}


def index(tags: VComment) -> dict[str, list[str]]:
    """Group the comments' values by lower-cased key, in the order the file holds them."""
    grouped: dict[str, list[str]] = {}
    for key, value in tags:
        grouped.setdefault(key.lower(), []).append(value)
    return grouped


def texts(grouped: dict[str, list[str]], key: str) -> list[str]:
    return grouped.get(key, [])


def pictures(grouped: dict[str, list[str]]) -> list[RawPicture]:
    found = []
    for encoded in FAMILY.first_texts(grouped, ("metadata_block_picture",)):
        picture = _recent_picture(encoded)
        if picture is not None:
            found.append(picture)
    # The older COVERART comment, with its MIME type in a COVERARTMIME beside it.
    legacy_mimes = FAMILY.first_texts(grouped, ("coverartmime",))
    for index, encoded in enumerate(FAMILY.first_texts(grouped, ("coverart",))):
        try:
            data = base64.b64decode(encoded)
        except (binascii.Error, ValueError):
            continue
        mime = legacy_mimes[index] if index < len(legacy_mimes) else ""
        found.append(RawPicture(data, mime))
    return found


def _decode_picture(encoded: str) -> RawPicture | None:
    try:
        picture = Picture(base64.b64decode(encoded))
    except (binascii.Error, ValueError, MutagenError, struct.error, IndexError):
        logger.debug("skipping an undecodable METADATA_BLOCK_PICTURE")
        return None
    return RawPicture(picture.data, picture.mime, picture.type)


# The tracks of an album carry the same cover, and its base64 takes longer to decode than
# the rest of the file to read: the last few, up to a size, are kept decoded. They are found
# by comparing the text, which stops at the first difference, rather than by hashing it.
_CACHED_PICTURE_CHARS = 1024 * 1024
_RECENT_PICTURES = 4
_recent_pictures: list[tuple[str, RawPicture | None]] = []
_recent_pictures_lock = threading.Lock()


def _recent_picture(encoded: str) -> RawPicture | None:
    """Decode a METADATA_BLOCK_PICTURE, or return the picture of the same text decoded lately."""
    with _recent_pictures_lock:
        known = next((seen for seen in _recent_pictures if seen[0] == encoded), None)
    if known is not None:
        return known[1]
    picture = _decode_picture(encoded)
    if len(encoded) <= _CACHED_PICTURE_CHARS:
        with _recent_pictures_lock:
            _recent_pictures.insert(0, (encoded, picture))
            del _recent_pictures[_RECENT_PICTURES:]
    return picture


FAMILY = TagFamily(VComment, KEYS, texts, pictures, index)
