"""The songs a recommendation may offer and the facts scoring needs, read in one query.

Shared by the listener's recommendations (queries.py) and songs like a song (radio.py): reads
of songs bring the artist, album and year that scoring needs along with them, and content
similarity and popularity add the same small amounts in both.
"""

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, CharField, Q, QuerySet, Value
from django.db.models.functions import Cast

from catalog.models import Song
from recommendations import scoring
from recommendations.models import PopularSong

ARTIST_SONGS = 30
# What content similarity and popularity add, beside collaborative scores of about 0.1 to 2.
SAME_ALBUM, SAME_ARTIST, SHARED_GENRE, CLOSE_YEAR = 0.12, 0.08, 0.04, 0.02
POPULARITY_PRIOR = 0.05


@dataclass(slots=True)
class SongFacts:
    """What scoring knows of a published song; a seed's also names it and its genres."""

    artist_id: int
    album_id: int | None
    year: int | None
    title: str = ""
    artist_name: str = ""
    genres: dict[int, str] = field(default_factory=dict)


def read_seed_facts(song_ids) -> dict[int, SongFacts]:
    """Return the facts of these published songs with their names and genres, in one query."""
    facts: dict[int, SongFacts] = {}
    rows = (
        Song.objects.filter(pk__in=list(song_ids), hidden=False)
        .order_by()
        .values_list(
            "id", "title", "artist_id", "artist__name", "album_id", "year", "genres", "genres__name"
        )
    )
    for song_id, title, artist_id, artist_name, album_id, year, genre_id, genre_name in rows:
        fact = facts.get(song_id)
        if fact is None:
            fact = facts[song_id] = SongFacts(artist_id, album_id, year, title, artist_name)
        if genre_id is not None:
            fact.genres[genre_id] = genre_name
    return facts


@dataclass(frozen=True, slots=True)
class PopularPick:
    """A published song of a popular list: the genre's (genre_id set) or everyone's."""

    genre_id: int | None
    genre_name: str | None
    song_id: int
    rank: int


@dataclass
class CandidateSongs:
    """The published songs a recommendation may offer, with the facts scoring needs."""

    facts: dict[int, SongFacts]
    kin: list[int]  # songs of the seeds' artists or albums
    popular: list[PopularPick]


# The parts of read_candidates(), as its rows tag them.
NEIGHBOUR, KIN, POPULAR = range(3)
# A part without a popular list's columns: typed, so that PostgreSQL can unite the parts.
NO_GENRE = Cast(Value(None), BigIntegerField())
NO_NAME = Cast(Value(None), CharField())


def _union_all(*querysets: QuerySet) -> list[tuple]:
    """Run bounded reads of the same columns as one UNION ALL query: one round trip for all.

    QuerySet.union() refuses sliced or ordered parts on SQLite, so each part is wrapped in a
    subquery here. Rows come back as the database driver gives them: SQLite's times as text.
    """
    parts, params = [], []
    for queryset in querysets:
        try:
            sql, part_params = queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:  # a part filtered on an empty list of ids
            continue
        parts.append(f"SELECT * FROM ({sql}) AS part{len(parts)}")
        params.extend(part_params)
    if not parts:
        return []
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def read_candidates(
    neighbours,
    *,
    artists=(),
    albums=(),
    kin_limit: int = 0,
    genres=(),
    overall: bool = False,
) -> CandidateSongs:
    """Read, in one query, the published songs among these neighbours, up to kin_limit songs
    of these artists or albums, and the popular lists of these genres (and everyone's, overall).

    Each row brings the song's artist, album and year, so no candidate is looked up twice.
    """
    facts = ("id", "artist_id", "album_id", "year")
    lists = Q(genre_id__in=list(genres))
    if overall:
        lists |= Q(genre__isnull=True)
    rows = _union_all(
        Song.objects.filter(pk__in=list(neighbours), hidden=False)
        .order_by()
        .values_list(Value(NEIGHBOUR), *facts, NO_GENRE, NO_NAME, Value(0)),
        Song.objects.filter(Q(artist_id__in=list(artists)) | Q(album_id__in=list(albums)))
        .filter(hidden=False)
        .order_by()
        .values_list(Value(KIN), *facts, NO_GENRE, NO_NAME, Value(0))[:kin_limit],
        PopularSong.objects.filter(lists, song__hidden=False)
        .order_by("genre_id", "rank")
        .values_list(
            Value(POPULAR),
            "song_id",
            "song__artist_id",
            "song__album_id",
            "song__year",
            "genre_id",
            "genre__name",
            "rank",
        ),
    )
    found = CandidateSongs(facts={}, kin=[], popular=[])
    for kind, song_id, artist_id, album_id, year, genre_id, genre_name, rank in rows:
        found.facts[song_id] = SongFacts(artist_id, album_id, year)
        if kind == KIN:
            found.kin.append(song_id)
        elif kind == POPULAR:
            found.popular.append(PopularPick(genre_id, genre_name, song_id, rank))
    return found


def add_popularity(candidates: dict[int, scoring.Candidate], popular: list[PopularPick]) -> None:
    """Give popular songs a small prior and, when nothing else speaks for them, their reason."""
    # A genre's list speaks more of the listener than everyone's: it goes first.
    for pick in sorted(popular, key=lambda pick: pick.genre_id is None):
        entry = candidates.get(pick.song_id)
        if entry is None or entry.popularity:
            continue
        entry.popularity = POPULARITY_PRIOR / (1 + pick.rank / 10)
        label = f"Popular in {pick.genre_name}" if pick.genre_id else "Popular right now"
        entry.credit(label, entry.popularity / 100)
