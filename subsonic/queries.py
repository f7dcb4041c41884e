"""Reads for Subsonic apps: the catalogue with each listener's stars, ratings and play counts.

Every song, album and artist list is built in a fixed number of flat queries, whatever its
length, with the listener's state read for the rows returned only. The queries that load rows
by id are prepared (catalog.prepared): written as SQL once, since building them in Django cost
more than running them.
"""

import hashlib
import logging
import random
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Lower, Mod, RowNumber
from django.utils import timezone

from catalog.models import Album, Artist, Cover, Genre, Song, SongArtist
from catalog.prepared import PreparedQuery, one_of
from catalog.queries import ALBUM_TRACK_ORDER
from ingest.models import IngestJob
from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem
from playlists.queries import playlists_visible_to
from subsonic.models import NowPlaying, PlayQueue, StarredAlbum, StarredArtist

logger = logging.getLogger(__name__)

NOW_PLAYING_SLACK = timedelta(minutes=5)
NOW_PLAYING_HORIZON = timedelta(hours=2)
CATALOGUE_CACHE_SECONDS = 300


def catalogue_version() -> str:
    """Return a token that changes whenever songs or albums come or go (three index probes).

    Whole-catalogue summaries (genres, the artist index, alphabetical album orders) are cached
    under it, so an app paging through them costs one computation per catalogue change; other
    edits (a song hidden by a curator) show within CATALOGUE_CACHE_SECONDS.
    """
    quote = connection.ops.quote_name
    # One round trip instead of three: each MAX is one primary key index probe.
    latest = ", ".join(
        f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"
        for model in (Song, Album, IngestJob)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {latest}")
        row = cursor.fetchone()
    return ".".join(str(pk or 0) for pk in row)


def _cached(name: str, compute):
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    key = f"subsonic:{digest}:{catalogue_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CATALOGUE_CACHE_SECONDS)
    return value


def _id_array(queryset: QuerySet) -> array:
    """Return a queryset's ids as an array of 64-bit ints, to cache a whole-catalogue order.

    The cache pickles what it stores: 100,000 ids as a list take 7 ms to unpickle on every
    page of an alphabetical album list, as an array a fraction of a millisecond.
    """
    return array("q", queryset.values_list("pk", flat=True))


def _count(queryset: QuerySet, group: str) -> Subquery:
    """Count a correlated queryset's rows as a subquery (0 when there are none)."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


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
    artist_name: str = ""
    album_artist_name: str | None = None
    starred_at: datetime | None = None
    user_rating: int | None = None
    play_count: int = 0
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
)


def published() -> QuerySet[Song]:
    return Song.objects.filter(hidden=False)


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
    """Return the user's stars, ratings and play counts of some songs in one query, as
    (kind, song id, starred at, stars or plays) rows: one round trip instead of three."""
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
        .annotate(kind=Value(PLAYED), moment=no_moment, number=Count("pk"))
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
            row.play_count = number
    return rows


def song(user, song_id: int) -> SongRow | None:
    found = songs_by_id(user, [song_id])
    return found.get(song_id)


def songs_by_id(user, ids: list[int]) -> dict[int, SongRow]:
    if not ids:
        return {}
    found = _with_details(user, _SONG_VALUES.rows(ids), keep=set(ids))
    return {row.pk: row for row in found}


def published_songs(ids: list[int]) -> dict[int, Song]:
    """Return the bare published songs with these ids (for writes), by id."""
    return {found.pk: found for found in Song.objects.filter(hidden=False, pk__in=ids).only("pk")}


def song_with_lyrics(artist_name: str, title: str) -> Song | None:
    """Find a published song with lyrics by its artist's name and its title (getLyrics)."""
    songs = Song.objects.filter(hidden=False).exclude(lyrics="").select_related("artist")
    if artist_name.strip():
        songs = songs.filter(artists__name_key=_key(artist_name))
    if not title.strip():
        return None
    return songs.filter(title__iexact=title.strip()).order_by("pk").first()


def seed_song(kind: str, pk: int) -> int | None:
    """Return the song to start "similar songs" from: the song, an album's first, an artist's
    newest."""
    songs = Song.objects.filter(hidden=False)
    if kind == "tr":
        songs = songs.filter(pk=pk)
    elif kind == "al":
        songs = songs.filter(album_id=pk).order_by("disc_number", "track_number", "pk")
    else:
        songs = songs.filter(artists__pk=pk).order_by("-created_at", "-pk")
    return songs.values_list("pk", flat=True).first()


def catalogue_changed_at():
    """Return when the newest song arrived (getIndexes' lastModified), from the index."""
    return Song.objects.order_by("-created_at").values_list("created_at", flat=True).first()


def _published_in_album() -> QuerySet[Song]:
    return Song.objects.filter(album=OuterRef("pk"), hidden=False)


@dataclass(slots=True)
class AlbumRow:
    """One album with published songs, as Subsonic apps see it, with the caller's state."""

    pk: int
    title: str
    album_artist_id: int
    album_artist_name: str
    year: int | None
    cover_id: int | None
    created_at: datetime
    song_count: int = 0
    total_duration: float = 0.0
    genre_name: str | None = None
    starred_at: datetime | None = None
    play_count: int = 0


ALBUM_COLUMNS = (
    "pk",
    "title",
    "album_artist_id",
    "album_artist__name",
    "year",
    "cover_id",
    "created_at",
)


def album_rows(
    user, ids: list[int], *, play_counts: dict[int, int] | None = None
) -> dict[int, AlbumRow]:
    """Load the albums with these ids that have published songs, by id, in three flat queries:
    the albums with their songs' count and length, their first genre, the user's stars and plays.

    Correlated subqueries per album cost little in the database but much to build: Django
    spent longer compiling that one query than PostgreSQL spent running it. The user's plays
    come from their own rows (unless the caller counted them already): as a subquery per
    album, PostgreSQL crossed every play of each song with the user's plays.
    """
    if not ids:
        return {}
    found = {}
    for *values, count, duration in _ALBUM_VALUES.rows(ids=ids):
        album = AlbumRow(*values, song_count=count, total_duration=duration)
        found[album.pk] = album
    if not found:
        return found
    for album_id, name in _ALBUM_GENRES.rows(ids=list(found)):
        if found[album_id].genre_name is None:
            found[album_id].genre_name = name
    state = _ALBUM_STATE if play_counts is None else _ALBUM_STARS
    for kind, album_id, moment, number in state.rows(ids=list(found), user=user.pk):
        if kind == STARRED:
            found[album_id].starred_at = moment
        else:
            found[album_id].play_count = number
    for album_id, count in (play_counts or {}).items():
        if album_id in found:
            found[album_id].play_count = count
    return found


def _album_values(ids) -> QuerySet:
    published_songs = Q(songs__hidden=False)
    return (
        Album.objects.filter(one_of("pk", ids))
        .annotate(
            count=Count("songs", filter=published_songs),
            duration=Sum("songs__duration", filter=published_songs),
        )
        .filter(count__gt=0)
        .order_by()
        .values_list(*ALBUM_COLUMNS, "count", "duration")
    )


def _album_genres(ids) -> QuerySet:
    return (
        Song.genres.through.objects.filter(one_of("song__album_id", ids), song__hidden=False)
        .order_by("song__album_id", Lower("genre__name"))
        .values_list("song__album_id", "genre__name")
    )


def _album_stars(ids, user) -> QuerySet:
    no_number = Value(None, output_field=IntegerField())
    return (
        StarredAlbum.objects.filter(one_of("album_id", ids), user_id=user)
        .annotate(kind=Value(STARRED), number=no_number)
        .values_list("kind", "album_id", "created_at", "number")
        .order_by()
    )


def _album_state(ids, user) -> QuerySet:
    """The user's stars of these albums and plays of their published songs, in one query."""
    plays = (
        Play.objects.filter(one_of("song__album_id", ids), user_id=user, song__hidden=False)
        .values("song__album_id")
        .annotate(
            kind=Value(PLAYED),
            moment=Value(None, output_field=DateTimeField()),
            number=Count("pk"),
        )
        .order_by()
        .values_list("kind", "song__album_id", "moment", "number")
    )
    return _album_stars(ids, user).union(plays, all=True).order_by()


_ALBUM_VALUES = PreparedQuery(_album_values)
_ALBUM_GENRES = PreparedQuery(_album_genres)
_ALBUM_STARS = PreparedQuery(_album_stars)
_ALBUM_STATE = PreparedQuery(_album_state)


ALBUM_LIST_TYPES = (
    "random",
    "newest",
    "highest",
    "frequent",
    "recent",
    "starred",
    "alphabeticalByName",
    "alphabeticalByArtist",
    "byYear",
    "byGenre",
)


def published_albums() -> QuerySet[Album]:
    """Return the albums that have at least one published song, bare (for picking ids)."""
    return Album.objects.filter(Exists(_published_in_album()))


def _album_order(user, list_type: str, from_year, to_year, genre: str) -> QuerySet:
    """Return the ids of one getAlbumList2 type, in order, from the narrowest table.

    Per-user orders start from the user's own rows (stars, plays, ratings: index lookups);
    catalogue orders read bare album rows. Annotated rows are loaded for one page only, as
    PostgreSQL would otherwise compute every row's subqueries before sorting and skipping.
    """
    albums = published_albums()
    if list_type == "newest":
        # Ids grow with created_at (auto_now_add), so the primary key serves the order.
        return albums.order_by("-pk").values_list("pk", flat=True)
    if list_type == "starred":
        return (
            StarredAlbum.objects.filter(user=user)
            .filter(Exists(Song.objects.filter(album=OuterRef("album_id"), hidden=False)))
            .order_by("-created_at", "-pk")
            .values_list("album_id", flat=True)
        )
    if list_type in ("frequent", "recent"):
        return _played_albums(user, list_type).values_list("song__album", flat=True)
    if list_type == "highest":
        rows = Rating.objects.filter(user=user, song__hidden=False, song__album__isnull=False)
        rows = rows.values("song__album").annotate(key=Avg("stars"))
        return rows.order_by("-key", "song__album").values_list("song__album", flat=True)
    if list_type == "alphabeticalByName":
        ordered = albums.order_by(Lower("title"), "pk")
        return _cached("albums-by-name", lambda: _id_array(ordered))
    if list_type == "alphabeticalByArtist":
        ordered = albums.order_by(Lower("album_artist__name"), Lower("title"), "pk")
        return _cached("albums-by-artist", lambda: _id_array(ordered))
    if list_type == "byYear":
        low, high = from_year or 0, to_year if to_year is not None else 9999
        if low <= high:
            ordered = albums.filter(year__gte=low, year__lte=high).order_by("year", "pk")
        else:
            ordered = albums.filter(year__gte=high, year__lte=low).order_by("-year", "pk")
        return ordered.values_list("pk", flat=True)
    if list_type == "byGenre":
        tagged = Song.objects.filter(
            album=OuterRef("pk"), hidden=False, genres__name_key=_key(genre)
        )
        ordered = Album.objects.filter(Exists(tagged)).order_by(Lower("title"), "pk")
        return _cached(f"albums-of-genre:{_key(genre)[:100]}", lambda: _id_array(ordered))
    raise ValueError(list_type)


def _played_albums(user, list_type: str) -> QuerySet:
    """Return the albums the user played most or last, each with the user's play count."""
    rows = Play.objects.filter(user=user, song__hidden=False, song__album__isnull=False)
    key = Count("pk") if list_type == "frequent" else Max("played_at")
    rows = rows.values("song__album").annotate(key=key, plays=Count("pk"))
    return rows.order_by("-key", "song__album")


def album_list(
    user,
    list_type: str,
    *,
    offset: int = 0,
    size: int = 10,
    from_year: int | None = None,
    to_year: int | None = None,
    genre: str = "",
) -> list[AlbumRow]:
    """Return one page of a getAlbumList2 type, in that type's order."""
    if size <= 0:
        return []
    if list_type == "random":
        return random_albums(user, size)
    if list_type in ("frequent", "recent"):
        # The ranking already counted the user's plays of each album: no second pass over them.
        ranked = _played_albums(user, list_type).values_list("song__album", "plays")
        plays = dict(ranked[offset : offset + size])
        return albums_by_id(user, list(plays), play_counts=plays)
    ordered = _album_order(user, list_type, from_year, to_year, genre)
    return albums_by_id(user, list(ordered[offset : offset + size]))


def albums_by_id(
    user, ids: list[int], *, play_counts: dict[int, int] | None = None
) -> list[AlbumRow]:
    """Load albums with their counts and user state, in the order of the ids given."""
    found = album_rows(user, ids, play_counts=play_counts)
    return [found[pk] for pk in ids if pk in found]


def songs_in_order(user, ids: list[int]) -> list[SongRow]:
    """Load published songs with their user state, in the order of the ids given (repeats too)."""
    found = songs_by_id(user, ids)
    return [found[pk] for pk in ids if pk in found]


def artists_by_id(user, ids: list[int]) -> list[Artist]:
    """Load credited artists with album count, a cover and the user's star, in ids' order."""
    if not ids:
        return []
    found = {}
    for pk, name, album_count, cover_id, starred_at in _ARTISTS.rows(ids=ids, user=user.pk):
        artist = Artist(pk=pk, name=name)
        artist.album_count, artist.cover_id, artist.starred_at = album_count, cover_id, starred_at
        found[pk] = artist
    return [found[pk] for pk in ids if pk in found]


def _key(name: str) -> str:
    from catalog.models import name_key

    return name_key(name)


def album(user, album_id: int) -> AlbumRow | None:
    return album_rows(user, [album_id]).get(album_id)


def album_songs(user, album_id: int) -> list[SongRow]:
    """Return an album's published songs in disc and track order."""
    return song_rows(user, published().filter(album_id=album_id).order_by(*ALBUM_TRACK_ORDER))


def credited_artists() -> QuerySet[Artist]:
    """Return artists credited on at least one published song, bare."""
    credited = SongArtist.objects.filter(artist=OuterRef("pk"), song__hidden=False)
    return Artist.objects.filter(Exists(credited))


def artists_for(user) -> QuerySet[Artist]:
    """Return artists credited on published songs, with album count, a cover and user state.

    `user` is the user's id, or a Slot for it in a prepared query.
    """
    credited = SongArtist.objects.filter(artist=OuterRef("pk"), song__hidden=False)
    albums = Album.objects.filter(album_artist=OuterRef("pk")).filter(Exists(_published_in_album()))
    return (
        Artist.objects.filter(Exists(credited))
        .annotate(
            album_count=_count(albums, "album_artist"),
            cover_id=Subquery(
                albums.filter(cover__isnull=False).order_by("-year", "pk").values("cover_id")[:1]
            ),
            starred_at=Subquery(
                StarredArtist.objects.filter(user_id=user, artist=OuterRef("pk")).values(
                    "created_at"
                )[:1]
            ),
        )
        .order_by(Lower("name"), "pk")
    )


_ARTISTS = PreparedQuery(
    lambda ids, user: (
        artists_for(user)
        .filter(one_of("pk", ids))
        .order_by()
        .values_list("pk", "name", "album_count", "cover_id", "starred_at")
    )
)


def artist(user, artist_id: int) -> Artist | None:
    found = artists_by_id(user, [artist_id])
    return found[0] if found else None


def artist_albums(user, artist_id: int) -> list[AlbumRow]:
    """Return the albums an artist is the album artist of, newest year first."""
    ordered = Album.objects.filter(album_artist_id=artist_id).order_by(
        F("year").desc(nulls_last=True), Lower("title"), "pk"
    )
    return albums_by_id(user, list(ordered.values_list("pk", flat=True)))


def similar_artists(user, artist_id: int, count: int) -> list[Artist]:
    """Return artists who share the most genres with this one (our own data, no last.fm)."""
    if count <= 0:
        return []
    genre_ids = Genre.objects.filter(songs__artists__pk=artist_id, songs__hidden=False)
    ranked = (
        SongArtist.objects.filter(song__hidden=False, song__genres__in=genre_ids)
        .exclude(artist_id=artist_id)
        .values("artist_id")
        .annotate(shared=Count("song__genres", distinct=True))
        .order_by("-shared", "artist_id")
        .values_list("artist_id", flat=True)[:count]
    )
    return artists_by_id(user, list(ranked))


def genres() -> list[Genre]:
    """Return genres of published songs, by name, each with its song and album counts."""

    def compute() -> list[Genre]:
        tagged = (
            Song.genres.through.objects.filter(song__hidden=False)
            .values("genre_id")
            .annotate(songs=Count("song_id"), albums=Count("song__album_id", distinct=True))
        )
        counts = {row["genre_id"]: (row["songs"], row["albums"]) for row in tagged}
        found = list(Genre.objects.filter(pk__in=counts).order_by(Lower("name"), "pk"))
        for genre in found:
            genre.song_count, genre.album_count = counts[genre.pk]
        return found

    return _cached("genres", compute)


def artist_index(user) -> list[Artist]:
    """Return every credited artist by name with album count, a cover and the user's star.

    The catalogue part is one aggregate, cached; only the user's stars are read each time.
    """

    def compute() -> list[tuple[int, str, int, int | None]]:
        albums = (
            published_albums()
            .order_by()
            .values("album_artist_id")
            .annotate(count=Count("pk"), cover=Max("cover_id"))
        )
        summary = {row["album_artist_id"]: (row["count"], row["cover"]) for row in albums}
        names = credited_artists().order_by(Lower("name"), "pk").values_list("pk", "name")
        return [(pk, name, *summary.get(pk, (0, None))) for pk, name in names]

    starred = dict(StarredArtist.objects.filter(user=user).values_list("artist_id", "created_at"))
    artists = []
    for pk, name, album_count, cover_id in _cached("artist-index", compute):
        artist = Artist(pk=pk, name=name)
        artist.album_count, artist.cover_id = album_count, cover_id
        artist.starred_at = starred.get(pk)
        artists.append(artist)
    return artists


def songs_by_genre(user, genre: str, offset: int, count: int) -> list[SongRow]:
    """Return a page of a genre's published songs, newest first."""
    if count <= 0:
        return []
    ids = (
        Song.objects.filter(hidden=False, genres__name_key=_key(genre))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    return songs_in_order(user, list(ids[offset : offset + count]))


SAMPLE_ROUNDS = 3
MAX_DRAW = 20_000


def random_ids(queryset: QuerySet, size: int) -> list[int]:
    """Return up to `size` random primary keys of a queryset without sorting the whole table.

    Draw random ids between the smallest and largest id (one query) and keep those the
    queryset holds; a few rounds fill most requests. Only what is still missing after that
    (a sparse filter, a small catalogue) falls back to ORDER BY random().
    """
    if size <= 0:
        return []
    bounds = queryset.model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return []
    chosen: list[int] = []
    draw = max(size * 4, 50)
    for _ in range(SAMPLE_ROUNDS):
        candidates = {random.randint(low, high) for _ in range(draw)} - set(chosen)
        found = list(queryset.filter(pk__in=candidates).order_by().values_list("pk", flat=True))
        random.shuffle(found)
        chosen.extend(found[: size - len(chosen)])
        if len(chosen) >= size:
            return chosen
        # Draw enough next time for the hit rate seen (a filter may keep one id in fifty).
        hit_rate = max(len(found), 1) / max(len(candidates), 1)
        draw = min(int((size - len(chosen)) / hit_rate * 2) + 10, MAX_DRAW)
    rest = queryset.exclude(pk__in=chosen).order_by("?").values_list("pk", flat=True)
    chosen.extend(rest[: size - len(chosen)])
    return chosen


def random_songs(
    user,
    size: int,
    *,
    genre: str = "",
    from_year: int | None = None,
    to_year: int | None = None,
) -> list[SongRow]:
    """Return up to `size` random published songs, optionally of a genre and years."""
    songs = Song.objects.filter(hidden=False)
    if genre:
        songs = songs.filter(genres__name_key=_key(genre))
    if from_year is not None:
        songs = songs.filter(year__gte=from_year)
    if to_year is not None:
        songs = songs.filter(year__lte=to_year)
    return songs_in_order(user, random_ids(songs, size))


def random_albums(user, size: int) -> list[AlbumRow]:
    return albums_by_id(user, random_ids(published_albums(), size))


def top_songs(user, artist_name: str, count: int) -> list[SongRow]:
    """Return an artist's most played songs (by everyone), then their newest."""
    plays = _count(Play.objects.filter(song=OuterRef("pk")), "song")
    ranked = (
        published()
        .filter(artist__name_key=_key(artist_name))
        .annotate(total_plays=plays)
        .order_by("-total_plays", "-created_at", "-pk")
    )
    return song_rows(user, ranked[:count])


def similar_songs(user, song_id: int, count: int) -> list[SongRow]:
    """Return songs like this one: the recommender's when installed, else same artist/genre."""
    try:
        from recommendations.queries import similar_songs as recommended
    except ImportError:
        recommended = None
    if recommended is not None:
        try:
            found = recommended(song_id, limit=count, user=user)
        except Exception:
            logger.exception("the recommender failed for song %s; using same artist/genre", song_id)
        else:
            return songs_in_order(user, [item.pk for item in found])
    seed = Song.objects.filter(pk=song_id).values("artist_id").first()
    if seed is None:
        return []
    genre_ids = list(Genre.objects.filter(songs__pk=song_id).values_list("pk", flat=True))
    picked = (
        published()
        .filter(Q(artist_id=seed["artist_id"]) | Q(genres__in=genre_ids))
        .exclude(pk=song_id)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("?")
    )
    return songs_in_order(user, list(picked[:count]))


def search(user, query: str, *, songs: tuple[int, int], albums: tuple[int, int], artists) -> dict:
    """Return a page of each kind for search3: (count, offset) per kind.

    A query runs the catalogue's search engine (catalog.search) for the ranked ids of each
    kind, then loads the rows of one page each. An empty query pages through the whole
    catalogue in id order, for offline sync: song pages start from a cached mark near the
    offset (see catalogue_song_ids), album and artist pages read their ids from the primary
    key index.
    """
    from catalog import search as engine

    query = " ".join(query.replace('"', " ").split())
    if query in ("", "*"):
        count, offset = songs
        song_page = catalogue_songs(user, offset, count)
        album_ids = published_albums().order_by("pk")
        artist_ids = credited_artists().order_by("pk")
    else:
        song_ids = engine.song_ids(query) if songs[0] > 0 else []
        song_page = songs_in_order(user, _page_ids(song_ids, songs))
        album_ids = engine.album_ids(query) if albums[0] > 0 else []
        artist_ids = engine.artist_ids(query) if artists[0] > 0 else []
    return {
        "songs": song_page,
        "albums": albums_by_id(user, _page_ids(album_ids, albums)),
        "artists": artists_by_id(user, _page_ids(artist_ids, artists)),
    }


def _page_ids(matches: QuerySet | list[int], window: tuple[int, int]) -> list[int]:
    """Return the ids of one page of matches: ranked ids in hand, or a queryset's ids."""
    count, offset = window
    if count <= 0:
        return []
    if isinstance(matches, list):
        return matches[offset : offset + count]
    ranking = getattr(matches, "ranking", None)
    if ranking is not None:  # a search's ranked ids, already in hand: no query to page them
        return ranking[offset : offset + count]
    return list(matches.values_list("pk", flat=True)[offset : offset + count])


# Every MARK_STEP-th published song's id, in id order, lets a page at any offset start from the
# mark just before it: an index range read of under MARK_STEP + count ids, however deep.
MARK_STEP = 1000
MARKS_KEY = "subsonic:song-marks"


def _song_marks() -> list[int]:
    """Return the ids at positions MARK_STEP, 2 x MARK_STEP... of the published songs by id.

    Mark j is where chunk j starts (chunk 0 starts at the first id, so it has no mark): one
    pass of a window function over the primary key index, stored in the cache.
    """
    numbered = published().annotate(position=Window(RowNumber(), order_by=F("pk").asc()))
    marks = list(
        numbered.annotate(step=Mod(F("position") - 1, MARK_STEP))
        .filter(step=0, position__gt=1)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cache.set(MARKS_KEY, marks, CATALOGUE_CACHE_SECONDS)
    return marks


def _marks_hold(marks: list[int], chunk: int, ids: list[int], complete: bool) -> bool:
    """Tell whether each mark the ids (read from the start of `chunk`) reach is still exactly
    MARK_STEP published songs after the one before: true unless songs came or went in between.

    `complete` says the ids run to the end of the catalogue, so marks past them must not exist.
    """
    for index in range(chunk, len(marks)):
        expected = (index + 1 - chunk) * MARK_STEP
        if expected >= len(ids) and not complete:
            return True
        if bisect_left(ids, marks[index]) != expected:
            return False
    return True


def catalogue_song_ids(offset: int, count: int) -> list[int]:
    """Return the ids of published songs at positions offset.. offset + count - 1 in id order.

    The page is read from the mark before the offset. Every mark the read passes is checked
    against the live rows; when songs were hidden, published or removed in between, the marks
    are recomputed and the page read again, so an app paging from offset 0 through the whole
    catalogue sees each song exactly once even when the catalogue changed since the marks
    were taken. Songs added after the marks (new ids come last) extend them as pages reach them.
    """
    if count <= 0:
        return []
    marks = cache.get(MARKS_KEY)
    for attempt in range(2):
        if marks is None or attempt:
            marks = _song_marks()
        chunk = min(offset // MARK_STEP, len(marks))
        start = chunk * MARK_STEP
        ids = published().order_by("pk")
        if chunk:
            ids = ids.filter(pk__gte=marks[chunk - 1])
        # One id past the page, so a page ending at a mark checks that mark too.
        wanted = offset - start + count + 1
        read = list(ids.values_list("pk", flat=True)[:wanted])
        held = _marks_hold(marks, chunk, read, complete=len(read) < wanted)
        if held:
            break
    first_new = (len(marks) + 1 - chunk) * MARK_STEP
    if held and first_new < len(read):
        grown = [*marks, *read[first_new::MARK_STEP]]
        cache.set(MARKS_KEY, grown, CATALOGUE_CACHE_SECONDS)
    return read[offset - start : offset - start + count]


def catalogue_songs(user, offset: int, count: int) -> list[SongRow]:
    """Return a page of the whole catalogue in id order (search3 with an empty query)."""
    ids = catalogue_song_ids(offset, count)
    if not ids:
        return []
    return songs_in_order(user, ids)


def starred_songs(user) -> list[SongRow]:
    ids = Like.objects.filter(user=user, song__hidden=False).order_by("-created_at", "-pk")
    return songs_in_order(user, list(ids.values_list("song_id", flat=True)))


def starred_albums(user) -> list[AlbumRow]:
    ids = StarredAlbum.objects.filter(user=user).order_by("-created_at", "-pk")
    return albums_by_id(user, list(ids.values_list("album_id", flat=True)))


def starred_artists(user) -> list[Artist]:
    ids = StarredArtist.objects.filter(user=user).order_by("-created_at", "-pk")
    return artists_by_id(user, list(ids.values_list("artist_id", flat=True)))


def playlists(user) -> QuerySet[Playlist]:
    """Return the playlists this user may see, with their song count and length."""
    visible = Q(items__song__hidden=False)
    return (
        playlists_visible_to(user)
        .select_related("owner")
        .annotate(
            song_count=Count("items", filter=visible),
            total_duration=Sum("items__song__duration", filter=visible),
        )
        .order_by("-updated_at", "-id")
    )


def playlist(user, playlist_id: int) -> Playlist | None:
    return playlists(user).filter(pk=playlist_id).first()


def playlist_songs(user, playlist: Playlist) -> list[SongRow]:
    """Return a playlist's published songs in order (a song may appear twice)."""
    items = PlaylistItem.objects.filter(playlist=playlist).order_by("position", "id")
    return songs_in_order(user, list(items.values_list("song_id", flat=True)))


def now_playing() -> list[NowPlaying]:
    """Return what every listener's players are playing now, newest first."""
    now = timezone.now()
    entries = NowPlaying.objects.filter(
        started_at__gte=now - NOW_PLAYING_HORIZON, song__hidden=False
    ).select_related("user", "song")
    return [
        entry
        for entry in entries
        if entry.started_at + timedelta(seconds=entry.song.duration) + NOW_PLAYING_SLACK >= now
    ]


def play_queue(user) -> tuple[PlayQueue | None, list[SongRow]]:
    queue = PlayQueue.objects.filter(user=user).first()
    if queue is None:
        return None, []
    entries = queue.entries.order_by("position", "id").values_list("song_id", flat=True)
    return queue, songs_in_order(user, list(entries))


def cover_for(kind: str, pk: int) -> Cover | None:
    """Return the cover of an album, song, artist (their newest album's) or playlist."""
    if kind == "al":
        return Cover.objects.filter(albums__pk=pk).first()
    if kind == "tr":
        found = (
            Song.objects.filter(pk=pk, hidden=False).select_related("cover", "album__cover").first()
        )
        if found is None:
            return None
        return found.cover or (found.album.cover if found.album else None)
    if kind == "ar":
        return (
            Cover.objects.filter(albums__album_artist_id=pk)
            .order_by("-albums__year", "albums__pk")
            .first()
        )
    if kind == "pl":
        first = (
            PlaylistItem.objects.filter(
                playlist_id=pk, song__hidden=False, song__album__cover__isnull=False
            )
            .order_by("position", "id")
            .select_related("song__album__cover")
            .first()
        )
        return first.song.album.cover if first else None
    return None


def scan_status() -> tuple[bool, int]:
    """Tell whether ingest jobs are waiting or running, and how many songs are published."""
    busy = IngestJob.objects.filter(
        status__in=[IngestJob.Status.PENDING, IngestJob.Status.RUNNING]
    ).exists()
    return busy, Song.objects.filter(hidden=False).count()
