"""The audio the bench ingests: real encoded, tagged files with covers, from demo.audio_samples.

A small corpus mixes MP3, FLAC and Ogg Vorbis in albums of ten songs, each album with its own
cover (a 256 px noisy JPEG of about 30 KB, like a scanned sleeve, so every tag is well under
the 128 KiB the S3 floor reads). Audio is encoded once per format and the bytes reused, so
hundreds of files take about a second; tags are written per file with mutagen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from demo.audio_samples import SampleTags, encode_audio, make_cover, tag_audio, write_sample

FORMATS = ("mp3", "flac", "ogg")
SONGS_PER_ALBUM = 10
GENRES = ("Synthpop", "Jazz", "Ambient", "Post-Rock", "Folk", "Drum & Bass")


@dataclass(frozen=True)
class CorpusFile:
    key: str  # the object key, relative to the media root or the bucket
    path: Path
    size: int
    title: str


def write_corpus(media_root: Path, count: int, prefix: str = "music") -> list[CorpusFile]:
    """Write `count` tagged songs under media_root/prefix/ and return them in order."""
    audio = {fmt: encode_audio(fmt, seconds=3.0) for fmt in FORMATS}
    covers: dict[int, bytes] = {}
    files = []
    for index in range(count):
        fmt = FORMATS[index % len(FORMATS)]
        album = index // SONGS_PER_ALBUM
        if album not in covers:
            colour = ((album * 53) % 256, (album * 97) % 256, (album * 151) % 256)
            covers[album] = make_cover(colour, size=256, text=f"Album {album}", noise=True)
        artist = f"Bench Artist {album // 2:03d}"
        artists = (artist, f"Guest {index % 7}") if index % 5 == 0 else (artist,)
        title = f"Bench Song {index:05d}"
        tags = SampleTags(
            title=title,
            artists=artists,
            album=f"Bench Album {album:04d}",
            album_artist=artist,
            track=index % SONGS_PER_ALBUM + 1,
            track_total=SONGS_PER_ALBUM,
            year=1990 + album % 30,
            genres=(GENRES[album % len(GENRES)],),
            cover=covers[album],
        )
        key = f"{prefix}/album-{album:04d}/{index % SONGS_PER_ALBUM + 1:02d} {title}.{fmt}"
        path = media_root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(audio[fmt])
        tag_audio(path, fmt, tags)
        files.append(CorpusFile(key=key, path=path, size=path.stat().st_size, title=title))
    return files


def big_cover() -> bytes:
    """Return a 500 px noisy JPEG (about 130 KB), the size of a real album scan."""
    return make_cover((30, 60, 200), size=500, text="Big", noise=True)


def write_big_flac(path: Path, size: int) -> tuple[Path, int]:
    """Write a real FLAC of about `size` bytes with tags and a cover; return (path, cover size)."""
    from demo.audio_samples import make_large_flac

    cover = big_cover()
    tags = SampleTags(
        title="Long Take", artists=("Bench Orchestra",), album="Big Files", cover=cover
    )
    make_large_flac(path, size, tags=tags)
    return path, len(cover)


def write_big_mp3(path: Path, seconds: float = 640.0) -> tuple[Path, int]:
    """Write a real 128 kbit/s MP3 of about 10 MB (640 s) with tags and a cover."""
    cover = big_cover()
    tags = SampleTags(title="Long Mix", artists=("Bench DJ",), album="Big Files", cover=cover)
    write_sample(path, "mp3", tags=tags, seconds=seconds)
    return path, len(cover)
