"""Search the catalogue: one engine for the pages, the REST API and the Subsonic API.

Each song carries a normalised search document (`search_title`, `search_text`: lower case, no
accents, no punctuation) that `refresh_search_text` rebuilds whenever a song, its artists, its
album or its genres change. Every word of those documents is also kept once in `SearchWord`,
the lexicon where typo tolerance looks for near spellings of each query word.

On PostgreSQL a generated `search_vector` column (title words weighted A, the rest B) answers
the query through a GIN full-text index: each query word matches as a prefix ("neo" finds
"neon") or as one of its near spellings found in the lexicon through a trigram GIN index and
an edit-distance check ("rian" finds "rain"); a trigram GIN index on the title adds substring
matches. SQLite, the embedded default, scans the same normalised columns with LIKE instead.
Either way songs whose title holds every query word come first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Collate, Length

from catalog.models import Album, Artist, Genre, SearchWord, Song, name_key

MAX_QUERY_WORDS = 8
MIN_WORD = 3  # shorter words are too common to keep in the lexicon
MIN_TYPO_WORD = 4  # shorter query words match as prefixes only
NEAR_SPELLINGS = 4  # near spellings tried per query word
BATCH = 2000
MAX_RESULTS = 200  # a search answers at most this many songs, the best ones
MAX_NAME_RESULTS = 50  # and at most this many artists or albums

_NOT_WORD = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['’`]")


def normalise(text: str) -> str:
    """Return text as search compares it: lower case, accent- and punctuation-free words."""
    folded = text.lower() if text.isascii() else name_key(text)  # ASCII needs no unaccenting
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", folded)).split())


def query_words(query: str) -> list[str]:
    """Split a query into its distinct normalised words, in order, at most MAX_QUERY_WORDS."""
    return list(dict.fromkeys(normalise(query).split()))[:MAX_QUERY_WORDS]


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- keeping the search documents up to date ------------------------------------------------


def song_document(
    title: str, artists: Iterable[str], album: str, album_artist: str, genres: Iterable[str]
) -> tuple[str, str]:
    """Return a song's (search_title, search_text) from its names."""
    names = [title, *artists, album, album_artist, *genres]
    words = dict.fromkeys(normalise(" ".join(name for name in names if name)).split())
    return normalise(title)[:255], " ".join(words)


def refresh_search_text(song_ids: Iterable[int] | None = None) -> int:
    """Recompute the search document of these songs (every song when None); return how many."""
    ids = (
        list(Song.objects.order_by("pk").values_list("pk", flat=True))
        if song_ids is None
        else sorted(set(song_ids))
    )
    for start in range(0, len(ids), BATCH):
        _refresh_batch(ids[start : start + BATCH])
    return len(ids)


def refresh_search_text_for(
    artist_ids: Iterable[int] = (), album_ids: Iterable[int] = (), genre_ids: Iterable[int] = ()
) -> int:
    """Recompute the documents of every song that names these artists, albums or genres."""
    artist_ids, album_ids, genre_ids = list(artist_ids), list(album_ids), list(genre_ids)
    touching = Q(pk__in=[])
    if artist_ids:
        touching |= Q(artists__in=artist_ids) | Q(artist__in=artist_ids)
        touching |= Q(album__album_artist__in=artist_ids)
    if album_ids:
        touching |= Q(album__in=album_ids)
    if genre_ids:
        touching |= Q(genres__in=genre_ids)
    ids = Song.objects.filter(touching).values_list("pk", flat=True).distinct()
    return refresh_search_text(list(ids))


def refresh_search_for(instance: Song | Artist | Album | Genre) -> int:
    """Recompute the documents a saved song, artist, album or genre feeds (after an edit)."""
    if isinstance(instance, Song):
        return refresh_search_text([instance.pk])
    kind = {Artist: "artist_ids", Album: "album_ids", Genre: "genre_ids"}[type(instance)]
    return refresh_search_text_for(**{kind: [instance.pk]})


def _refresh_batch(ids: list[int]) -> None:
    songs = (
        Song.objects.filter(pk__in=ids)
        .select_related("album__album_artist")
        .prefetch_related("artists", "genres")
        .only(
            "pk",
            "title",
            "search_title",
            "search_text",
            "album__title",
            "album__album_artist__name",
        )
    )
    changed, words = [], set()
    for song in songs:
        album = song.album
        document = song_document(
            song.title,
            [artist.name for artist in song.artists.all()],
            album.title if album else "",
            album.album_artist.name if album else "",
            [genre.name for genre in song.genres.all()],
        )
        words.update(word for word in document[1].split() if MIN_WORD <= len(word) <= 100)
        if document != (song.search_title, song.search_text):
            song.search_title, song.search_text = document
            changed.append(song)
    Song.objects.bulk_update(changed, ["search_title", "search_text"], batch_size=500)
    add_search_words(words)


def forget_near_spellings() -> None:
    """Drop the near spellings remembered for recent queries (the lexicon changed)."""
    _recent_near.clear()


def add_search_words(words: Iterable[str]) -> None:
    """Add words to the lexicon that typo tolerance searches (already known ones are kept)."""
    forget_near_spellings()
    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in sorted(set(words))],
        ignore_conflicts=True,
        batch_size=5000,
    )


# --- near spellings ---------------------------------------------------------------------------


def allowed_typos(word: str) -> int:
    """Return how many edits a query word may be off by: none under 4 letters, 2 from 7."""
    if len(word) < MIN_TYPO_WORD:
        return 0
    return 1 if len(word) < 7 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Return the edit distance counting a swap of neighbours as one (limit + 1 when over)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# Near spellings of one query word: trigram neighbours (the GIN index on the lexicon) and words
# of a similar length with the same initial within two edits (the btree on initial and length).
_NEAR_SQL = """
(SELECT %(word)s, word FROM catalog_searchword WHERE word %% %(word)s)
UNION ALL
(SELECT %(word)s, word FROM catalog_searchword
 WHERE left(word, 1) = left(%(word)s, 1)
   AND length(word) BETWEEN length(%(word)s) - 2 AND length(%(word)s) + 2
   AND levenshtein_less_equal(word, %(word)s, 2) <= 2)
"""


_recent_near: dict[tuple[str, ...], tuple[float, dict[str, list[str]]]] = {}
NEAR_MEMORY_SECONDS = 5.0  # one page searches songs, artists and albums for the same words


def near_spellings(words: list[str]) -> dict[str, list[str]]:
    """Return, for each query word, the lexicon words a typo away from it, closest first."""
    wanted = tuple(word for word in words if allowed_typos(word))
    if not wanted:
        return {}
    now = time.monotonic()
    remembered = _recent_near.get(wanted)
    if remembered and now - remembered[0] < NEAR_MEMORY_SECONDS:
        return remembered[1]
    if len(_recent_near) > 256:
        _recent_near.clear()
    near = _near_spellings(list(wanted))
    _recent_near[wanted] = (now, near)
    return near


def _near_spellings(wanted: list[str]) -> dict[str, list[str]]:
    if _is_postgres():
        sql = " UNION ALL ".join(
            _NEAR_SQL.replace("%(word)s", f"%(w{index})s") for index in range(len(wanted))
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {f"w{index}": word for index, word in enumerate(wanted)})
            candidates = cursor.fetchall()
    else:
        lengths = [len(word) for word in wanted]
        pool = SearchWord.objects.annotate(length=Length("word")).filter(
            length__gte=min(lengths) - 2, length__lte=max(lengths) + 2
        )
        candidates = [
            (word, other) for other in pool.values_list("word", flat=True) for word in wanted
        ]
    near: dict[str, list[tuple[int, str]]] = {}
    for word, other in candidates:
        limit = allowed_typos(word)
        distance = edit_distance(word, other, limit)
        if 0 < distance <= limit:
            near.setdefault(word, []).append((distance, other))
    return {
        word: [other for _, other in sorted(found)[:NEAR_SPELLINGS]] for word, found in near.items()
    }


# --- PostgreSQL expressions -------------------------------------------------------------------


class _VectorMatches(Expression):
    """`search_vector @@ to_tsquery('simple', query)` on the songs' own table."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__()
        self.tsquery = tsquery

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.base_table)
        return f"{table}.search_vector @@ to_tsquery('simple', %s)", [self.tsquery]


class _VectorRank(_VectorMatches):
    """`ts_rank(search_vector, to_tsquery('simple', query))`: weighs title words above others."""

    output_field = FloatField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.base_table)
        return f"ts_rank({table}.search_vector, to_tsquery('simple', %s))", [self.tsquery]


def _flag(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _contains_word(field: str, word: str) -> Q:
    """Match a word inside a normalised field: anywhere from 3 letters, else at a word start."""
    if len(word) >= MIN_WORD:
        return Q(**{f"{field}__contains": word})
    return Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f" {word}"})


def _like_any(field: str, alternatives: list[str]) -> Q:
    match = Q()
    for alternative in alternatives:
        match |= _contains_word(field, alternative)
    return match


# --- songs, artists, albums -------------------------------------------------------------------


def search_songs(query: str, songs: QuerySet[Song] | None = None) -> QuerySet[Song]:
    """Return published songs matching the query, best first (title matches first).

    Typo, prefix, accent and case tolerant. An empty query returns the songs unchanged, for
    the caller to order; songs defaults to catalog.queries.song_list(). The ranking runs now,
    over the songs given (filter them before, not after), and keeps the best MAX_RESULTS; the
    queryset returned holds those, in rank order.
    """
    if songs is None:
        from catalog.queries import song_list

        songs = song_list()
    words = query_words(query)
    if not words:
        return songs
    # Titles that start with the query come first, straight from the title index in title
    # order; only when they are too few is the whole catalogue ranked for the rest. Either way
    # the ranking runs on the songs table alone and keeps ids: the joins a song row needs then
    # run for the best few only, and counting or paging the results stays cheap.
    phrase = " ".join(words)
    best = list(songs_titled(phrase, songs))
    if len(phrase) >= MIN_WORD and len(best) < MAX_RESULTS:
        rest = song_ranking(query, songs.exclude(pk__in=best))
        best += list(rest[: MAX_RESULTS - len(best)])
    return songs.filter(pk__in=best).order_by(_in_order(best), "pk")


def songs_titled(phrase: str, songs: QuerySet[Song]) -> QuerySet:
    """Return the lazy query of the ids of songs whose title starts with a normalised phrase."""
    title = Collate("search_title", "C") if _is_postgres() else F("search_title")
    return (
        songs.alias(title_c=title)
        .filter(title_c__startswith=phrase)
        .order_by("title_c", "pk")
        .values_list("pk", flat=True)[:MAX_RESULTS]
    )


def song_ranking(query: str, songs: QuerySet[Song]) -> QuerySet | None:
    """Return the lazy query of the best matching song ids, best first (None for no words)."""
    words = query_words(query)
    if not words:
        return None
    near = near_spellings(words)
    alternatives = [[word, *near.get(word, [])] for word in words]
    ranking = _postgres_ranking if _is_postgres() else _sqlite_ranking
    match, tiers = ranking(words, alternatives)
    order = [*(F(name).desc() for name in tiers), Length("search_title"), "pk"]
    return (
        songs.alias(**tiers)
        .filter(match)
        .order_by(*order)
        .values_list("pk", flat=True)[:MAX_RESULTS]
    )


def _in_order(ids: list[int]):
    """Return an ordering expression that sorts rows as the ids are listed."""
    if not ids:
        return F("pk")
    if _is_postgres():
        from django.contrib.postgres.fields import ArrayField

        return Func(
            Value(ids, output_field=ArrayField(IntegerField())),
            F("pk"),
            function="array_position",
            output_field=IntegerField(),
        )
    return Case(
        *(When(pk=pk, then=Value(position)) for position, pk in enumerate(ids)),
        output_field=IntegerField(),
    )


# Words so common that matching them reads a large part of the index for nothing; a query
# made only of them still uses them.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "de",
        "del",
        "der",
        "des",
        "die",
        "das",
        "du",
        "el",
        "en",
        "et",
        "for",
        "in",
        "la",
        "le",
        "les",
        "of",
        "on",
        "or",
        "the",
        "to",
        "und",
        "y",
    ]
)


def _postgres_ranking(words, alternatives) -> tuple[Q, dict]:
    """Return the full-text match and the ranking tiers, best first, on PostgreSQL."""
    telling = [group for group in alternatives if group[0] not in STOP_WORDS] or alternatives
    matching = " & ".join(
        "(" + " | ".join([f"{word}:*", *others]) + ")" for word, *others in telling
    )
    near_title = " & ".join(
        "(" + " | ".join([f"{word}:*A", *(f"{other}:A" for other in others)]) + ")"
        for word, *others in alternatives
    )
    in_title = " & ".join(f"{word}:*A" for word in words)
    everywhere = " & ".join(f"{word}:*" for word in words)
    phrase = " ".join(words)
    match = Q(_VectorMatches(matching))
    if len(words) == 1 and len(phrase) >= MIN_WORD:
        # A fragment from inside a word ("eon" in "Neon"), through the titles' trigram index;
        # longer queries find their words by prefix and cost one index fewer.
        match |= Q(search_title__contains=phrase)
    return match, {
        "title_start": _flag(Q(search_title__startswith=phrase)),
        "title_words": _flag(Q(_VectorMatches(in_title))),
        "near_title": _flag(Q(_VectorMatches(near_title))),
        "all_words": _flag(Q(_VectorMatches(everywhere))),
        "relevance": _VectorRank(matching),
    }


def _sqlite_ranking(words, alternatives) -> tuple[Q, dict]:
    """Return the LIKE match and the ranking tiers, best first, on SQLite."""
    match, title_words, near_title, all_words = Q(), Q(), Q(), Q()
    for word, *others in alternatives:
        match &= _like_any("search_text", [word, *others])
        title_words &= _contains_word("search_title", word)
        near_title &= _like_any("search_title", [word, *others])
        all_words &= _contains_word("search_text", word)
    return match, {
        "title_start": _flag(Q(search_title__startswith=" ".join(words))),
        "title_words": _flag(title_words),
        "near_title": _flag(near_title),
        "all_words": _flag(all_words),
    }


def _name_search(items: QuerySet, query: str, fields: list[str]) -> QuerySet:
    """Filter items whose normalised names hold every query word (or a near spelling)."""
    words = query_words(query)
    if not words:
        return items
    near = near_spellings(words)
    match, exact = Q(), Q()
    for word in words:
        for_word = Q()
        for field in fields:
            for_word |= _like_any(field, [word, *near.get(word, [])])
        match &= for_word
        exact &= _contains_word(fields[0], word)
    return items.filter(match).alias(
        starts=_flag(Q(**{f"{fields[0]}__startswith": words[0]})), exact=_flag(exact)
    )


def search_artists(query: str, artists: QuerySet[Artist] | None = None) -> QuerySet[Artist]:
    """Return artists with published songs whose name matches the query, best first.

    artists defaults to catalog.queries.artist_list(); an empty query returns it unchanged.
    The best MAX_NAME_RESULTS are ranked on the bare artists table, so the song counts the
    list shows are counted for those only.
    """
    if artists is None:
        from catalog.queries import artist_list

        artists = artist_list()
    if not query_words(query):
        return artists
    best = list(
        _name_search(Artist.objects.all(), query, ["name_key"])
        .filter(Exists(Song.objects.filter(artists=OuterRef("pk"), hidden=False)))
        .order_by(F("starts").desc(), F("exact").desc(), Length("name_key"), "pk")
        .values_list("pk", flat=True)[:MAX_NAME_RESULTS]
    )
    return artists.filter(pk__in=best).order_by(_in_order(best), "pk")


def search_albums(query: str, albums: QuerySet[Album] | None = None) -> QuerySet[Album]:
    """Return albums with published songs whose title or artist matches the query, best first.

    albums defaults to catalog.queries.album_list(); an empty query returns it unchanged.
    Ranked like search_artists.
    """
    if albums is None:
        from catalog.queries import album_list

        albums = album_list()
    if not query_words(query):
        return albums
    best = list(
        _name_search(Album.objects.all(), query, ["title_key", "album_artist__name_key"])
        .filter(Exists(Song.objects.filter(album=OuterRef("pk"), hidden=False)))
        .order_by(F("starts").desc(), F("exact").desc(), Length("title_key"), "pk")
        .values_list("pk", flat=True)[:MAX_NAME_RESULTS]
    )
    return albums.filter(pk__in=best).order_by(_in_order(best), "pk")


def search_genres(query: str) -> QuerySet[Genre]:
    """Return genres whose name matches the query."""
    words = query_words(query)
    genres = Genre.objects.all()
    for word in words:
        genres = genres.filter(name_key__contains=word)
    return genres
