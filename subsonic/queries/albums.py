"""Albums with published songs as rows of plain values, with the caller's star and plays."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, DateTimeField, IntegerField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Lower

from catalog.models import Album, Song
from catalog.prepared import PreparedQuery, one_of
from library.models import AlbumRating, Play, StarredAlbum
from subsonic.queries.songs import PLAYED, RATED, STARRED


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
    sort_title: str
    is_compilation: bool
    release_date: str
    original_release_date: str
    record_labels: str
    release_types: str
    musicbrainz_id: str
    song_count: int = 0
    total_duration: float = 0.0
    genre_name: str | None = None
    starred_at: datetime | None = None
    user_rating: int | None = None
    play_count: int = 0
    played_at: datetime | None = None


ALBUM_COLUMNS = (
    "pk",
    "title",
    "album_artist_id",
    "album_artist__name",
    "year",
    "cover_id",
    "created_at",
    "sort_title",
    "is_compilation",
    "release_date",
    "original_release_date",
    "record_labels",
    "release_types",
    "musicbrainz_id",
)


def album_rows(
    user, ids: list[int], *, play_counts: dict[int, int] | None = None
) -> dict[int, AlbumRow]:
    """Load the albums with these ids that have published songs, by id, in three flat queries:
    the albums with their songs' count and length, their first genre, the user's stars, ratings
    and plays.

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
    state = _ALBUM_STATE if play_counts is None else _ALBUM_MARKS
    for kind, album_id, moment, number in state.rows(ids=list(found), user=user.pk):
        if kind == STARRED:
            found[album_id].starred_at = moment
        elif kind == RATED:
            found[album_id].user_rating = number
        else:
            found[album_id].play_count, found[album_id].played_at = number, moment
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


def _album_marks(ids, user) -> QuerySet:
    """The user's stars and ratings of these albums, in one query."""
    no_number = Value(None, output_field=IntegerField())
    stars = (
        StarredAlbum.objects.filter(one_of("album_id", ids), user_id=user)
        .annotate(kind=Value(STARRED), number=no_number)
        .values_list("kind", "album_id", "created_at", "number")
        .order_by()
    )
    ratings = (
        AlbumRating.objects.filter(one_of("album_id", ids), user_id=user)
        .annotate(kind=Value(RATED), moment=Value(None, output_field=DateTimeField()))
        .values_list("kind", "album_id", "moment", "stars")
        .order_by()
    )
    return stars.union(ratings, all=True).order_by()


def _album_state(ids, user) -> QuerySet:
    """The user's stars and ratings of these albums and plays of their published songs, in one
    query."""
    plays = (
        Play.objects.filter(one_of("song__album_id", ids), user_id=user, song__hidden=False)
        .values("song__album_id")
        .annotate(
            kind=Value(PLAYED),
            moment=Max("played_at"),
            number=Count("pk"),
        )
        .order_by()
        .values_list("kind", "song__album_id", "moment", "number")
    )
    return _album_marks(ids, user).union(plays, all=True).order_by()


_ALBUM_VALUES = PreparedQuery(_album_values)


_ALBUM_GENRES = PreparedQuery(_album_genres)


_ALBUM_MARKS = PreparedQuery(_album_marks)


_ALBUM_STATE = PreparedQuery(_album_state)


def albums_by_id(
    user, ids: list[int], *, play_counts: dict[int, int] | None = None
) -> list[AlbumRow]:
    """Load albums with their counts and user state, in the order of the ids given."""
    found = album_rows(user, ids, play_counts=play_counts)
    return [found[pk] for pk in ids if pk in found]


def album(user, album_id: int) -> AlbumRow | None:
    return album_rows(user, [album_id]).get(album_id)
