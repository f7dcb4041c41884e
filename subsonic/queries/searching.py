"""Reads for search2/search3: a page of each kind from the search engine, or with an empty
query the whole catalogue in id order, for offline sync."""

from bisect import bisect_left

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import Mod, RowNumber

from catalog.models import SongArtist, name_key
from subsonic.queries.albums import albums_by_id
from subsonic.queries.artists import artists_by_id
from subsonic.queries.catalogue import (
    CATALOGUE_CACHE_SECONDS,
    cached,
    listed_artists,
    published,
    published_albums,
)
from subsonic.queries.songs import SongRow, songs_in_order


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
        artist_ids = listed_artists().order_by("pk")
    else:
        song_ids = engine.song_ids(query) if songs[0] > 0 else []
        song_page = songs_in_order(user, _page_ids(song_ids, songs))
        album_ids = engine.album_ids(query) if albums[0] > 0 else []
        artist_ids = [*engine.artist_ids(query), *album_only_artists(query)] if artists[0] else []
    return {
        "songs": song_page,
        "albums": albums_by_id(user, _page_ids(album_ids, albums)),
        "artists": artists_by_id(user, _page_ids(artist_ids, artists)),
    }


def album_only_artists(query: str) -> list[int]:
    """Return the artists with an album but no credited song ("Various Artists") whose name
    holds every word of the query, by name: the engine ranks credited artists only.

    There are few such artists; their names are cached per catalogue version.
    """

    def compute() -> list[tuple[int, str]]:
        credited = SongArtist.objects.filter(artist=OuterRef("pk"), song__hidden=False)
        only = listed_artists().exclude(Exists(credited)).order_by("name_key", "pk")
        return list(only.values_list("pk", "name_key"))

    words = name_key(query).split()
    if not words:
        return []
    return [pk for pk, key in cached("album-only-artists", compute) if all(w in key for w in words)]


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
