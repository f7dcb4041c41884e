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
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, USLT
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack
from PIL import Image

logger = logging.getLogger(__name__)


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
        _fill_vorbis_comment(audio.tags, tags)
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
    if tags.year:
        id3.add(TDRC(encoding=3, text=[str(tags.year)]))
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
        "Year": [str(tags.year)] if tags.year else [],
        "Genre": list(tags.genres),
        "Lyrics": [tags.lyrics] if tags.lyrics else [],
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
        "WM/Year": [str(tags.year)] if tags.year else [],
        "WM/Genre": list(tags.genres),
        "WM/Lyrics": [tags.lyrics] if tags.lyrics else [],
    }
    for key, values in texts.items():
        if values:
            attributes[key] = values
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
    if tags.year:
        atoms["\xa9day"] = [str(tags.year)]
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
    audio.save()


def _fill_vorbis_comment(comment, tags: SampleTags) -> None:
    """Replace the fields of a Vorbis comment with ``tags``, keeping the encoder's vendor."""
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
        "DATE": [str(tags.year)] if tags.year else [],
        "GENRE": list(tags.genres),
        "LYRICS": [tags.lyrics] if tags.lyrics else [],
    }
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
