"""Artists, albums and genres: the best matches of a query by name (an album also by its
artist's)."""

from __future__ import annotations

import functools

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Length

from catalog.models import Album, Artist, Genre, Song
from catalog.prepared import PreparedQuery, one_of, starts_with
from catalog.queries import album_list, artist_list
from catalog.search.lexicon import MIN_WORD, STOP_WORDS, flag, near_spellings, query_words, word_in

MAX_NAME_RESULTS = 50  # a search answers at most this many artists or albums
# Artists or albums ranked before the check that they have published songs, which then runs
# for these only (a hidden song is rare; checking every match of "orch" is not).
NAME_CANDIDATES = 4 * MAX_NAME_RESULTS


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
                in_name |= word_in(field, spelling, wide)
            for_word = in_name | one_of(artist_field, values[f"a{index}"]) if credited else in_name
            match &= for_word
            exact &= word_in(field, *spellings[0])
            near_name &= in_name
        ranked = model.objects.filter(match).alias(
            starts=flag(starts_with(field, first)),
            exact=flag(exact),
            near_name=flag(near_name),
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
            every |= word_in("name_key", values[f"s{n}"], anywhere)
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
