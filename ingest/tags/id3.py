"""ID3v2 frames (MP3, AIFF, WAV; v2.2 and v2.3 arrive upgraded to v2.4 by mutagen)."""

from mutagen.id3 import ID3

from ingest.tags.families import TagFamily
from ingest.tags.values import RawPicture

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
}


def texts(tags: ID3, frame_id: str) -> list[str]:
    frames = tags.getall(frame_id)
    if frame_id == "TCON":  # numeric genres ("(17)") resolved to names
        return [genre for frame in frames for genre in frame.genres]
    if frame_id == "USLT":  # one text per frame, not a list
        return [frame.text for frame in frames]
    return [str(text) for frame in frames for text in frame.text]


def pictures(tags: ID3) -> list[RawPicture]:
    return [
        RawPicture(frame.data, frame.mime, int(frame.type))
        for frame in tags.getall("APIC")
        if frame.mime != "-->"  # a link to an image elsewhere, not the image
    ]


FAMILY = TagFamily(ID3, KEYS, texts, pictures)
