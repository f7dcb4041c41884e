"""Reads for browsing (by tags and by folders): indexes, an artist's albums, an album's songs,
genres, similar and top songs."""

import logging

from django.db.models import Count, F, Max, OuterRef, Q
from django.db.models.functions import Lower

from catalog.models import Album, Artist, Genre, Song, SongArtist, name_key
from catalog.queries import ALBUM_TRACK_ORDER
from library.models import Play
from library.queries import artist_ratings, artists_starred_at
from subsonic.queries.albums import AlbumRow, albums_by_id
from subsonic.queries.artists import artists_by_id
from subsonic.queries.catalogue import (
    cached,
    count_of,
    listed_artists,
    published,
    published_albums,
)
from subsonic.queries.songs import SongRow, song_rows, songs_in_order
from subsonic.sorting import sort_key

logger = logging.getLogger(__name__)


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

    return cached("genres", compute)


def index_artists(user) -> list[Artist]:
    """Return every listed artist by sort key with the user's star and rating (getIndexes).

    The index's Artist carries no album count or cover (the schema gives those to ArtistID3),
    so none is computed: the sorted names are cached, the user's marks read each time.
    """
    names = cached("artist-names", _sorted_artist_names)
    return _with_marks(user, [(*row, None, None) for row in names])


def artist_index(user) -> list[Artist]:
    """Return every listed artist by sort key (accents and leading articles ignored) with album
    count, a cover and the user's star and rating (getArtists).

    The catalogue part is one aggregate, cached; only the user's marks are read each time.
    """

    def compute() -> list[tuple[int, str, str, str, int, int | None]]:
        albums = (
            published_albums()
            .order_by()
            .values("album_artist_id")
            .annotate(count=Count("pk"), cover=Max("cover_id"))
        )
        summary = {row["album_artist_id"]: (row["count"], row["cover"]) for row in albums}
        return [(*row, *summary.get(row[0], (0, None))) for row in _sorted_artist_names()]

    return _with_marks(user, cached("artist-index", compute))


def _sorted_artist_names() -> list[tuple[int, str, str, str]]:
    return sorted(
        listed_artists().values_list("pk", "name", "sort_name", "musicbrainz_id"),
        key=lambda row: (sort_key(row[2] or row[1]), row[1].casefold(), row[0]),
    )


def _with_marks(user, rows: list[tuple]) -> list[Artist]:
    starred, ratings = artists_starred_at(user), artist_ratings(user)
    artists = []
    for pk, name, sort_name, mbid, album_count, cover_id in rows:
        artist = Artist(pk=pk, name=name, sort_name=sort_name, musicbrainz_id=mbid)
        artist.album_count, artist.cover_id = album_count, cover_id
        artist.starred_at, artist.user_rating = starred.get(pk), ratings.get(pk)
        artists.append(artist)
    return artists


def artist_albums(user, artist_id: int) -> list[AlbumRow]:
    """Return the albums an artist is the album artist of, newest year first."""
    ordered = Album.objects.filter(album_artist_id=artist_id).order_by(
        F("year").desc(nulls_last=True), Lower("title"), "pk"
    )
    return albums_by_id(user, list(ordered.values_list("pk", flat=True)))


def album_songs(user, album_id: int) -> list[SongRow]:
    """Return an album's published songs in disc and track order."""
    return song_rows(user, published().filter(album_id=album_id).order_by(*ALBUM_TRACK_ORDER))


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


def top_songs(user, artist_name: str, count: int) -> list[SongRow]:
    """Return an artist's most played songs (by everyone), then their newest."""
    plays = count_of(Play.objects.filter(song=OuterRef("pk")), "song")
    ranked = (
        published()
        .filter(artist__name_key=name_key(artist_name))
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
