"""Reads for Subsonic apps: the catalogue with each listener's stars, ratings and play counts.

Every song, album and artist list is built in a fixed number of queries, whatever its length:
the per-user state rides along as correlated subqueries, evaluated only for the rows returned.
"""

import hashlib
import logging
import random
from datetime import timedelta

from django.core.cache import cache
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from catalog.models import Album, Artist, Cover, Genre, IngestJob, Song, SongArtist
from catalog.queries import ALBUM_TRACK_ORDER
from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem
from playlists.queries import playlists_visible_to
from subsonic.models import NowPlaying, PlayQueue, StarredAlbum, StarredArtist

logger = logging.getLogger(__name__)

NOW_PLAYING_SLACK = timedelta(minutes=5)
NOW_PLAYING_HORIZON = timedelta(hours=2)
CATALOGUE_CACHE_SECONDS = 300


def catalogue_version() -> str:
    """Return a token that changes whenever songs or albums come or go (three index lookups).

    Whole-catalogue summaries (genres, the artist index, alphabetical album orders) are cached
    under it, so an app paging through them costs one computation per catalogue change; other
    edits (a song hidden by a curator) show within CATALOGUE_CACHE_SECONDS.
    """
    latest = [
        model.objects.order_by("-pk").values_list("pk", flat=True).first()
        for model in (Song, Album, IngestJob)
    ]
    return ".".join(str(pk or 0) for pk in latest)


def _cached(name: str, compute):
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    key = f"subsonic:{digest}:{catalogue_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CATALOGUE_CACHE_SECONDS)
    return value


def _count(queryset: QuerySet, group: str) -> Subquery:
    """Count a correlated queryset's rows as a subquery (0 when there are none)."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def songs_for(user, songs: QuerySet[Song] | None = None) -> QuerySet[Song]:
    """Return published songs, each with `starred_at`, `user_rating` and `play_count` for user.

    Credited artists and genres are not prefetched as model instances: callers pass the songs
    they load through with_credits(), two flat queries, which costs far less per row.
    """
    if songs is None:
        songs = Song.objects.filter(hidden=False).select_related("artist", "album__album_artist")
    return songs.annotate(
        starred_at=Subquery(
            Like.objects.filter(user=user, song=OuterRef("pk")).values("created_at")[:1]
        ),
        user_rating=Subquery(
            Rating.objects.filter(user=user, song=OuterRef("pk")).values("stars")[:1]
        ),
        play_count=_count(Play.objects.filter(user=user, song=OuterRef("pk")), "song"),
    )


def with_credits(songs: list[Song]) -> list[Song]:
    """Attach each song's credited artists (`credits`) and genre names (`genre_names`)."""
    ids = [song.pk for song in songs]
    credits: dict[int, list[tuple[int, str]]] = {pk: [] for pk in ids}
    rows = (
        SongArtist.objects.filter(song_id__in=ids)
        .order_by("song_id", "position", "pk")
        .values_list("song_id", "artist_id", "artist__name")
    )
    for song_id, artist_id, name in rows:
        credits[song_id].append((artist_id, name))
    genre_names: dict[int, list[str]] = {pk: [] for pk in ids}
    tagged = (
        Song.genres.through.objects.filter(song_id__in=ids)
        .order_by("song_id", Lower("genre__name"), "genre_id")
        .values_list("song_id", "genre__name")
    )
    for song_id, name in tagged:
        genre_names[song_id].append(name)
    for song in songs:
        song.credits, song.genre_names = credits[song.pk], genre_names[song.pk]
    return songs


def song(user, song_id: int) -> Song | None:
    found = songs_for(user).filter(pk=song_id).first()
    return with_credits([found])[0] if found else None


def songs_by_id(user, ids: list[int]) -> dict[int, Song]:
    return {found.pk: found for found in with_credits(list(songs_for(user).filter(pk__in=ids)))}


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


def albums_for(user) -> QuerySet[Album]:
    """Return albums that have published songs, with counts, length, genre and user state."""
    in_album = _published_in_album()
    return (
        Album.objects.select_related("album_artist", "cover")
        .filter(Exists(in_album))
        .annotate(
            song_count=_count(in_album, "album"),
            total_duration=Subquery(
                in_album.order_by().values("album").annotate(d=Sum("duration")).values("d")
            ),
            genre_name=Subquery(
                Genre.objects.filter(songs__album=OuterRef("pk"), songs__hidden=False)
                .order_by(Lower("name"))
                .values("name")[:1]
            ),
            starred_at=Subquery(
                StarredAlbum.objects.filter(user=user, album=OuterRef("pk")).values("created_at")[
                    :1
                ]
            ),
            play_count=_count(
                Play.objects.filter(user=user, song__album=OuterRef("pk"), song__hidden=False),
                "song__album",
            ),
        )
    )


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
    if list_type in ("frequent", "recent", "highest"):
        source = Rating if list_type == "highest" else Play
        rows = source.objects.filter(user=user, song__hidden=False, song__album__isnull=False)
        if list_type == "frequent":
            rows = rows.values("song__album").annotate(key=Count("pk"))
        elif list_type == "recent":
            rows = rows.values("song__album").annotate(key=Max("played_at"))
        else:
            rows = rows.values("song__album").annotate(key=Avg("stars"))
        return rows.order_by("-key", "song__album").values_list("song__album", flat=True)
    if list_type == "alphabeticalByName":
        return _cached(
            "albums-by-name",
            lambda: list(albums.order_by(Lower("title"), "pk").values_list("pk", flat=True)),
        )
    if list_type == "alphabeticalByArtist":
        ordered = albums.order_by(Lower("album_artist__name"), Lower("title"), "pk")
        return _cached("albums-by-artist", lambda: list(ordered.values_list("pk", flat=True)))
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
        return _cached(
            f"albums-of-genre:{_key(genre)[:100]}",
            lambda: list(ordered.values_list("pk", flat=True)),
        )
    raise ValueError(list_type)


def album_list(
    user,
    list_type: str,
    *,
    offset: int = 0,
    size: int = 10,
    from_year: int | None = None,
    to_year: int | None = None,
    genre: str = "",
) -> list[Album]:
    """Return one page of a getAlbumList2 type, in that type's order."""
    if size <= 0:
        return []
    if list_type == "random":
        return random_albums(user, size)
    ordered = _album_order(user, list_type, from_year, to_year, genre)
    return albums_by_id(user, list(ordered[offset : offset + size]))


def albums_by_id(user, ids: list[int]) -> list[Album]:
    """Load albums with their counts and user state, in the order of the ids given."""
    found = {row.pk: row for row in albums_for(user).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def songs_in_order(user, ids: list[int]) -> list[Song]:
    """Load songs with their user state, in the order of the ids given."""
    found = {row.pk: row for row in with_credits(list(songs_for(user).filter(pk__in=ids)))}
    return [found[pk] for pk in ids if pk in found]


def artists_by_id(user, ids: list[int]) -> list[Artist]:
    found = {row.pk: row for row in artists_for(user).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _key(name: str) -> str:
    from catalog.models import name_key

    return name_key(name)


def album(user, album_id: int) -> Album | None:
    return albums_for(user).filter(pk=album_id).first()


def album_songs(user, album_id: int) -> list[Song]:
    """Return an album's published songs in disc and track order."""
    songs = songs_for(user).filter(album_id=album_id).order_by(*ALBUM_TRACK_ORDER)
    return with_credits(list(songs))


def credited_artists() -> QuerySet[Artist]:
    """Return artists credited on at least one published song, bare."""
    credited = SongArtist.objects.filter(artist=OuterRef("pk"), song__hidden=False)
    return Artist.objects.filter(Exists(credited))


def artists_for(user) -> QuerySet[Artist]:
    """Return artists credited on published songs, with album count, a cover and user state."""
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
                StarredArtist.objects.filter(user=user, artist=OuterRef("pk")).values("created_at")[
                    :1
                ]
            ),
        )
        .order_by(Lower("name"), "pk")
    )


def artist(user, artist_id: int) -> Artist | None:
    return artists_for(user).filter(pk=artist_id).first()


def artist_albums(user, artist_id: int) -> list[Album]:
    """Return the albums an artist is the album artist of, newest year first."""
    return list(
        albums_for(user)
        .filter(album_artist_id=artist_id)
        .order_by(F("year").desc(nulls_last=True), Lower("title"), "pk")
    )


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
    ids = list(ranked)
    found = {row.pk: row for row in artists_for(user).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


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


def songs_by_genre(user, genre: str, offset: int, count: int) -> list[Song]:
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

    Draw random ids between the smallest and largest id (two index lookups) and keep those the
    queryset holds; a few rounds fill most requests. Only what is still missing after that
    (a sparse filter, a small catalogue) falls back to ORDER BY random().
    """
    if size <= 0:
        return []
    bounds = queryset.model.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None:
        return []
    chosen: list[int] = []
    draw = max(size * 4, 50)
    for _ in range(SAMPLE_ROUNDS):
        candidates = {random.randint(low, high) for _ in range(draw)} - set(chosen)
        found = list(queryset.filter(pk__in=candidates).values_list("pk", flat=True))
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
) -> list[Song]:
    """Return up to `size` random published songs, optionally of a genre and years."""
    songs = Song.objects.filter(hidden=False)
    if genre:
        songs = songs.filter(genres__name_key=_key(genre))
    if from_year is not None:
        songs = songs.filter(year__gte=from_year)
    if to_year is not None:
        songs = songs.filter(year__lte=to_year)
    return songs_in_order(user, random_ids(songs, size))


def random_albums(user, size: int) -> list[Album]:
    return albums_by_id(user, random_ids(published_albums(), size))


def top_songs(user, artist_name: str, count: int) -> list[Song]:
    """Return an artist's most played songs (by everyone), then their newest."""
    plays = _count(Play.objects.filter(song=OuterRef("pk")), "song")
    ranked = (
        songs_for(user)
        .filter(artist__name_key=_key(artist_name))
        .annotate(total_plays=plays)
        .order_by("-total_plays", "-created_at", "-pk")[:count]
    )
    return with_credits(list(ranked))


def similar_songs(user, song_id: int, count: int) -> list[Song]:
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
        songs_for(user)
        .filter(Q(artist_id=seed["artist_id"]) | Q(genres__in=genre_ids))
        .exclude(pk=song_id)
        .distinct()
        .order_by("?")[:count]
    )
    return with_credits(list(picked))


def search_songs(query: str) -> QuerySet[Song]:
    """Find songs with the catalogue's search engine; an empty query is the whole catalogue."""
    from catalog.search import search_songs as engine

    return engine(query)


def search_albums(query: str) -> QuerySet[Album]:
    from catalog.search import search_albums as engine

    return engine(query)


def search_artists(query: str) -> QuerySet[Artist]:
    from catalog.search import search_artists as engine

    return engine(query)


def search(user, query: str, *, songs: tuple[int, int], albums: tuple[int, int], artists) -> dict:
    """Return a page of each kind for search3: (count, offset) per kind.

    An empty query pages through the whole catalogue in id order, for offline sync: each page's
    ids come from the primary key index, then only those rows are loaded.
    """
    query = " ".join(query.replace('"', " ").split())
    if query in ("", "*"):
        song_ids = Song.objects.filter(hidden=False).order_by("pk")
        album_ids = published_albums().order_by("pk")
        artist_ids = credited_artists().order_by("pk")
    else:
        song_ids, album_ids = search_songs(query), search_albums(query)
        artist_ids = search_artists(query)
    return {
        "songs": songs_in_order(user, _page_ids(song_ids, songs)),
        "albums": albums_by_id(user, _page_ids(album_ids, albums)),
        "artists": artists_by_id(user, _page_ids(artist_ids, artists)),
    }


def _page_ids(matches: QuerySet, window: tuple[int, int]) -> list[int]:
    count, offset = window
    if count <= 0:
        return []
    return list(matches.values_list("pk", flat=True)[offset : offset + count])


def starred_songs(user) -> list[Song]:
    ids = Like.objects.filter(user=user, song__hidden=False).order_by("-created_at", "-pk")
    return songs_in_order(user, list(ids.values_list("song_id", flat=True)))


def starred_albums(user) -> list[Album]:
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


def playlist_songs(user, playlist: Playlist) -> list[Song]:
    """Return a playlist's published songs in order (a song may appear twice)."""
    items = (
        PlaylistItem.objects.filter(playlist=playlist, song__hidden=False)
        .order_by("position", "id")
        .prefetch_related(Prefetch("song", queryset=songs_for(user)))
    )
    return with_credits([item.song for item in items])


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


def play_queue(user) -> tuple[PlayQueue | None, list[Song]]:
    queue = PlayQueue.objects.filter(user=user).first()
    if queue is None:
        return None, []
    entries = (
        queue.entries.filter(song__hidden=False)
        .order_by("position", "id")
        .prefetch_related(Prefetch("song", queryset=songs_for(user)))
    )
    return queue, with_credits([entry.song for entry in entries])


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
