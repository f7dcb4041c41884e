"""The words search compares: normalised text, query words, and the lexicon of every word the
search documents hold, where typo tolerance finds near spellings and completions."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Case,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Length

from catalog.batch import insert_rows
from catalog.models import SearchWord, name_key
from catalog.prepared import Slot, contains, starts_with

MAX_QUERY_WORDS = 8
# A query is read up to MAX_QUERY_CHARS characters, each word up to MAX_WORD_CHARS (longer than
# any word of a title): the rest of a 2 MB query is dropped before it costs anything.
MAX_QUERY_CHARS = 256
MAX_WORD_CHARS = 40
MIN_WORD = 3  # shorter words are too common to keep in the lexicon
MIN_TYPO_WORD = 4  # shorter query words match as prefixes only
NEAR_SPELLINGS = 4  # near spellings tried per query word


_NOT_WORD = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['’`]")


def normalise(text: str) -> str:
    """Return text as search compares it: lower case, accent- and punctuation-free words."""
    folded = text.lower() if text.isascii() else name_key(text)  # ASCII needs no unaccenting
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", folded)).split())


def clip_query(query: str) -> str:
    """Return the part of a query search reads: MAX_QUERY_CHARS, words cut at MAX_WORD_CHARS."""
    return " ".join(word[:MAX_WORD_CHARS] for word in query[:MAX_QUERY_CHARS].split())


def query_words(query: str) -> list[str]:
    """Split a query into its distinct normalised words, in order, at most MAX_QUERY_WORDS."""
    words = (word[:MAX_WORD_CHARS] for word in normalise(clip_query(query)).split())
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def forget_near_spellings() -> None:
    """Drop what the lexicon said of recent queries (near spellings, completions)."""
    _recent_near.clear()


def add_search_words(words: Iterable[str]) -> None:
    """Add words to the lexicon that typo tolerance searches (already known ones are kept)."""
    forget_near_spellings()
    insert_rows(
        SearchWord, ["word"], [(word,) for word in sorted(set(words))], ignore_conflicts=True
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
    if is_postgres():
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


# --- matching words in normalised columns ---------------------------------------------------


def flag(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def contains_word(field: str, word: str) -> Q:
    """Match a word inside a normalised field: anywhere from 3 letters, else at a word start."""
    return word_in(field, word, len(word) >= MIN_WORD)


def word_in(field: str, word: str | Slot, anywhere: bool) -> Q:
    """contains_word for a word or a prepared query's Slot (whose length the caller knows)."""
    if anywhere:
        return contains(field, word)
    spaced = Slot(word.name, fill=lambda text: f" {text}") if isinstance(word, Slot) else f" {word}"
    return starts_with(field, word) | contains(field, spaced)


def like_any(field: str, alternatives: list[str]) -> Q:
    match = Q()
    for alternative in alternatives:
        match |= contains_word(field, alternative)
    return match
