"""ID3v2 frames (MP3, AIFF, WAV; v2.2 and v2.3 arrive upgraded to v2.4 by mutagen)."""

from dataclasses import dataclass
from typing import BinaryIO

from mutagen.id3 import ID3, Frame
from mutagen.id3._id3v1 import find_id3v1

from ingest.tags.families import TagFamily
from ingest.tags.values import REPLAYGAIN_TAGS, RawPicture, clean

MUSICBRAINZ_UFID = "UFID:http://musicbrainz.org"
COMMENTS = ("", "ID3v1 Comment")  # COMM descriptions of a comment; mutagen names ID3v1's so

KEYS = {
    "title": ("TIT2",),
    "artists": ("TXXX:ARTISTS", "TPE1"),
    "album": ("TALB",),
    "album_artist": ("TPE2", "TXXX:ALBUMARTIST", "TXXX:ALBUM ARTIST"),
    "track": ("TRCK",),
    "track_total": ("TXXX:TRACKTOTAL", "TXXX:TOTALTRACKS"),
    "disc": ("TPOS",),
    "disc_total": ("TXXX:DISCTOTAL", "TXXX:TOTALDISCS"),
    "year": ("TDRC", "TYER", "TDRL", "TDOR", "TORY"),
    "genres": ("TCON",),
    "lyrics": ("USLT",),
    "sort_title": ("TSOT", "TXXX:TITLESORT"),
    "artist_sort": ("TSOP", "TXXX:ARTISTSORT"),
    "album_artist_sort": ("TSO2", "TXXX:ALBUMARTISTSORT"),
    "album_sort": ("TSOA", "TXXX:ALBUMSORT"),
    "bpm": ("TBPM",),
    "comment": ("COMM",),
    "isrc": ("TSRC",),
    # The recording's id, as MUSICBRAINZ_TRACKID holds it in the other families; the "Release
    # Track Id" TXXX names a different thing (the track on one release).
    "musicbrainz_track_id": (MUSICBRAINZ_UFID, "TXXX:MUSICBRAINZ_TRACKID"),
    "musicbrainz_album_id": ("TXXX:MusicBrainz Album Id", "TXXX:MUSICBRAINZ_ALBUMID"),
    "musicbrainz_artist_id": ("TXXX:MusicBrainz Artist Id", "TXXX:MUSICBRAINZ_ARTISTID"),
    "musicbrainz_album_artist_id": (
        "TXXX:MusicBrainz Album Artist Id",
        "TXXX:MUSICBRAINZ_ALBUMARTISTID",
    ),
    "compilation": ("TCMP", "TXXX:COMPILATION"),
    "release_date": ("TDRL", "TXXX:RELEASEDATE", "TDRC", "TYER"),
    "original_date": ("TDOR", "TORY", "TXXX:ORIGINALDATE"),
    "label": ("TPUB", "TXXX:LABEL"),
    "release_type": ("TXXX:MusicBrainz Album Type", "TXXX:RELEASETYPE"),
    # TXXX descriptions are case-sensitive, and taggers spell these both ways.
    **{name: (f"TXXX:{name.upper()}", f"TXXX:{name}") for name in REPLAYGAIN_TAGS},
}


@dataclass(frozen=True)
class Frames:
    """A file's ID3 frames, looked up as ``ID3.getall`` does, without walking them per key."""

    by_hash_key: dict[str, Frame]
    by_prefix: dict[str, list[Frame]]  # "TXXX:", "COMM:", "COMM::" ... -> frames, sorted
    names: frozenset[str]  # every key getall finds frames under

    def keys(self) -> frozenset[str]:
        return self.names

    def getall(self, key: str) -> list[Frame]:
        frame = self.by_hash_key.get(key)
        return [frame] if frame is not None else self.by_prefix.get(key + ":", [])


def index(tags: ID3) -> Frames:
    """Index the frames by HashKey and by every prefix of it that ends at a colon."""
    by_hash_key = dict(tags.items())
    by_prefix: dict[str, list[Frame]] = {}
    for hash_key in sorted(by_hash_key):
        colon = hash_key.find(":")
        while colon != -1:
            by_prefix.setdefault(hash_key[: colon + 1], []).append(by_hash_key[hash_key])
            colon = hash_key.find(":", colon + 1)
    names = frozenset(by_hash_key).union(prefix[:-1] for prefix in by_prefix)
    return Frames(by_hash_key, by_prefix, names)


def texts(tags: Frames, frame_id: str) -> list[str]:
    frames = tags.getall(frame_id)
    if not frames:
        return []
    if frame_id == "TCON":  # numeric genres ("(17)") resolved to names
        return [genre for frame in frames for genre in frame.genres]
    if frame_id == "USLT":  # one text per frame, not a list
        return [frame.text for frame in frames]
    if frame_id == "COMM":  # the comment proper (or ID3v1's), not iTunes' iTunNORM and the like
        return [text for frame in frames if frame.desc in COMMENTS for text in frame.text]
    if frame_id == MUSICBRAINZ_UFID:
        return [frame.data.decode("ascii", "replace") for frame in frames]
    return [str(text) for frame in frames for text in frame.text]


def pictures(tags: Frames) -> list[RawPicture]:
    return [
        RawPicture(frame.data, frame.mime, int(frame.type))
        for frame in tags.getall("APIC")
        if frame.mime != "-->"  # a link to an image elsewhere, not the image
    ]


FAMILY = TagFamily(ID3, KEYS, texts, pictures, index)


# What an ID3v1 tag can add to an ID3v2 tag that lacks it (mutagen merges the two); its comment
# comes under this HashKey.
ID3V1_FRAMES = ("TIT2", "TPE1", "TALB", "TDRC", "TRCK", "TCON")
ID3V1_COMMENT = "COMM:ID3v1 Comment:eng"


def id3v1_could_add(tags: ID3) -> bool:
    """Tell whether an ID3v1 tag at the end of the file could change what we read.

    Only when the ID3v2 tag lacks one of the frames ID3v1 holds, or has no comment that
    sorts before ID3v1's, so that a file tagged in full need not have its end read.
    """
    if any(frame_id not in tags for frame_id in ID3V1_FRAMES):
        return True
    if ID3V1_COMMENT in tags:
        return False
    for frame in tags.getall("COMM"):
        if frame.HashKey >= ID3V1_COMMENT:
            break
        if frame.desc in COMMENTS and any(clean(text) for text in frame.text):
            return False
    return True


def add_id3v1(tags: ID3, fileobj: BinaryIO) -> None:
    """Add the frames of an ID3v1 tag at the end of ``fileobj`` that ``tags`` lacks.

    What mutagen's ``ID3.load`` does when asked to, done after the ID3v2 tag is read.
    """
    frames, _ = find_id3v1(fileobj, 4)
    for frame in (frames or {}).values():
        if not tags.getall(frame.HashKey):
            tags.add(frame)
