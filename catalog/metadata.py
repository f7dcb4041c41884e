"""What the catalogue learns from one audio file: what tag reading hands to catalog.tagged.

The ingest app reads the tags (ingest/tags/); the catalogue only needs their shape.
"""

from dataclasses import dataclass, field

# Column lengths of the names a song's tags give (catalog.models uses them): tag reading cuts
# a longer name to fit, and needs no models to know how long that is.
NAME_LENGTH = 255  # a song's or an album's title, an artist's name
GENRE_LENGTH = 100
# The largest number a (Positive)SmallIntegerField holds on every database: a year, a track or
# disc number past it is no real one.
SMALL_INT_MAX = 32767


@dataclass(frozen=True)
class CoverArt:
    """An embedded picture; ``mime_type`` comes from the image bytes when they are known.

    ``sha256`` (hex, how covers are stored once) is taken where the picture is read: in a
    reader process for a batch of local files, off the core that writes the rows
    (ingest.reading); blank where nobody took it yet.
    """

    data: bytes
    mime_type: str
    sha256: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class ReplayGain:
    """ReplayGain in dB against its -18 LUFS reference, and peaks as fractions of full scale."""

    track_gain: float | None = None
    track_peak: float | None = None
    album_gain: float | None = None
    album_peak: float | None = None


@dataclass(frozen=True)
class ReleaseTags:
    """What a song's tags say about its album beyond title, album artist and year.

    Dates are ISO 8601 as precise as the tag: "2019", "2019-05" or "2019-05-17".
    """

    sort_title: str | None = None
    is_compilation: bool = False
    release_date: str | None = None
    original_release_date: str | None = None
    record_labels: tuple[str, ...] = ()
    release_types: tuple[str, ...] = ()
    musicbrainz_id: str | None = None


@dataclass(frozen=True)
class ArtistTags:
    """What the tags say about one artist named on the song (as an artist or album artist)."""

    name: str
    sort_name: str | None = None
    musicbrainz_id: str | None = None


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
    # The tags apps show and sort by, when the file has them.
    sort_title: str | None = None
    bit_depth: int | None = None
    bpm: int | None = None
    comment: str | None = None
    musicbrainz_id: str | None = None
    isrcs: tuple[str, ...] = ()
    replay_gain: ReplayGain = field(default_factory=ReplayGain)
    release: ReleaseTags = field(default_factory=ReleaseTags)
    artist_tags: tuple[ArtistTags, ...] = ()  # only the artists the tags say more about
