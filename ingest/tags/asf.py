"""ASF attributes (WMA)."""

import struct

from mutagen.asf import ASFTags

from ingest.tags.families import TagFamily
from ingest.tags.values import REPLAYGAIN_TAGS, RawPicture

KEYS = {
    "title": ("Title",),
    "artists": ("WM/ARTISTS", "Author"),
    "album": ("WM/AlbumTitle",),
    "album_artist": ("WM/AlbumArtist",),
    "track": ("WM/TrackNumber",),
    "disc": ("WM/PartOfSet",),
    "year": ("WM/Year",),
    "genres": ("WM/Genre",),
    "lyrics": ("WM/Lyrics",),
    "sort_title": ("WM/TitleSortOrder",),
    "artist_sort": ("WM/ArtistSortOrder",),
    "album_artist_sort": ("WM/AlbumArtistSortOrder",),
    "album_sort": ("WM/AlbumSortOrder",),
    "bpm": ("WM/BeatsPerMinute",),
    "comment": ("Description",),
    "isrc": ("WM/ISRC",),
    "musicbrainz_track_id": ("MusicBrainz/Track Id",),
    "musicbrainz_album_id": ("MusicBrainz/Album Id",),
    "musicbrainz_artist_id": ("MusicBrainz/Artist Id",),
    "musicbrainz_album_artist_id": ("MusicBrainz/Album Artist Id",),
    "compilation": ("WM/IsCompilation",),
    "release_date": ("WM/ReleaseDate", "WM/Year"),
    "original_date": ("WM/OriginalReleaseTime", "WM/OriginalReleaseYear"),
    "label": ("WM/Publisher",),
    "release_type": ("MusicBrainz/Album Type",),
    **{name: (name.upper(), name) for name in REPLAYGAIN_TAGS},
}


def texts(tags: ASFTags, key: str) -> list[str]:
    return [str(value) for value in tags.get(key, [])]


def pictures(tags: ASFTags) -> list[RawPicture]:
    found = []
    for attribute in tags.get("WM/Picture", []):
        picture = _asf_picture(bytes(attribute.value))
        if picture is not None:
            found.append(picture)
    return found


def _asf_picture(value: bytes) -> RawPicture | None:
    """Decode a WM/Picture value: type, size, UTF-16 MIME and description, then the image."""
    try:
        picture_type, size = struct.unpack_from("<bI", value)
        mime, position = _utf16_string(value, 5)
        _, position = _utf16_string(value, position)
    except (struct.error, ValueError):
        return None
    data = value[position : position + size]
    return RawPicture(data, mime, picture_type) if data else None


def _utf16_string(value: bytes, position: int) -> tuple[str, int]:
    """Read a NUL-terminated UTF-16-LE string; return it and the position after it."""
    for end in range(position, len(value) - 1, 2):
        if value[end : end + 2] == b"\0\0":
            return value[position:end].decode("utf-16-le"), end + 2
    raise ValueError("unterminated UTF-16 string")


FAMILY = TagFamily(ASFTags, KEYS, texts, pictures)
