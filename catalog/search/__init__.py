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

The package: `lexicon` (normalised words, near spellings), `documents` (each song's search
document), `ranking` (songs), `names` (artists, albums, genres); `search_catalogue` asks all of
them at once for the pages.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from catalog.models import Album, Artist, Song
from catalog.search.documents import (
    BATCH,
    refresh_search_for,
    refresh_search_text,
    refresh_search_text_for,
    song_document,
)
from catalog.search.lexicon import (
    MAX_COMPLETIONS,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    MAX_WORD_CHARS,
    MIN_TYPO_WORD,
    MIN_WORD,
    NEAR_MEMORY_SECONDS,
    NEAR_SPELLINGS,
    LexiconMatch,
    add_search_words,
    allowed_typos,
    clip_query,
    edit_distance,
    forget_near_spellings,
    lexicon_match,
    near_spellings,
    normalise,
    query_words,
)
from catalog.search.names import (
    MAX_NAME_RESULTS,
    NAME_CANDIDATES,
    album_ids,
    artist_ids,
    search_albums,
    search_artists,
    search_genres,
)
from catalog.search.ranking import (
    CANDIDATES,
    MAX_MENDED_PHRASES,
    MAX_RESULTS,
    NARROWED_CANDIDATES,
    STOP_WORDS,
    mended_phrases,
    search_songs,
    song_ids,
    song_ranking,
    song_ranking_query,
    songs_holding,
    songs_titled,
)

__all__ = [
    "BATCH",
    "CANDIDATES",
    "MAX_COMPLETIONS",
    "MAX_MENDED_PHRASES",
    "MAX_NAME_RESULTS",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_WORDS",
    "MAX_RESULTS",
    "MAX_WORD_CHARS",
    "MIN_TYPO_WORD",
    "MIN_WORD",
    "NAME_CANDIDATES",
    "NARROWED_CANDIDATES",
    "NEAR_MEMORY_SECONDS",
    "NEAR_SPELLINGS",
    "STOP_WORDS",
    "CatalogueMatches",
    "LexiconMatch",
    "add_search_words",
    "album_ids",
    "allowed_typos",
    "artist_ids",
    "clip_query",
    "edit_distance",
    "forget_near_spellings",
    "lexicon_match",
    "mended_phrases",
    "near_spellings",
    "normalise",
    "query_words",
    "refresh_search_for",
    "refresh_search_text",
    "refresh_search_text_for",
    "search_albums",
    "search_artists",
    "search_catalogue",
    "search_genres",
    "search_songs",
    "song_document",
    "song_ids",
    "song_ranking",
    "song_ranking_query",
    "songs_holding",
    "songs_titled",
]


@dataclass(frozen=True)
class CatalogueMatches:
    """What a search of the catalogue found, a few of each kind."""

    query: str
    songs: list[Song]
    artists: list[Artist]
    albums: list[Album]

    def __bool__(self) -> bool:
        return bool(self.songs or self.artists or self.albums)


def search_catalogue(
    query: str, limit: int = 10, songs: QuerySet[Song] | None = None
) -> CatalogueMatches:
    """Find the best few songs, artists and albums for a query."""
    query = clip_query(query)
    if not query_words(query):
        return CatalogueMatches(query, [], [], [])
    return CatalogueMatches(
        query,
        list(search_songs(query, songs)[:limit]),
        list(search_artists(query)[:limit]),
        list(search_albums(query)[:limit]),
    )
