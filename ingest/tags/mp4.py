"""iTunes-style MP4 atoms (AAC, ALAC)."""

from mutagen.mp4 import MP4Cover, MP4Tags

from ingest.tags.families import TagFamily
from ingest.tags.values import RawPicture

KEYS = {
    "title": ("\xa9nam",),
    "artists": ("----:com.apple.iTunes:ARTISTS", "\xa9ART"),
    "album": ("\xa9alb",),
    "album_artist": ("aART",),
    "track": ("trkn",),  # (number, total) pairs, read as "number/total"
    "disc": ("disk",),
    "year": ("\xa9day",),
    "genres": ("\xa9gen",),
    "lyrics": ("\xa9lyr",),
}


def texts(tags: MP4Tags, key: str) -> list[str]:
    found = []
    for value in tags.get(key, []):
        if isinstance(value, tuple):
            number, total = value
            found.append(f"{number}/{total}")
        elif isinstance(value, bytes):  # freeform "----:" atoms hold bytes
            found.append(bytes(value).decode("utf-8", "replace"))
        else:
            found.append(str(value))
    return found


def pictures(tags: MP4Tags) -> list[RawPicture]:
    return [
        RawPicture(
            bytes(cover),
            "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg",
        )
        for cover in tags.get("covr", [])
    ]


FAMILY = TagFamily(MP4Tags, KEYS, texts, pictures)
