"""Write tags and cover art into sample files with mutagen, as real taggers lay them out.

Each format keeps the fields where Picard, foobar2000 and iTunes put them, so the tests read
files like the ones listeners bring. No Django imports.
"""

from __future__ import annotations

import base64
import io
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

from mutagen.aiff import AIFF
from mutagen.apev2 import BINARY, APEValue
from mutagen.asf import ASF, ASFByteArrayAttribute
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    COMM,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPOS,
    TRCK,
    TXXX,
    UFID,
    USLT,
    Frames,
)
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack
from PIL import Image

logger = logging.getLogger(__name__)

ITUNES = "----:com.apple.iTunes:"  # MP4 freeform atoms
_REPLAYGAIN = ("TRACK_GAIN", "TRACK_PEAK", "ALBUM_GAIN", "ALBUM_PEAK")
# Where each format keeps the tags apps show and sort by, by their Vorbis comment names (APEv2
# uses those names as they are); the places Picard, foobar2000 and iTunes write them.
_ID3_FRAMES = {
    "TITLESORT": "TSOT",
    "ARTISTSORT": "TSOP",
    "ALBUMARTISTSORT": "TSO2",
    "ALBUMSORT": "TSOA",
    "BPM": "TBPM",
    "COMMENT": "COMM",
    "ISRC": "TSRC",
    "MUSICBRAINZ_TRACKID": "UFID",
    "MUSICBRAINZ_ALBUMID": "TXXX:MusicBrainz Album Id",
    "MUSICBRAINZ_ARTISTID": "TXXX:MusicBrainz Artist Id",
    "MUSICBRAINZ_ALBUMARTISTID": "TXXX:MusicBrainz Album Artist Id",
    "COMPILATION": "TCMP",
    "ORIGINALDATE": "TDOR",
    "LABEL": "TPUB",
    "RELEASETYPE": "TXXX:MusicBrainz Album Type",
    **{f"REPLAYGAIN_{name}": f"TXXX:REPLAYGAIN_{name}" for name in _REPLAYGAIN},
}
_MP4_ATOMS = {
    "TITLESORT": "sonm",
    "ARTISTSORT": "soar",
    "ALBUMARTISTSORT": "soaa",
    "ALBUMSORT": "soal",
    "BPM": "tmpo",
    "COMMENT": "\xa9cmt",
    "ISRC": f"{ITUNES}ISRC",
    "MUSICBRAINZ_TRACKID": f"{ITUNES}MusicBrainz Track Id",
    "MUSICBRAINZ_ALBUMID": f"{ITUNES}MusicBrainz Album Id",
    "MUSICBRAINZ_ARTISTID": f"{ITUNES}MusicBrainz Artist Id",
    "MUSICBRAINZ_ALBUMARTISTID": f"{ITUNES}MusicBrainz Album Artist Id",
    "COMPILATION": "cpil",
    "ORIGINALDATE": f"{ITUNES}ORIGINALDATE",
    "LABEL": f"{ITUNES}LABEL",
    "RELEASETYPE": f"{ITUNES}MusicBrainz Album Type",
    **{f"REPLAYGAIN_{name}": f"{ITUNES}replaygain_{name.lower()}" for name in _REPLAYGAIN},
}
_ASF_ATTRIBUTES = {
    "TITLESORT": "WM/TitleSortOrder",
    "ARTISTSORT": "WM/ArtistSortOrder",
    "ALBUMARTISTSORT": "WM/AlbumArtistSortOrder",
    "ALBUMSORT": "WM/AlbumSortOrder",
    "BPM": "WM/BeatsPerMinute",
    "COMMENT": "Description",
    "ISRC": "WM/ISRC",
    "MUSICBRAINZ_TRACKID": "MusicBrainz/Track Id",
    "MUSICBRAINZ_ALBUMID": "MusicBrainz/Album Id",
    "MUSICBRAINZ_ARTISTID": "MusicBrainz/Artist Id",
    "MUSICBRAINZ_ALBUMARTISTID": "MusicBrainz/Album Artist Id",
    "COMPILATION": "WM/IsCompilation",
    "ORIGINALDATE": "WM/OriginalReleaseTime",
    "LABEL": "WM/Publisher",
    "RELEASETYPE": "MusicBrainz/Album Type",
    **{f"REPLAYGAIN_{name}": f"REPLAYGAIN_{name}" for name in _REPLAYGAIN},
}


@dataclass(frozen=True)
class SampleTags:
    """Describe the tags to write into a sample file; None or empty means "leave it out"."""

    title: str | None = "Neon Rain"
    artists: tuple[str, ...] = ("The Tidelines",)
    album: str | None = "Harbour Lights"
    album_artist: str | None = None
    track: int | None = 1
    track_total: int | None = None
    disc: int | None = None
    disc_total: int | None = None
    year: int | None = 2021
    genres: tuple[str, ...] = ("Synthpop",)
    lyrics: str | None = None
    cover: bytes | None = None
    # The tags apps show and sort by.
    title_sort: str | None = None
    artist_sorts: tuple[str, ...] = ()  # one per artist
    album_artist_sort: str | None = None
    album_sort: str | None = None
    bpm: int | None = None
    comment: str | None = None
    isrcs: tuple[str, ...] = ()
    musicbrainz_track_id: str | None = None
    musicbrainz_album_id: str | None = None
    musicbrainz_artist_ids: tuple[str, ...] = ()  # one per artist
    musicbrainz_album_artist_id: str | None = None
    compilation: bool = False
    release_date: str | None = None  # "2019-05-17", written in the date tag in place of the year
    original_date: str | None = None
    labels: tuple[str, ...] = ()
    release_types: tuple[str, ...] = ()
    track_gain: float | None = None  # ReplayGain dB; Opus files get R128 gains instead
    track_peak: float | None = None
    album_gain: float | None = None
    album_peak: float | None = None


def image_mime_type(data: bytes) -> str:
    """Return the MIME type of encoded image bytes, sniffed from their magic number."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    return "image/jpeg"


def tag_audio(path: Path, fmt: str, tags: SampleTags) -> None:
    """Write ``tags`` (and the cover, if any) into the audio file at ``path`` with mutagen."""
    fmt = fmt.lower()
    if fmt in ("mp3", "wav", "aiff"):
        _tag_id3(Path(path), fmt, tags)
    elif fmt in ("m4a", "alac"):
        _tag_mp4(Path(path), tags)
    elif fmt == "wv":
        _tag_ape(Path(path), tags)
    elif fmt == "wma":
        _tag_asf(Path(path), tags)
    elif fmt == "flac":
        audio = FLAC(path)
        if audio.tags is None:
            audio.add_tags()
        _fill_vorbis_comment(audio.tags, tags)
        audio.clear_pictures()
        if tags.cover:
            audio.add_picture(_flac_picture(tags.cover))
        audio.save()
    elif fmt in ("ogg", "opus"):
        audio = OggVorbis(path) if fmt == "ogg" else OggOpus(path)
        _fill_vorbis_comment(audio.tags, tags, opus=fmt == "opus")
        if tags.cover:
            block = base64.b64encode(_flac_picture(tags.cover).write()).decode("ascii")
            audio.tags["METADATA_BLOCK_PICTURE"] = [block]
        audio.save()
    else:
        raise ValueError(f"no tag writer for sample format {fmt!r}")


def _tag_id3(path: Path, fmt: str, tags: SampleTags) -> None:
    """Write an ID3v2.4 tag (in a chunk for WAV and AIFF), replacing any the encoder left."""
    id3 = ID3()
    if tags.title:
        id3.add(TIT2(encoding=3, text=[tags.title]))
    if tags.artists:
        id3.add(TPE1(encoding=3, text=list(tags.artists)))
    if tags.album:
        id3.add(TALB(encoding=3, text=[tags.album]))
    if tags.album_artist:
        id3.add(TPE2(encoding=3, text=[tags.album_artist]))
    if tags.track:
        id3.add(TRCK(encoding=3, text=[_number_of(tags.track, tags.track_total)]))
    if tags.disc:
        id3.add(TPOS(encoding=3, text=[_number_of(tags.disc, tags.disc_total)]))
    if _date(tags):
        id3.add(TDRC(encoding=3, text=_date(tags)))
    if tags.genres:
        id3.add(TCON(encoding=3, text=list(tags.genres)))
    if tags.lyrics:
        id3.add(USLT(encoding=3, lang="eng", desc="", text=tags.lyrics))
    if tags.cover:
        id3.add(
            APIC(
                encoding=3,
                mime=image_mime_type(tags.cover),
                type=3,
                desc="Front cover",
                data=tags.cover,
            )
        )
    for name, values in _details(tags).items():
        id3.add(_id3_frame(_ID3_FRAMES[name], values))
    if fmt == "mp3":
        id3.save(path, v2_version=4)
        return
    audio = WAVE(path) if fmt == "wav" else AIFF(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    audio.tags.update(id3)
    audio.save(v2_version=4)


def _tag_ape(path: Path, tags: SampleTags) -> None:
    """Write an APEv2 tag; list values are stored NUL-separated, as the format defines."""
    audio = WavPack(path)
    if audio.tags is None:
        audio.add_tags()
    items = audio.tags
    items.clear()
    texts = {
        "Title": [tags.title] if tags.title else [],
        "Artist": list(tags.artists),
        "Album": [tags.album] if tags.album else [],
        "Album Artist": [tags.album_artist] if tags.album_artist else [],
        "Track": [_number_of(tags.track, tags.track_total)] if tags.track else [],
        "Disc": [_number_of(tags.disc, tags.disc_total)] if tags.disc else [],
        "Year": _date(tags),
        "Genre": list(tags.genres),
        "Lyrics": [tags.lyrics] if tags.lyrics else [],
        **_details(tags),
    }
    for key, values in texts.items():
        if values:
            items[key] = values
    if tags.cover:
        suffix = "png" if image_mime_type(tags.cover) == "image/png" else "jpg"
        items["Cover Art (Front)"] = APEValue(f"cover.{suffix}\0".encode() + tags.cover, BINARY)
    audio.save()


def _tag_asf(path: Path, tags: SampleTags) -> None:
    """Write ASF (WMA) attributes, the cover as a WM/Picture structure."""
    audio = ASF(path)
    attributes = audio.tags
    attributes.clear()
    texts = {
        "Title": [tags.title] if tags.title else [],
        "Author": list(tags.artists),
        "WM/AlbumTitle": [tags.album] if tags.album else [],
        "WM/AlbumArtist": [tags.album_artist] if tags.album_artist else [],
        "WM/TrackNumber": [str(tags.track)] if tags.track else [],
        "WM/PartOfSet": [_number_of(tags.disc, tags.disc_total)] if tags.disc else [],
        "WM/Year": _date(tags),
        "WM/Genre": list(tags.genres),
        "WM/Lyrics": [tags.lyrics] if tags.lyrics else [],
    }
    for key, values in texts.items():
        if values:
            attributes[key] = values
    for name, values in _details(tags).items():
        # Numbers and yes/no as the typed attributes Windows Media Player writes.
        if name == "BPM":
            values = [int(value) for value in values]
        elif name == "COMPILATION":
            values = [True]
        attributes[_ASF_ATTRIBUTES[name]] = values
    if tags.cover:
        picture = (
            struct.pack("<bI", 3, len(tags.cover))
            + f"{image_mime_type(tags.cover)}\0Front cover\0".encode("utf-16-le")
            + tags.cover
        )
        attributes["WM/Picture"] = [ASFByteArrayAttribute(picture)]
    audio.save()


def _tag_mp4(path: Path, tags: SampleTags) -> None:
    """Write iTunes-style MP4 atoms."""
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    atoms = audio.tags
    atoms.clear()
    if tags.title:
        atoms["\xa9nam"] = [tags.title]
    if tags.artists:
        atoms["\xa9ART"] = list(tags.artists)
    if tags.album:
        atoms["\xa9alb"] = [tags.album]
    if tags.album_artist:
        atoms["aART"] = [tags.album_artist]
    if tags.track:
        atoms["trkn"] = [(tags.track, tags.track_total or 0)]
    if tags.disc:
        atoms["disk"] = [(tags.disc, tags.disc_total or 0)]
    if _date(tags):
        atoms["\xa9day"] = _date(tags)
    if tags.genres:
        atoms["\xa9gen"] = list(tags.genres)
    if tags.lyrics:
        atoms["\xa9lyr"] = [tags.lyrics]
    if tags.cover:
        image_format = (
            MP4Cover.FORMAT_PNG
            if image_mime_type(tags.cover) == "image/png"
            else MP4Cover.FORMAT_JPEG
        )
        atoms["covr"] = [MP4Cover(tags.cover, imageformat=image_format)]
    for name, values in _details(tags).items():
        atom = _MP4_ATOMS[name]
        if name == "BPM":
            atoms[atom] = [int(value) for value in values]
        elif name == "COMPILATION":
            atoms[atom] = True
        else:  # freeform atoms hold UTF-8 bytes
            atoms[atom] = [v.encode() if atom.startswith("----") else v for v in values]
    audio.save()


def _fill_vorbis_comment(comment, tags: SampleTags, *, opus: bool = False) -> None:
    """Replace the fields of a Vorbis comment with ``tags``, keeping the encoder's vendor.

    Opus keeps its gains as R128_TRACK_GAIN and R128_ALBUM_GAIN: Q7.8 dB at -23 LUFS, 5 dB
    below ReplayGain's reference, and no peaks.
    """
    comment.clear()
    fields = {
        "TITLE": [tags.title] if tags.title else [],
        "ARTIST": list(tags.artists),
        "ALBUM": [tags.album] if tags.album else [],
        "ALBUMARTIST": [tags.album_artist] if tags.album_artist else [],
        "TRACKNUMBER": [str(tags.track)] if tags.track else [],
        "TRACKTOTAL": [str(tags.track_total)] if tags.track_total else [],
        "DISCNUMBER": [str(tags.disc)] if tags.disc else [],
        "DISCTOTAL": [str(tags.disc_total)] if tags.disc_total else [],
        "DATE": _date(tags),
        "GENRE": list(tags.genres),
        "LYRICS": [tags.lyrics] if tags.lyrics else [],
        **_details(tags),
    }
    if opus:
        for name in _REPLAYGAIN:
            fields.pop(f"REPLAYGAIN_{name}", None)
        for name, gain in (("TRACK", tags.track_gain), ("ALBUM", tags.album_gain)):
            if gain is not None:
                fields[f"R128_{name}_GAIN"] = [str(round((gain - 5) * 256))]
    for key, values in fields.items():
        if values:
            comment[key] = values


def _flac_picture(data: bytes) -> Picture:
    """Return a FLAC front-cover Picture block holding ``data``."""
    picture = Picture()
    picture.type = 3
    picture.mime = image_mime_type(data)
    picture.desc = "Front cover"
    picture.data = data
    try:
        with Image.open(io.BytesIO(data)) as image:
            picture.width, picture.height = image.size
            picture.depth = 8 * len(image.getbands())
    except OSError:
        logger.debug("cover is not an image Pillow reads; writing it without dimensions")
    return picture


def _number_of(number: int, total: int | None) -> str:
    """Format an ID3 position such as "3/12"."""
    return f"{number}/{total}" if total else str(number)


def _date(tags: SampleTags) -> list[str]:
    """Return the text of the date tag: the release date if there is one, else the year."""
    if tags.release_date:
        return [tags.release_date]
    return [str(tags.year)] if tags.year else []


def _details(tags: SampleTags) -> dict[str, list[str]]:
    """Return the tags apps show and sort by that ``tags`` has, under Vorbis comment names."""
    gains = {
        "REPLAYGAIN_TRACK_GAIN": _decibels(tags.track_gain),
        "REPLAYGAIN_TRACK_PEAK": [f"{tags.track_peak:.6f}"] if tags.track_peak is not None else [],
        "REPLAYGAIN_ALBUM_GAIN": _decibels(tags.album_gain),
        "REPLAYGAIN_ALBUM_PEAK": [f"{tags.album_peak:.6f}"] if tags.album_peak is not None else [],
    }
    details = {
        "TITLESORT": [tags.title_sort] if tags.title_sort else [],
        "ARTISTSORT": list(tags.artist_sorts),
        "ALBUMARTISTSORT": [tags.album_artist_sort] if tags.album_artist_sort else [],
        "ALBUMSORT": [tags.album_sort] if tags.album_sort else [],
        "BPM": [str(tags.bpm)] if tags.bpm else [],
        "COMMENT": [tags.comment] if tags.comment else [],
        "ISRC": list(tags.isrcs),
        "MUSICBRAINZ_TRACKID": [tags.musicbrainz_track_id] if tags.musicbrainz_track_id else [],
        "MUSICBRAINZ_ALBUMID": [tags.musicbrainz_album_id] if tags.musicbrainz_album_id else [],
        "MUSICBRAINZ_ARTISTID": list(tags.musicbrainz_artist_ids),
        "MUSICBRAINZ_ALBUMARTISTID": (
            [tags.musicbrainz_album_artist_id] if tags.musicbrainz_album_artist_id else []
        ),
        "COMPILATION": ["1"] if tags.compilation else [],
        "ORIGINALDATE": [tags.original_date] if tags.original_date else [],
        "LABEL": list(tags.labels),
        "RELEASETYPE": list(tags.release_types),
        **gains,
    }
    return {name: values for name, values in details.items() if values}


def _decibels(gain: float | None) -> list[str]:
    return [f"{gain:+.2f} dB"] if gain is not None else []


def _id3_frame(frame_id: str, values: list[str]):
    """Return the ID3 frame that holds ``values`` under ``frame_id`` ("TXXX:desc" for TXXX)."""
    if frame_id == "COMM":
        return COMM(encoding=3, lang="eng", desc="", text=values)
    if frame_id == "UFID":
        return UFID(owner="http://musicbrainz.org", data=values[0].encode("ascii"))
    if frame_id.startswith("TXXX:"):
        return TXXX(encoding=3, desc=frame_id.removeprefix("TXXX:"), text=values)
    return Frames[frame_id](encoding=3, text=values)
