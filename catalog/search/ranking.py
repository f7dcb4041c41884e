"""Songs: the best matches of a query, best first, on PostgreSQL (full text, ranked in a pool)
or SQLite (LIKE over the same normalised columns)."""

from __future__ import annotations

import functools

from django.db.models import (
    BooleanField,
    Expression,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Collate, Length

from catalog.models import Song, among_ids
from catalog.prepared import PreparedQuery, contains, one_of, starts_with
from catalog.queries import song_list
from catalog.search.lexicon import (
    MIN_WORD,
    STOP_WORDS,
    LexiconMatch,
    contains_word,
    flag,
    is_postgres,
    lexicon_match,
    like_any,
    near_spellings,
    normalise,
    query_words,
    word_in,
)

MAX_RESULTS = 200  # a search answers at most this many songs, the best ones
CANDIDATES = 1000  # full-text matches of a broad query ranked on PostgreSQL (and title matches)
# ... within a genre (search_songs' holding): its matches are a fraction of the catalogue's, so
# fewer of them cover as much; on the bench's searches the first page kept 96% of its songs.
NARROWED_CANDIDATES = 500


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
        title = Collate("search_title", "C") if is_postgres() else F("search_title")
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
    title = Collate("search_title", "C") if is_postgres() else F("search_title")
    starts = Q()
    for phrase in [phrases] if isinstance(phrases, str) else phrases:
        starts |= Q(title_c__startswith=phrase)
    return (
        songs.alias(title_c=title)
        .filter(starts)
        .order_by("title_c", "pk")
        .values_list("pk", flat=True)[:MAX_RESULTS]
    )


def songs_holding(query: str, songs: QuerySet[Song]) -> QuerySet[Song]:
    """Return every one of the songs whose search document holds each query word as the start
    of a word (in the title, an artist, the album or a genre), unranked and uncapped: what a
    curator filters by. PostgreSQL finds them through the full-text index; SQLite scans. A
    query of no words matches none."""
    words = query_words(query)
    if not words:
        return songs.none()
    if is_postgres():
        return songs.filter(_VectorMatches(" & ".join(f"{word}:*" for word in words)))
    holds_all = Q()
    for word in words:
        holds_all &= word_in("search_text", word, anywhere=False)
    return songs.filter(holds_all)


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
        if is_postgres():
            return _postgres_pool_ranking(None, words, alternatives, lexicon, excluded)
    if excluded:
        songs = songs.exclude(among_ids(excluded, songs.db_vendor))
    if not is_postgres():
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
        holds &= like_any("search_title", [word for word in group if len(word) >= MIN_WORD])
    return holds


# Words so common that matching them reads a large part of the index for nothing; a query
# made only of them still uses them.
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
        "complete": flag(Q(_VectorMatches(terms["matching"]))),
        "title_start": flag(starts_with("search_title", terms["phrase"])),
        "title_words": flag(Q(_VectorMatches(terms["in_title"]))),
        "near_title": flag(Q(_VectorMatches(terms["near_title"]))),
        "all_words": flag(Q(_VectorMatches(terms["everywhere"]))),
        "relevance": _VectorRank(terms["matching"]),
    }


def _sqlite_ranking(words, alternatives) -> tuple[Q, dict]:
    """Return the LIKE match and the ranking tiers, best first, on SQLite."""
    match, title_words, near_title, all_words = Q(), Q(), Q(), Q()
    for word, *others in alternatives:
        match &= like_any("search_text", [word, *others])
        title_words &= contains_word("search_title", word)
        near_title &= like_any("search_title", [word, *others])
        all_words &= contains_word("search_text", word)
    return match, {
        "title_start": flag(Q(search_title__startswith=" ".join(words))),
        "title_words": flag(title_words),
        "near_title": flag(near_title),
        "all_words": flag(all_words),
    }
