"""Reads for album and song lists: the getAlbumList2 types, random songs, songs of a genre,
starred items and what is playing now."""

import random
from collections.abc import Sequence

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, QuerySet
from django.db.models.functions import Lower

from catalog.models import Album, Artist, Song, name_key
from library.models import AlbumRating, Play, Rating, StarredAlbum
from library.queries import (
    now_playing,
    starred_album_ids,
    starred_artist_ids,
    starred_song_ids,
)
from subsonic.queries.albums import AlbumRow, albums_by_id
from subsonic.queries.artists import artists_by_id
from subsonic.queries.catalogue import cached, id_array, published_albums
from subsonic.queries.songs import SongRow, songs_in_order

__all__ = ["now_playing"]


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


def _album_order(user, list_type: str, from_year, to_year, genre: str) -> Sequence[int]:
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
        return _highest_rated_albums(user)
    if list_type == "alphabeticalByName":
        ordered = albums.order_by(Lower("title"), "pk")
        return cached("albums-by-name", lambda: id_array(ordered))
    if list_type == "alphabeticalByArtist":
        ordered = albums.order_by(Lower("album_artist__name"), Lower("title"), "pk")
        return cached("albums-by-artist", lambda: id_array(ordered))
    if list_type == "byYear":
        low, high = from_year or 0, to_year if to_year is not None else 9999
        if low <= high:
            ordered = albums.filter(year__gte=low, year__lte=high).order_by("year", "pk")
        else:
            ordered = albums.filter(year__gte=high, year__lte=low).order_by("-year", "pk")
        return ordered.values_list("pk", flat=True)
    if list_type == "byGenre":
        tagged = Song.objects.filter(
            album=OuterRef("pk"), hidden=False, genres__name_key=name_key(genre)
        )
        ordered = Album.objects.filter(Exists(tagged)).order_by(Lower("title"), "pk")
        return cached(f"albums-of-genre:{name_key(genre)[:100]}", lambda: id_array(ordered))
    raise ValueError(list_type)


def _highest_rated_albums(user) -> list[int]:
    """Return the ids of the user's rated albums, best first, ties by id.

    An album's own rating (setRating with an album id, as apps rate albums) is what orders it,
    as in Subsonic and Navidrome; an album never rated as a whole ranks by the average of its
    songs' ratings (the site rates songs). Both reads start from the user's own rows.
    """
    by_songs = (
        Rating.objects.filter(user=user, song__hidden=False, song__album__isnull=False)
        .values("song__album")
        .annotate(key=Avg("stars"))
        .values_list("song__album", "key")
    )
    own = (
        AlbumRating.objects.filter(user=user)
        .filter(Exists(Song.objects.filter(album=OuterRef("album_id"), hidden=False)))
        .values_list("album_id", "stars")
    )
    stars = {**dict(by_songs), **dict(own)}
    return sorted(stars, key=lambda album: (-stars[album], album))


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
        songs = songs.filter(genres__name_key=name_key(genre))
    if from_year is not None:
        songs = songs.filter(year__gte=from_year)
    if to_year is not None:
        songs = songs.filter(year__lte=to_year)
    return songs_in_order(user, random_ids(songs, size))


def random_albums(user, size: int) -> list[AlbumRow]:
    return albums_by_id(user, random_ids(published_albums(), size))


def songs_by_genre(user, genre: str, offset: int, count: int) -> list[SongRow]:
    """Return a page of a genre's published songs, newest first."""
    if count <= 0:
        return []
    ids = (
        Song.objects.filter(hidden=False, genres__name_key=name_key(genre))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    return songs_in_order(user, list(ids[offset : offset + count]))


def starred_songs(user) -> list[SongRow]:
    return songs_in_order(user, list(starred_song_ids(user)))


def starred_albums(user) -> list[AlbumRow]:
    return albums_by_id(user, list(starred_album_ids(user)))


def starred_artists(user) -> list[Artist]:
    return artists_by_id(user, list(starred_artist_ids(user)))
