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

import functools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Collate, Length

from catalog.models import Album, Artist, Genre, SearchWord, Song, among_ids, name_key
from catalog.prepared import PreparedQuery, Slot, contains, one_of, starts_with

MAX_QUERY_WORDS = 8
MIN_WORD = 3  # shorter words are too common to keep in the lexicon
MIN_TYPO_WORD = 4  # shorter query words match as prefixes only
NEAR_SPELLINGS = 4  # near spellings tried per query word
BATCH = 2000
MAX_RESULTS = 200  # a search answers at most this many songs, the best ones
MAX_NAME_RESULTS = 50  # and at most this many artists or albums
# Artists or albums ranked before the check that they have published songs, which then runs
# for these only (a hidden song is rare; checking every match of "orch" is not).
NAME_CANDIDATES = 4 * MAX_NAME_RESULTS
CANDIDATES = 1000  # full-text matches of a broad query ranked on PostgreSQL (and title matches)
# ... within a genre (search_songs' holding): its matches are a fraction of the catalogue's, so
# fewer of them cover as much; on the bench's searches the first page kept 96% of its songs.
NARROWED_CANDIDATES = 500

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
    """Drop what the lexicon said of recent queries (near spellings, completions)."""
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
(SELECT %(word)s, word, 'near' FROM catalog_searchword WHERE word %% %(word)s)
UNION ALL
(SELECT %(word)s, word, 'near' FROM catalog_searchword
 WHERE left(word, 1) = left(%(word)s, 1)
   AND length(word) BETWEEN length(%(word)s) - 2 AND length(%(word)s) + 2
   AND levenshtein_less_equal(word, %(word)s, 2) <= 2)
"""
# The words a query word starts (the lexicon's pattern index), for spelling a prefix out.
_COMPLETIONS_SQL = """
(SELECT %(word)s, word, 'completion' FROM catalog_searchword WHERE word LIKE %(pattern)s
 ORDER BY word LIMIT %(limit)s)
"""


@dataclass(frozen=True)
class LexiconMatch:
    """What the lexicon knows of some query words.

    near: the words a typo away from each, closest first; known: those that are whole words;
    completions (PostgreSQL): the words each starts, or None when there are too many.
    """

    near: dict[str, list[str]]
    known: frozenset[str]
    completions: dict[str, list[str] | None] = field(default_factory=dict)


_recent_near: dict[tuple[str, ...], tuple[float, LexiconMatch]] = {}
NEAR_MEMORY_SECONDS = 5.0  # one page searches songs, artists and albums for the same words
# A prefix in a full-text query (`sun:*`) makes the GIN index gather every lexeme it starts
# into a bitmap first; the same words listed (`sun | suns`) let it skip through their posting
# lists: 3 ms instead of 30 for "midnight sun" at a million songs. Up to this many words.
MAX_COMPLETIONS = 50


def near_spellings(words: list[str]) -> dict[str, list[str]]:
    """Return, for each query word, the lexicon words a typo away from it, closest first."""
    return lexicon_match(words).near


def lexicon_match(words: list[str]) -> LexiconMatch:
    """Look the query words of 3 letters or more up in the lexicon, in one query.

    Remembered a few seconds: a search page asks for songs, artists and albums in turn.
    """
    wanted = tuple(word for word in words if len(word) >= MIN_WORD)
    if not wanted:
        return LexiconMatch({}, frozenset())
    now = time.monotonic()
    remembered = _recent_near.get(wanted)
    if remembered and now - remembered[0] < NEAR_MEMORY_SECONDS:
        return remembered[1]
    if len(_recent_near) > 256:
        _recent_near.clear()
    found = _lexicon_match(list(wanted))
    _recent_near[wanted] = (now, found)
    return found


def _lexicon_match(wanted: list[str]) -> LexiconMatch:
    typos = [word for word in wanted if allowed_typos(word)]
    completions: dict[str, list[str]] = {}
    if _is_postgres():
        legs, params = [], {"limit": MAX_COMPLETIONS + 1}
        for index, word in enumerate(typos):
            legs.append(_NEAR_SQL.replace("%(word)s", f"%(w{index})s"))
            params[f"w{index}"] = word
        for index, word in enumerate(wanted):
            legs.append(
                _COMPLETIONS_SQL.replace("%(word)s", f"%(c{index})s").replace(
                    "%(pattern)s", f"%(p{index})s"
                )
            )
            params.update({f"c{index}": word, f"p{index}": f"{word}%"})
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(legs), params)
            rows = cursor.fetchall()
        candidates = [(word, other) for word, other, kind in rows if kind == "near"]
        for word, other, kind in rows:
            if kind == "completion":
                completions.setdefault(word, []).append(other)
    else:
        lengths = [len(word) for word in typos] or [0]
        pool = SearchWord.objects.annotate(length=Length("word")).filter(
            length__gte=min(lengths) - 2, length__lte=max(lengths) + 2
        )
        candidates = (
            [(word, other) for other in pool.values_list("word", flat=True) for word in typos]
            if typos
            else []
        )
    near: dict[str, list[tuple[int, str]]] = {}
    known = set()
    for word, other in set(candidates):  # both index legs may find the same word
        limit = allowed_typos(word)
        distance = edit_distance(word, other, limit)
        if distance == 0:
            known.add(word)
        elif distance <= limit:
            near.setdefault(word, []).append((distance, other))
    closest = {
        word: [other for _, other in sorted(found)[:NEAR_SPELLINGS]] for word, found in near.items()
    }
    spelled: dict[str, list[str] | None] = {
        word: (found if len(found) <= MAX_COMPLETIONS else None)
        for word, found in completions.items()
    }
    return LexiconMatch(closest, frozenset(known), spelled)


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
    return _word_in(field, word, len(word) >= MIN_WORD)


def _word_in(field: str, word: str | Slot, anywhere: bool) -> Q:
    """_contains_word for a word or a prepared query's Slot (whose length the caller knows)."""
    if anywhere:
        return contains(field, word)
    spaced = Slot(word.name, fill=lambda text: f" {text}") if isinstance(word, Slot) else f" {word}"
    return starts_with(field, word) | contains(field, spaced)


def _like_any(field: str, alternatives: list[str]) -> Q:
    match = Q()
    for alternative in alternatives:
        match |= _contains_word(field, alternative)
    return match


# --- songs, artists, albums -------------------------------------------------------------------


def search_songs(
    query: str, songs: QuerySet[Song] | None = None, *, holding: str = ""
) -> QuerySet[Song]:
    """Return published songs matching the query, best first (title matches first).

    Typo, prefix, accent and case tolerant. An empty query returns the songs unchanged, for
    the caller to order; songs defaults to catalog.queries.song_list(). The ranking runs now,
    over the songs given (filter them before, not after), and keeps the best MAX_RESULTS; the
    queryset returned holds those, in rank order.

    holding: words that the search document of every song given holds (the name of the genre
    they were filtered by). On PostgreSQL the full-text index then narrows by them before any
    row is read: a broad query within a genre read ten times the rows it kept.
    """
    from catalog.queries import song_list

    everything = song_list() if songs is None else songs
    if not query_words(query):
        return everything
    return everything.in_ranked_order(song_ids(query, songs, holding=holding))


def song_ids(query: str, songs: QuerySet[Song] | None = None, *, holding: str = "") -> list[int]:
    """Return the ids of the best MAX_RESULTS songs matching the query, best first.

    songs (filter them before) defaults to every published song, searched through prepared
    queries (catalog.prepared); a query of no words finds none. What search_songs ranks, for
    callers that load the rows their own way; holding as in search_songs.
    """
    words = query_words(query)
    if not words:
        return []
    songs = _unless_catalogue(songs)
    # Titles that start with the query come first, straight from the title index in title
    # order, then titles that start with it once its typos are mended ("vevlet gh" finds
    # "Velvet Ghost..."); only when they are too few is the catalogue ranked for the rest.
    # Either way the ranking keeps ids: the joins a song row needs then run for one page only,
    # and counting or paging the results stays cheap.
    phrase = " ".join(words)
    best = _titled_ids([phrase], songs, [])
    if len(phrase) >= MIN_WORD and len(best) < MAX_RESULTS:
        mended = mended_phrases(words)
        if mended:
            best += _titled_ids(mended, songs, best)[: MAX_RESULTS - len(best)]
    if len(phrase) >= MIN_WORD and len(best) < MAX_RESULTS:
        best += _ranked_ids(query, songs, best, holding)[: MAX_RESULTS - len(best)]
    return best


def _titled_ids(phrases: list[str], songs: QuerySet[Song] | None, excluded: list[int]):
    """Return the ids of songs (None: every published one) whose title starts with a phrase,
    in title order, leaving the excluded out."""
    if songs is None:
        slots = {f"p{index}": phrase for index, phrase in enumerate(phrases)}
        return [pk for (pk,) in _titled_query(len(phrases)).rows(excluded=excluded, **slots)]
    if excluded:
        songs = songs.exclude(among_ids(excluded, songs.db_vendor))
    return list(songs_titled(phrases, songs))


@functools.cache
def _titled_query(phrases: int) -> PreparedQuery:
    """The prepared songs_titled of every published song, for this many phrases."""

    def build(excluded, **phrases):
        title = Collate("search_title", "C") if _is_postgres() else F("search_title")
        starts = Q()
        for name in sorted(phrases):
            starts |= starts_with("title_c", phrases[name])
        return (
            Song.objects.filter(hidden=False)
            .alias(title_c=title)
            .filter(starts)
            .exclude(one_of("pk", excluded))
            .order_by("title_c", "pk")
            .values_list("pk")[:MAX_RESULTS]
        )

    return PreparedQuery(build)


MAX_MENDED_PHRASES = 8


def mended_phrases(words: list[str]) -> list[str]:
    """Return the query read with each typo replaced by a near spelling, closest first."""
    near = near_spellings(words)
    if not near:
        return []
    phrases = [[]]
    for word in words:
        choices = near.get(word, [])[:2] or [word]
        phrases = [[*phrase, choice] for phrase in phrases for choice in choices]
    return [" ".join(phrase) for phrase in phrases[:MAX_MENDED_PHRASES]]


def songs_titled(phrases: str | list[str], songs: QuerySet[Song]) -> QuerySet:
    """Return the lazy query of the ids of songs whose title starts with a normalised phrase."""
    title = Collate("search_title", "C") if _is_postgres() else F("search_title")
    starts = Q()
    for phrase in [phrases] if isinstance(phrases, str) else phrases:
        starts |= Q(title_c__startswith=phrase)
    return (
        songs.alias(title_c=title)
        .filter(starts)
        .order_by("title_c", "pk")
        .values_list("pk", flat=True)[:MAX_RESULTS]
    )


def song_ranking(query: str, songs: QuerySet[Song]) -> list[int]:
    """Return the ids of the best matching songs, best first (none for a query of no words)."""
    return _ranked_ids(query, _unless_catalogue(songs), [])


def _unless_catalogue(songs: QuerySet[Song] | None) -> QuerySet[Song] | None:
    """Return None for songs that are every published song, else the songs.

    The pages and the API search song_list() (annotated with the listener's state, ordered),
    which the prepared queries over the whole catalogue serve without building a query; any
    further filter (a genre, a year, liked) keeps the queryset, searched through the ORM.
    """
    if songs is None:
        return None
    query = songs.query
    whole = (
        songs.db == "default"
        and not query.is_sliced
        and not query.combinator
        and query.where == _published_where()
    )
    return None if whole else songs


@functools.cache
def _published_where():
    return Song.objects.filter(hidden=False).query.where


def _ranked_ids(
    query: str, songs: QuerySet[Song] | None, excluded: list[int], holding: str = ""
) -> list[int]:
    """Rank the songs (None: every published one, through a prepared query) but the excluded;
    holding as in search_songs."""
    words = query_words(query)
    if not words:
        return []
    lexicon = lexicon_match(words)
    alternatives = _alternatives(words, lexicon)
    if songs is None:
        songs = Song.objects.filter(hidden=False)
        if _is_postgres():
            return _postgres_pool_ranking(None, words, alternatives, lexicon, excluded)
    if excluded:
        songs = songs.exclude(among_ids(excluded, songs.db_vendor))
    if not _is_postgres():
        match, tiers = _sqlite_ranking(words, alternatives)
        order = [*(F(name).desc() for name in tiers), Length("search_title"), "pk"]
        ranked = songs.alias(**tiers).filter(match).order_by(*order)
        return list(ranked.values_list("pk", flat=True)[:MAX_RESULTS])
    return _postgres_pool_ranking(songs, words, alternatives, lexicon, holding=holding)


def _alternatives(words: list[str], lexicon: LexiconMatch) -> list[list[str]]:
    """Return each query word followed by its near spellings."""
    return [[word, *lexicon.near.get(word, [])] for word in words]


def song_ranking_query(query: str, songs: QuerySet[Song]) -> QuerySet:
    """Return the PostgreSQL query of song_ranking's first pool (ids and tiers), to EXPLAIN."""
    words = query_words(query)
    lexicon = lexicon_match(words)
    terms = _ranking_terms(words, _alternatives(words, lexicon), lexicon)
    match, tiers = _ranking_conditions(terms, _fragment(words))
    return _ranking_pool(songs.filter(match), tiers)


def _ranking_pool(songs: QuerySet[Song], tiers: dict, candidates: int | None = None) -> QuerySet:
    """Return at most CANDIDATES matching rows of (id, *tiers, title length), unordered."""
    columns = ["pk", *tiers, "title_length"]
    annotated = songs.order_by().annotate(**tiers, title_length=Length("search_title"))
    return annotated.values_list(*columns)[: candidates or CANDIDATES]


@functools.cache
def _pool_query(fragment: bool, candidates: int) -> PreparedQuery:
    """The prepared first pool of _postgres_pool_ranking over every published song."""

    def build(excluded, **terms):
        match, tiers = _ranking_conditions(terms, fragment)
        published = Song.objects.filter(hidden=False).exclude(one_of("pk", excluded))
        return _ranking_pool(published.filter(match), tiers, candidates)

    return PreparedQuery(build)


def _postgres_pool_ranking(
    songs: QuerySet[Song] | None,
    words,
    alternatives,
    lexicon,
    excluded: list[int] = (),
    holding: str = "",
) -> list[int]:
    """Return the best song ids of a bounded pool of matches, best first.

    A broad query ("love", an artist with thousands of songs) matches tens of thousands of
    rows, and ranking them all costs a heap read and a ts_rank each; so the ranking reads the
    first CANDIDATES the full-text index matches (in table order) and sorts them by tier. The
    best of a broad query mostly came before, from the title index (as typed and as mended).
    When the full text finds few and a word is a mere fragment, songs whose title holds each
    word ("neo rain" for "Neon Rain"; the titles' trigram index) join the pool.

    songs None: every published song but the excluded, the first pool through a prepared query.
    holding (songs given): words every song given holds, which the full-text index matches too.
    """
    terms = _ranking_terms(words, alternatives, lexicon)
    fragment = _fragment(words)
    match, tiers = _ranking_conditions(terms, fragment)
    if songs is None:
        rows = _pool_query(fragment, CANDIDATES).rows(excluded=list(excluded), **terms)
        songs = Song.objects.filter(hidden=False)
        if excluded:
            songs = songs.exclude(among_ids(excluded, songs.db_vendor))
    else:
        held, candidates = normalise(holding).split(), CANDIDATES
        if held:
            # In the one tsquery, so the index intersects the words' postings with it. A
            # fragment's title matches are left to the title stage below: the trigram index
            # would find thousands of titles for the genre to drop.
            match = Q(_VectorMatches(" & ".join([f"({terms['indexed']})", *held])))
            candidates = NARROWED_CANDIDATES
        rows = list(_ranking_pool(songs.filter(match), tiers, candidates))
    if terms["indexed"] != terms["matching"]:
        rows = [row for row in rows if row[1]]  # the "complete" tier: every word matched
    in_title = _title_holds(alternatives, lexicon)
    if len(rows) < MAX_RESULTS and in_title is not None:
        known = {row[0] for row in rows}
        rows += [row for row in _ranking_pool(songs.filter(in_title), tiers) if row[0] not in known]
    # Every tier but the title length is "more is better"; ties go to the lower id.
    rows.sort(key=lambda row: (*(-value for value in row[1:-1]), row[-1], row[0]))
    return [row[0] for row in rows[:MAX_RESULTS]]


def _title_holds(alternatives: list[list[str]], lexicon: LexiconMatch) -> Q | None:
    """Return the title condition the trigram index answers: each telling word or a near one.

    None when the full text already read every word: each is a whole word of the lexicon or
    has near spellings. Only a fragment ("neo", "eon") is left for the titles' trigrams, which
    cost up to 80 ms for five common words.
    """
    telling = [
        group for group in alternatives if group[0] not in STOP_WORDS and len(group[0]) >= MIN_WORD
    ]
    if all(group[0] in lexicon.known or len(group) > 1 for group in telling):
        return None
    holds = Q()
    for group in telling:
        holds &= _like_any("search_title", [word for word in group if len(word) >= MIN_WORD])
    return holds


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


def _ranking_terms(words, alternatives, lexicon: LexiconMatch) -> dict[str, str]:
    """Return the full-text queries of the ranking on PostgreSQL, and the phrase, by name.

    A word matches as a prefix when it is the last one (still being typed) or no whole word
    of the lexicon (cut short: "golden harb tide"); a prefix makes the index read every word
    it starts, where a known whole word is one posting list; so a prefix that starts few
    lexicon words is spelled out as those words (see MAX_COMPLETIONS).
    """
    prefixes = {word for word in words if word not in lexicon.known} | {words[-1]}
    spelled = {word: lexicon.completions.get(word) for word in prefixes}

    def term(word: str, weight: str = "") -> str:
        suffix = f":{weight}" if weight else ""
        if spelled.get(word):
            return "(" + " | ".join(f"{whole}{suffix}" for whole in spelled[word]) + ")"
        if word in prefixes:
            return f"{word}:*{weight}"
        return f"{word}{suffix}"

    def any_of(groups) -> str:
        return " & ".join("(" + " | ".join([term(word), *others]) + ")" for word, *others in groups)

    telling = [group for group in alternatives if group[0] not in STOP_WORDS] or alternatives
    # A prefix of one or two letters ("wave of the c") starts thousands of lexicon words, and
    # the index would gather them all (50 ms): the index looks for the other words, and the
    # rows it finds are kept only when they match it too.
    wide = [group for group in telling if len(group[0]) < MIN_WORD and not spelled.get(group[0])]
    wide = [group for group in wide if group[0] in prefixes]
    narrow = [group for group in telling if group not in wide]
    return {
        "matching": any_of(telling),
        "indexed": any_of(narrow or telling),
        "near_title": " & ".join(
            "(" + " | ".join([term(word, "A"), *(f"{other}:A" for other in others)]) + ")"
            for word, *others in alternatives
        ),
        "in_title": " & ".join(term(word, "A") for word in words),
        "everywhere": " & ".join(term(word) for word in words),
        "phrase": " ".join(words),
    }


def _fragment(words: list[str]) -> bool:
    """Tell whether a query also matches inside title words ("eon" in "Neon"): one word only;
    longer queries find their words by prefix and cost one index fewer."""
    return len(words) == 1 and len(words[0]) >= MIN_WORD


def _ranking_conditions(terms: dict, fragment: bool) -> tuple[Q, dict]:
    """Return the full-text match and the ranking tiers, best first, on PostgreSQL, from the
    terms of _ranking_terms (or Slots for them, in a prepared query)."""
    match = Q(_VectorMatches(terms["indexed"]))
    if fragment:  # through the titles' trigram index
        match |= contains("search_title", terms["phrase"])
    return match, {
        "complete": _flag(Q(_VectorMatches(terms["matching"]))),
        "title_start": _flag(starts_with("search_title", terms["phrase"])),
        "title_words": _flag(Q(_VectorMatches(terms["in_title"]))),
        "near_title": _flag(Q(_VectorMatches(terms["near_title"]))),
        "all_words": _flag(Q(_VectorMatches(terms["everywhere"]))),
        "relevance": _VectorRank(terms["matching"]),
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


def _ranked_name_ids(model, query: str, field: str, artist_field: str | None = None):
    """Return the ids of the NAME_CANDIDATES items whose normalised name (or artist, by
    artist_field) best holds every query word, best first (see _NAME_ORDER).

    Each word may also match by a near spelling. The artist side is looked up first on the
    artists' own trigram index, so each word's match is one index condition on the items'
    table (a name pattern or an artist id list), never an OR across a join. The query is
    prepared once per shape: per word, its spellings' lengths and whether artists matched.
    """
    words = query_words(query)
    near = near_spellings(words)
    telling = [word for word in words if word not in STOP_WORDS] or words
    alternatives = {word: [word, *near.get(word, [])] for word in telling}
    # A word of one or two letters names too many artists to list; it matches the name only.
    wide = {word: spellings for word, spellings in alternatives.items() if len(word) >= MIN_WORD}
    credited = _artists_named(wide) if artist_field and wide else {}
    shape, values = [], {"first": words[0]}
    for index, (word, spellings) in enumerate(alternatives.items()):
        shape.append((tuple(len(spelling) >= MIN_WORD for spelling in spellings), word in credited))
        values.update({f"w{index}_{n}": spelling for n, spelling in enumerate(spellings)})
        if word in credited:
            values[f"a{index}"] = credited[word]
    prepared = _name_query(model, field, artist_field, tuple(shape))
    return [pk for (pk,) in prepared.rows(**values)]


@functools.lru_cache(maxsize=256)
def _name_query(model, field: str, artist_field: str | None, shape: tuple) -> PreparedQuery:
    """The prepared ranking of _ranked_name_ids for one shape of query."""

    def build(first, **values):
        match, exact, near_name = Q(), Q(), Q()
        for index, (anywhere, credited) in enumerate(shape):
            spellings = [(values[f"w{index}_{n}"], wide) for n, wide in enumerate(anywhere)]
            in_name = Q()
            for spelling, wide in spellings:
                in_name |= _word_in(field, spelling, wide)
            for_word = in_name | one_of(artist_field, values[f"a{index}"]) if credited else in_name
            match &= for_word
            exact &= _word_in(field, *spellings[0])
            near_name &= in_name
        ranked = model.objects.filter(match).alias(
            starts=_flag(starts_with(field, first)),
            exact=_flag(exact),
            near_name=_flag(near_name),
        )
        ranked = ranked.order_by(*_NAME_ORDER, Length(field), "pk")
        return ranked.values_list("pk")[:NAME_CANDIDATES]

    return PreparedQuery(build)


# Names that start with the first word, then hold every word as typed, then every word or a
# near spelling of it (the rest matched through their artist), then shorter names.
_NAME_ORDER = (F("starts").desc(), F("exact").desc(), F("near_name").desc())


def _artists_named(alternatives: dict[str, list[str]]) -> dict[str, list[int]]:
    """Return, for each query word, the ids of the artists whose name holds it or a near one."""
    spellings = [spelling for group in alternatives.values() for spelling in group]
    wide = tuple(len(spelling) >= MIN_WORD for spelling in spellings)
    values = {f"s{n}": spelling for n, spelling in enumerate(spellings)}
    found: dict[str, list[int]] = {}
    for pk, name in _artists_named_query(wide).rows(**values):
        for word, group in alternatives.items():
            if any(_holds_word(name, spelling) for spelling in group):
                found.setdefault(word, []).append(pk)
    return found


@functools.lru_cache(maxsize=64)
def _artists_named_query(wide: tuple[bool, ...]) -> PreparedQuery:
    """The prepared lookup of _artists_named for spellings of these lengths."""

    def build(**values):
        every = Q()
        for n, anywhere in enumerate(wide):
            every |= _word_in("name_key", values[f"s{n}"], anywhere)
        return Artist.objects.filter(every).values_list("pk", "name_key")

    return PreparedQuery(build)


def _holds_word(text: str, word: str) -> bool:
    """Tell whether a normalised text matches a word as _contains_word does in SQL."""
    if len(word) >= MIN_WORD:
        return word in text
    return text.startswith(word) or f" {word}" in text


# Which of the best-named artists and albums have published songs (prepared: see
# catalog.prepared; they run for every search page).
_CREDITED_ARTISTS = PreparedQuery(
    lambda ids: Artist.objects.filter(
        Exists(Song.objects.filter(artists=OuterRef("pk"), hidden=False)), one_of("pk", ids)
    ).values_list("pk")
)
_ALBUMS_WITH_TRACKS = PreparedQuery(
    lambda ids: Album.objects.filter(
        Exists(Song.objects.filter(album=OuterRef("pk"), hidden=False)), one_of("pk", ids)
    ).values_list("pk")
)


def search_artists(query: str, artists: QuerySet[Artist] | None = None) -> QuerySet[Artist]:
    """Return artists with published songs whose name matches the query, best first.

    artists defaults to catalog.queries.artist_list(); an empty query returns it unchanged.
    The ranking (artist_ids) runs on the bare artists table, so the song counts the list
    shows are counted for the best MAX_NAME_RESULTS only.
    """
    if artists is None:
        from catalog.queries import artist_list

        artists = artist_list()
    if not query_words(query):
        return artists
    return artists.in_ranked_order(artist_ids(query))


def artist_ids(query: str) -> list[int]:
    """Return the ids of the best MAX_NAME_RESULTS artists with published songs for a query."""
    if not query_words(query):
        return []
    top = _ranked_name_ids(Artist, query, "name_key")
    published = {pk for (pk,) in _CREDITED_ARTISTS.rows(ids=top)} if top else set()
    return [pk for pk in top if pk in published][:MAX_NAME_RESULTS]


def search_albums(query: str, albums: QuerySet[Album] | None = None) -> QuerySet[Album]:
    """Return albums with published songs whose title or artist matches the query, best first.

    albums defaults to catalog.queries.album_list(); an empty query returns it unchanged.
    Ranked like search_artists (album_ids).
    """
    if albums is None:
        from catalog.queries import album_list

        albums = album_list()
    if not query_words(query):
        return albums
    return albums.in_ranked_order(album_ids(query))


def album_ids(query: str) -> list[int]:
    """Return the ids of the best MAX_NAME_RESULTS albums with published songs for a query."""
    if not query_words(query):
        return []
    top = _ranked_name_ids(Album, query, "title_key", "album_artist_id")
    published = {pk for (pk,) in _ALBUMS_WITH_TRACKS.rows(ids=top)} if top else set()
    return [pk for pk in top if pk in published][:MAX_NAME_RESULTS]


def search_genres(query: str) -> QuerySet[Genre]:
    """Return genres whose name matches the query."""
    words = query_words(query)
    genres = Genre.objects.all()
    for word in words:
        genres = genres.filter(name_key__contains=word)
    return genres
