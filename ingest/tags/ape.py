"""APEv2 items (Monkey's Audio, WavPack, Musepack, OptimFROG, TAK); keys are case-insensitive."""

from mutagen.apev2 import APEBinaryValue, APETextValue, APEv2

from ingest.tags.families import TagFamily
from ingest.tags.values import FRONT_COVER, REPLAYGAIN_TAGS, RawPicture

KEYS = {
    "title": ("Title",),
    "artists": ("Artists", "Artist"),
    "album": ("Album",),
    "album_artist": ("Album Artist", "AlbumArtist"),
    "track": ("Track",),
    "track_total": ("TrackTotal", "TotalTracks"),
    "disc": ("Disc",),
    "disc_total": ("DiscTotal", "TotalDiscs"),
    "year": ("Year", "Date"),
    "genres": ("Genre",),
    "lyrics": ("Lyrics", "Unsyncedlyrics"),
    "sort_title": ("TitleSort",),
    "artist_sort": ("ArtistSort",),
    "album_artist_sort": ("AlbumArtistSort",),
    "album_sort": ("AlbumSort",),
    "bpm": ("BPM",),
    "comment": ("Comment",),
    "isrc": ("ISRC",),
    "musicbrainz_track_id": ("MUSICBRAINZ_TRACKID",),
    "musicbrainz_album_id": ("MUSICBRAINZ_ALBUMID",),
    "musicbrainz_artist_id": ("MUSICBRAINZ_ARTISTID",),
    "musicbrainz_album_artist_id": ("MUSICBRAINZ_ALBUMARTISTID",),
    "compilation": ("Compilation",),
    "release_date": ("ReleaseDate", "Year", "Date"),
    "original_date": ("OriginalDate", "OriginalYear"),
    "label": ("Label", "Publisher"),
    "release_type": ("ReleaseType", "MUSICBRAINZ_ALBUMTYPE"),
    **{name: (name,) for name in REPLAYGAIN_TAGS},
}


def texts(tags: APEv2, key: str) -> list[str]:
    item = tags.get(key)
    return str(item).split("\0") if isinstance(item, APETextValue) else []


def pictures(tags: APEv2) -> list[RawPicture]:
    found = []
    for key, picture_type in (("Cover Art (Front)", FRONT_COVER), ("Cover Art (Other)", 0)):
        item = tags.get(key)
        if isinstance(item, APEBinaryValue):  # "file name\0image bytes"
            _, _, data = bytes(item.value).partition(b"\0")
            if data:
                found.append(RawPicture(data, picture_type=picture_type))
    return found


FAMILY = TagFamily(APEv2, KEYS, texts, pictures)
