"""Reads of the catalogue shared by the API, the pages and the live events."""

import functools
import json
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Lower, RowNumber

from catalog.models import Album, Artist, CatalogueChange, Cover, Genre, Song, SongArtist
from catalog.prepared import PreparedQuery, one_of


def catalogue_changed_at() -> datetime | None:
    """Return when the public catalogue last changed (None for an empty one, never changed).

    The change stamp (catalog.changes.catalogue_mark_changed) dates hides, edits and
    removals too; before its first change, the newest song's arrival stands in.
    """
    stamp = CatalogueChange.objects.values_list("changed_at", flat=True).first()
    if stamp is not None:
        return stamp
    return Song.objects.order_by("-created_at").values_list("created_at", flat=True).first()


EXACT_COUNT_LIMIT = 1_000  # songs counted one by one before an estimate will do


@dataclass(frozen=True)
class SongCount:
    """How many rows a list holds: exactly, or PostgreSQL's estimate past the limit."""

    value: int
    exact: bool


def bounded_count(rows: QuerySet, limit: int | None = None) -> SongCount:
    """Count rows exactly up to limit; past it, return the planner's estimate (PostgreSQL).

    Reading limit + 1 ids costs a bounded few milliseconds whatever the filter; counting
    every match of a million-song catalogue costs hundreds. SQLite, the small embedded
    default, always counts exactly.
    """
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    connection = connections[rows.db]
    try:
        # One compiled SELECT of the ids serves the bounded count and the estimate, written
        # once instead of twice through the ORM's aggregation.
        sql, params = rows.order_by().values("pk").query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:
        return SongCount(0, True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {limit + 1:d}) bounded", params)
        counted = cursor.fetchone()[0]
    if counted <= limit or connection.vendor != "postgresql":
        return SongCount(rows.count() if counted > limit else counted, True)
    return SongCount(max(_estimated_rows(connection, sql, params), counted), False)


def _estimated_rows(connection, sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def song_list() -> QuerySet[Song]:
    """Return the published songs with everything a song row shows, in a fixed number of queries.

    Hidden songs are left out, so the pages, the API and the live events never show them.
    Each song's artists and genres come as lists (Song.credited_artists, Song.genre_list).
    """
    return (
        Song.objects.filter(hidden=False)
        .select_related("artist", "album", "album__album_artist", "cover")
        .prefetch_related(
            Prefetch(
                "artists",
                queryset=Artist.objects.order_by("songartist__position"),
                to_attr="_credited_artists",
            ),
            Prefetch("genres", to_attr="_genre_list"),
        )
    )


@dataclass(slots=True, eq=False)
class ListedSong:
    """A song read as plain values: what its row and the API's song show, nothing more.

    It answers to the names a Song of song_list() answers to (pk, artist, credited_artists,
    genre_list, cover.url, stream_url...), so catalog.rows and SongSerializer take either.
    Its artists, album, cover and genres are model instances holding their id and name (or
    title, or digest), shared between the songs of a list; the song is not: a Song of forty
    fields and its relations cost more CPU to build than to shape and render it, which is all
    the live frames do with it (bench/frames.py).
    """

    pk: int
    title: str
    artist_id: int
    album_id: int | None
    cover_id: int | None
    track_number: int | None
    disc_number: int | None
    year: int | None
    duration: float
    bitrate: int | None
    sample_rate: int | None
    codec: str
    mime_type: str
    file_size: int
    created_at: datetime
    updated_at: datetime
    # Filled in by listed_songs().
    artist: Artist | None = None
    album: Album | None = None
    cover: Cover | None = None
    credited_artists: list[Artist] = field(default_factory=list)
    genre_list: list[Genre] = field(default_factory=list)
    # The calling listener's state, when the songs were annotated with it
    # (library.queries.with_listener_state); None otherwise, as on a Song without them.
    liked: bool | None = None
    rating: int | None = None

    stream_url = Song.stream_url
    duration_display = Song.duration_display

    def __eq__(self, other):
        # As model instances are: equal to the Song, or ListedSong, of the same id.
        if isinstance(other, ListedSong | Song):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self):
        return hash(self.pk)


# A song's own columns: ListedSong's fields without a default, in their order.
_SONG_COLUMNS = tuple(
    song_field.name
    for song_field in fields(ListedSong)
    if song_field.default is MISSING and song_field.default_factory is MISSING
)
# What listed_songs() reads of each song, before the listener's state.
_LISTED_COLUMNS = (*_SONG_COLUMNS, "artist__name", "album__title", "cover__sha256")
# Annotations a ListedSong carries over when the songs have them.
_LISTENER_STATE = ("liked", "rating")


def listed_songs(songs: QuerySet[Song]) -> list[ListedSong]:
    """Return these songs (filtered, ordered, sliced as wanted) as ListedSongs, in two queries.

    The same songs, credits and genres song_list() gives, read with values_list(): no model
    instance per song, and one per distinct artist, album, cover or genre.
    """
    state = [name for name in _LISTENER_STATE if name in songs.query.annotations]
    return _listed(songs.values_list(*_LISTED_COLUMNS, *state), songs.db, state)


def public_songs_listed(song_ids: list[int], newest: int | None = None) -> list[ListedSong]:
    """Return the public songs among these ids as listed_songs() does: the `newest` of them
    first to last (as the pages list songs), or all of them by id.

    The live frames read each batch's songs so: through a prepared query (catalog.prepared),
    its SQL written once rather than built for every frame.
    """
    if not song_ids:
        return []
    query = _newest_public_songs(newest) if newest else _PUBLIC_SONGS_BY_ID
    return _listed(query.rows(ids=song_ids), "default", [])


def _public_songs(ids):
    return Song.objects.filter(one_of("pk", ids), hidden=False).values_list(*_LISTED_COLUMNS)


_PUBLIC_SONGS_BY_ID = PreparedQuery(lambda ids: _public_songs(ids).order_by("pk"))


@functools.cache
def _newest_public_songs(count: int) -> PreparedQuery:
    return PreparedQuery(lambda ids: _public_songs(ids).order_by(*Song._meta.ordering)[:count])


def _listed(rows, db: str, state: list[str]) -> list[ListedSong]:
    """Make ListedSongs of rows of _LISTED_COLUMNS (then the `state` annotations)."""
    related = _Related(db)
    listed = []
    own = len(_SONG_COLUMNS)
    for row in rows:
        song = ListedSong(*row[:own])
        artist_name, album_title, cover_digest = row[own : own + 3]
        song.artist = related.one(Artist, song.artist_id, "name", artist_name)
        song.album = related.one(Album, song.album_id, "title", album_title)
        song.cover = related.one(Cover, song.cover_id, "sha256", cover_digest)
        for name, value in zip(state, row[own + 3 :], strict=True):
            setattr(song, name, value)
        listed.append(song)
    if not listed:
        return listed
    by_id = {song.pk: song for song in listed}
    rows = _CREDITS_AND_GENRES.rows(db, songs=list(by_id))
    for song_id, kind, _rank, pk, name in sorted(rows, key=itemgetter(1, 2)):
        if kind == 0:
            by_id[song_id].credited_artists.append(related.one(Artist, pk, "name", name))
        else:
            by_id[song_id].genre_list.append(related.one(Genre, pk, "name", name))
    return listed


def _credits_and_genres(songs) -> QuerySet:
    """Return the credits and the genres of these songs in one query: each row is (song id,
    0 for a credit or 1 for a genre, its rank within the song, the artist's or genre's id and
    name). Credits rank by position, genres by name, as song_list() orders them."""
    credits = (
        SongArtist.objects.filter(one_of("song_id", songs))
        .order_by()
        .annotate(
            kind=Value(0),
            rank=Window(RowNumber(), partition_by=F("song_id"), order_by=("position", "pk")),
        )
        .values_list("song_id", "kind", "rank", "artist_id", "artist__name")
    )
    genres = (
        Song.genres.through.objects.filter(one_of("song_id", songs))
        .order_by()
        .annotate(
            kind=Value(1),
            rank=Window(RowNumber(), partition_by=F("song_id"), order_by=Lower("genre__name")),
        )
        .values_list("song_id", "kind", "rank", "genre_id", "genre__name")
    )
    return credits.union(genres, all=True).order_by()


# The same query for every list, so its SQL is written once (catalog.prepared) rather than
# built afresh for each page and live frame.
_CREDITS_AND_GENRES = PreparedQuery(_credits_and_genres)


class _Related:
    """The artists, albums, covers and genres of a list of songs: one instance per row."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.instances: dict[tuple[type[Model], int], Model] = {}

    def one(self, model: type[Model], pk: int | None, column: str, value: str | None):
        """Return the row with this id holding the one column read, or None without an id."""
        if pk is None:
            return None
        instance = self.instances.get((model, pk))
        if instance is None:
            instance = self.instances[model, pk] = model.from_db(
                self.db, ("id", column), (pk, value)
            )
        return instance


class SubqueryCount(Subquery):
    """Count the rows of a correlated subquery: one index range per outer row, no GROUP BY.

    Unlike Count() over joins, a page of 20 artists counts 20 artists' songs (PostgreSQL
    computes it after the LIMIT) and two counts never multiply each other's rows.
    """

    template = "(SELECT count(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _published_songs_of_artist() -> SubqueryCount:
    credits = SongArtist.objects.filter(artist=OuterRef("pk"), song__hidden=False)
    return SubqueryCount(credits.order_by().values("pk"))  # one credit per song and artist


def artist_list() -> QuerySet[Artist]:
    """Return artists with their count of published songs and albums."""
    albums = Album.objects.filter(album_artist=OuterRef("pk")).order_by().values("pk")
    return Artist.objects.annotate(
        song_count=_published_songs_of_artist(), album_count=SubqueryCount(albums)
    ).order_by(Lower("name"), "pk")


def album_list() -> QuerySet[Album]:
    """Return albums with their artist, cover and count of published songs."""
    tracks = Song.objects.filter(album=OuterRef("pk"), hidden=False).order_by().values("pk")
    return (
        Album.objects.select_related("album_artist", "cover")
        .annotate(song_count=SubqueryCount(tracks))
        .order_by(Lower("title"), "pk")
    )


def genre_list() -> QuerySet[Genre]:
    """Return genres with their count of published songs."""
    return Genre.objects.annotate(
        song_count=Count("songs", filter=Q(songs__hidden=False))
    ).order_by(Lower("name"), "pk")


def genre_choices() -> QuerySet[Genre]:
    """Return the genres that have published songs, by name: one index probe per genre."""
    tagged = Song.genres.through.objects.filter(genre=OuterRef("pk"), song__hidden=False)
    return Genre.objects.filter(Exists(tagged)).order_by(Lower("name"), "pk")


def published_song(song_id: int) -> Song | None:
    """Return the bare published song with this id (for likes, plays, playlists), or None."""
    return Song.objects.filter(hidden=False, pk=song_id).only("pk").first()


# Sort keys of the browse page: each maps to its ordering, the song id breaking ties.
SONG_SORTS = {
    "title": (Lower("title"),),
    "artist": (Lower("artist__name"), Lower("title")),
    "album": (Lower("album__title"), "disc_number", "track_number"),
    "duration": ("duration",),
    "year": ("year",),
    "added": ("created_at",),
}


def sorted_songs(songs: QuerySet[Song], sort: str, descending: bool = False) -> QuerySet[Song]:
    """Order songs by one of SONG_SORTS (unknown keys sort newest first)."""
    if sort not in SONG_SORTS or (sort == "added" and descending):
        # Plain DESC (no NULLS LAST: created_at is never null) so the newest-first index
        # serves the page instead of a sort of the whole catalogue.
        return songs.order_by("-created_at", "-pk")
    keys = [F(key) if isinstance(key, str) else key for key in SONG_SORTS[sort]]
    if descending:
        return songs.order_by(*(key.desc(nulls_last=True) for key in keys), "-pk")
    return songs.order_by(*(key.asc(nulls_last=True) for key in keys), "pk")


# An album's running order: discs, then tracks (untagged ones last), then title.
ALBUM_TRACK_ORDER = (
    F("disc_number").asc(nulls_first=True),
    F("track_number").asc(nulls_last=True),
    Lower("title"),
    "pk",
)


def album_tracks(album_id: int) -> QuerySet[Song]:
    """Return an album's published songs in disc and track order."""
    return song_list().filter(album_id=album_id).order_by(*ALBUM_TRACK_ORDER)


def artist_songs(artist_id: int) -> QuerySet[Song]:
    """Return the published songs an artist is credited on, newest first."""
    return song_list().filter(artists__id=artist_id).distinct().order_by("-created_at", "-pk")


def artist_albums(artist_id: int) -> QuerySet[Album]:
    """Return an artist's albums, newest year first."""
    return (
        album_list()
        .filter(album_artist_id=artist_id, song_count__gt=0)
        .order_by(F("year").desc(nulls_last=True), Lower("title"), "pk")
    )


def song_years() -> list[int]:
    """Return the years that published songs carry, newest first."""
    return list(
        Song.objects.filter(hidden=False, year__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
