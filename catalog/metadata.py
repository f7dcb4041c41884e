"""What the catalogue learns from one audio file: the values tag reading hands to song_ingest.

The ingest app reads the tags (ingest/tags/); the catalogue only needs their shape.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CoverArt:
    """An embedded picture; ``mime_type`` comes from the image bytes when they are known."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class SongMetadata:
    """Everything the catalogue learns from one audio file, normalised across tag formats."""

    title: str | None
    artists: tuple[str, ...]
    album: str | None
    album_artist: str | None
    track_number: int | None
    track_total: int | None
    disc_number: int | None
    disc_total: int | None
    year: int | None
    genres: tuple[str, ...]
    duration: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    codec: str
    mime_type: str
    lyrics: str | None
    cover: CoverArt | None
