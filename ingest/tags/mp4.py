"""iTunes-style MP4 atoms (AAC, ALAC)."""

from mutagen.mp4 import MP4Cover, MP4Tags

from ingest.tags.families import TagFamily
from ingest.tags.values import REPLAYGAIN_TAGS, RawPicture

ITUNES = "----:com.apple.iTunes:"  # freeform atoms, named as Picard and foobar2000 name them

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
    "sort_title": ("sonm",),
    "artist_sort": ("soar",),
    "album_artist_sort": ("soaa",),
    "album_sort": ("soal",),
    "bpm": ("tmpo",),
    "comment": ("\xa9cmt",),
    "isrc": (f"{ITUNES}ISRC",),
    "musicbrainz_track_id": (f"{ITUNES}MusicBrainz Track Id",),
    "musicbrainz_album_id": (f"{ITUNES}MusicBrainz Album Id",),
    "musicbrainz_artist_id": (f"{ITUNES}MusicBrainz Artist Id",),
    "musicbrainz_album_artist_id": (f"{ITUNES}MusicBrainz Album Artist Id",),
    "compilation": ("cpil",),
    "release_date": (f"{ITUNES}RELEASEDATE", "\xa9day"),
    "original_date": (f"{ITUNES}ORIGINALDATE", f"{ITUNES}ORIGINALYEAR"),
    "label": (f"{ITUNES}LABEL", f"{ITUNES}publisher"),
    "release_type": (f"{ITUNES}MusicBrainz Album Type", f"{ITUNES}RELEASETYPE"),
    **{name: (f"{ITUNES}{name}", f"{ITUNES}{name.upper()}") for name in REPLAYGAIN_TAGS},
}


def texts(tags: MP4Tags, key: str) -> list[str]:
    found = []
    values = tags.get(key, [])
    for value in values if isinstance(values, list) else [values]:  # cpil holds one bool
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
