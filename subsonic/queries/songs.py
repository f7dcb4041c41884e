"""Songs as rows of plain values with credits, genres and the caller's star, rating and plays.

Every song list is built in a fixed number of flat queries, whatever its length, with the
listener's state read for the rows returned only. The queries that load rows by id are prepared
(catalog.prepared): written as SQL once, since building them in Django cost more than running
them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, DateTimeField, IntegerField, Max, Q, QuerySet, Value
from django.db.models.functions import Lower

from catalog.models import Artist, Song, SongArtist
from catalog.prepared import PreparedQuery, one_of
from library.models import Like, Play, Rating
from subsonic.queries.catalogue import published


@dataclass(slots=True)
class SongRow:
    """One published song as Subsonic apps see it, read as plain values, with the caller's state.

    Loading pages of hundreds of songs as model instances (a song, its artist, album and album
    artist each) cost more than the queries; rows of values cost a fraction.
    """

    pk: int
    title: str
    artist_id: int
    album_id: int | None
    album_title: str | None
    album_artist_id: int | None
    album_cover_id: int | None
    cover_id: int | None
    track_number: int | None
    disc_number: int | None
    year: int | None
    duration: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    mime_type: str
    file_size: int
    storage_key: str
    created_at: datetime
    sort_title: str
    bit_depth: int | None
    bpm: int | None
    comment: str
    musicbrainz_id: str
    isrc: str
    replay_gain_track: float | None
    replay_gain_track_peak: float | None
    replay_gain_album: float | None
    replay_gain_album_peak: float | None
    artist_name: str = ""
    album_artist_name: str | None = None
    starred_at: datetime | None = None
    user_rating: int | None = None
    play_count: int = 0
    played_at: datetime | None = None
    credits: list[tuple[int, str]] = field(default_factory=list)
    genre_names: list[str] = field(default_factory=list)


# Artist names are read apart, by id: joined here, PostgreSQL hashed all the artists for a
# page of 500 songs.
SONG_COLUMNS = (
    "pk",
    "title",
    "artist_id",
    "album_id",
    "album__title",
    "album__album_artist_id",
    "album__cover_id",
    "cover_id",
    "track_number",
    "disc_number",
    "year",
    "duration",
    "bitrate",
    "sample_rate",
    "channels",
    "mime_type",
    "file_size",
    "storage_key",
    "created_at",
    "sort_title",
    "bit_depth",
    "bpm",
    "comment",
    "musicbrainz_id",
    "isrc",
    "replay_gain_track",
    "replay_gain_track_peak",
    "replay_gain_album",
    "replay_gain_album_peak",
)


def _dense(ids: list[int]) -> bool:
    """Tell whether ids lie close enough together to be read as one id range."""
    return max(ids) - min(ids) < 2 * len(ids) + 50


class _OfSongs:
    """A prepared read of rows of some songs: by an id range when they are dense (a page of
    the catalogue: one index condition), else by the list of ids (one array parameter).

    `build(condition, **values)` returns the queryset, given the condition on `column`.
    Callers drop rows of songs in the range they did not ask for.
    """

    def __init__(self, build, column: str = "song_id"):
        self.by_range = PreparedQuery(
            lambda low, high, **values: build(
                Q(**{f"{column}__gte": low, f"{column}__lte": high}), **values
            )
        )
        self.by_list = PreparedQuery(lambda ids, **values: build(one_of(column, ids), **values))

    def rows(self, ids: list[int], **values) -> list[tuple]:
        if _dense(ids):
            return self.by_range.rows(low=min(ids), high=max(ids), **values)
        return self.by_list.rows(ids=ids, **values)


STARRED, RATED, PLAYED = 0, 1, 2


def _listener_state(condition: Q, user) -> QuerySet:
    """Return the user's stars, ratings and plays of some songs in one query, as (kind, song id,
    starred or last played at, stars or plays) rows: one round trip instead of three."""
    no_moment = Value(None, output_field=DateTimeField())
    no_number = Value(None, output_field=IntegerField())
    stars = (
        Like.objects.filter(condition, user_id=user)
        .annotate(kind=Value(STARRED), number=no_number)
        .values_list("kind", "song_id", "created_at", "number")
    )
    ratings = (
        Rating.objects.filter(condition, user_id=user)
        .annotate(kind=Value(RATED), moment=no_moment)
        .values_list("kind", "song_id", "moment", "stars")
    )
    plays = (
        Play.objects.filter(condition, user_id=user)
        .values("song_id")
        .annotate(kind=Value(PLAYED), moment=Max("played_at"), number=Count("pk"))
        .order_by()
        .values_list("kind", "song_id", "moment", "number")
    )
    return stars.order_by().union(ratings.order_by(), plays, all=True).order_by()


_SONG_VALUES = _OfSongs(
    lambda condition: published().filter(condition).values_list(*SONG_COLUMNS), column="pk"
)


_CREDITS = _OfSongs(
    lambda condition: (
        SongArtist.objects.filter(condition)
        .order_by("song_id", "position", "pk")
        .values_list("song_id", "artist_id")
    )
)


_GENRE_NAMES = _OfSongs(
    lambda condition: (
        Song.genres.through.objects.filter(condition)
        .order_by("song_id", Lower("genre__name"), "genre_id")
        .values_list("song_id", "genre__name")
    )
)


_LISTENER_STATE = _OfSongs(_listener_state)


_ARTIST_NAMES = PreparedQuery(
    lambda ids: Artist.objects.filter(one_of("pk", ids)).order_by().values_list("pk", "name")
)


def song_rows(user, songs: QuerySet[Song], keep: set[int] | None = None) -> list[SongRow]:
    """Evaluate songs (filtered and ordered by the caller) as rows with credits, genres and
    the user's star, rating and play count: five flat queries whatever the number of songs.

    With `keep`, rows of other songs (read because they lie in the range asked for) are dropped.
    """
    return _with_details(user, songs.values_list(*SONG_COLUMNS), keep)


def _with_details(user, values: Iterable[tuple], keep: set[int] | None = None) -> list[SongRow]:
    """Build SongRows from SONG_COLUMNS values and add what four prepared queries tell."""
    rows = [SongRow(*row) for row in values]
    if keep is not None:
        rows = [row for row in rows if row.pk in keep]
    if not rows:
        return rows
    by_id = {row.pk: row for row in rows}
    ids = list(by_id)
    credited = [
        (song_id, artist_id) for song_id, artist_id in _CREDITS.rows(ids) if song_id in by_id
    ]
    artist_ids = {row.artist_id for row in rows} | {artist_id for _, artist_id in credited}
    artist_ids |= {row.album_artist_id for row in rows if row.album_artist_id is not None}
    names = dict(_ARTIST_NAMES.rows(ids=list(artist_ids)))
    for row in rows:
        row.artist_name = names[row.artist_id]
        if row.album_artist_id is not None:
            row.album_artist_name = names[row.album_artist_id]
    for song_id, artist_id in credited:
        by_id[song_id].credits.append((artist_id, names[artist_id]))
    for song_id, name in _GENRE_NAMES.rows(ids):
        if song_id in by_id:
            by_id[song_id].genre_names.append(name)
    for kind, song_id, moment, number in _LISTENER_STATE.rows(ids, user=user.pk):
        row = by_id.get(song_id)
        if row is None:
            continue
        if kind == STARRED:
            row.starred_at = moment
        elif kind == RATED:
            row.user_rating = number
        else:
            row.play_count, row.played_at = number, moment
    return rows


def song(user, song_id: int) -> SongRow | None:
    found = songs_by_id(user, [song_id])
    return found.get(song_id)


def songs_by_id(user, ids: list[int]) -> dict[int, SongRow]:
    if not ids:
        return {}
    found = _with_details(user, _SONG_VALUES.rows(ids), keep=set(ids))
    return {row.pk: row for row in found}


def songs_in_order(user, ids: list[int]) -> list[SongRow]:
    """Load published songs with their user state, in the order of the ids given (repeats too)."""
    found = songs_by_id(user, ids)
    return [found[pk] for pk in ids if pk in found]


def published_songs(ids: list[int]) -> dict[int, Song]:
    """Return the bare published songs with these ids (for writes), by id."""
    return {found.pk: found for found in Song.objects.filter(hidden=False, pk__in=ids).only("pk")}
