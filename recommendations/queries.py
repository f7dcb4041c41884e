"""Reads of the recommender: songs for a listener, songs like a song, a radio queue.

Per request the work is bounded whatever the catalogue's size: at most HISTORY_LIMIT recent
items of each kind of the listener's history, the precomputed neighbours of their strongest
SEED_LIMIT songs (SongNeighbor, kept fresh by services.refresh_recommendations), a few songs of
the same artists and the short popular lists; each read is one indexed query.

The history is read in one query, and the reads of songs bring the artist, album and year that
scoring needs along with them, so only the strongest neighbours are looked up again, as plain
columns; only the songs finally chosen become model instances.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import BigIntegerField, CharField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from catalog.models import Song
from catalog.queries import song_list
from library.models import Like, Play, Rating
from library.queries import with_listener_state
from playlists.models import Playlist, PlaylistItem
from recommendations import scoring
from recommendations.models import PopularSong, SongNeighbor, SongStats

HISTORY_LIMIT = 200
SEED_LIMIT = 30
CONTENT_SEEDS = 5
ARTIST_SONGS = 30
SCORED_CANDIDATES = 200
# What content similarity and popularity add, beside collaborative scores of about 0.1 to 2.
SAME_ALBUM, SAME_ARTIST, SHARED_GENRE, CLOSE_YEAR = 0.12, 0.08, 0.04, 0.02
POPULARITY_PRIOR = 0.05
NEW_SONGS = "New on Tidal Pool"


@dataclass(frozen=True)
class Recommendation:
    """One song picked for a listener, how strongly, and why in a few words."""

    song: Song
    score: float
    reason: str


@dataclass
class Seed:
    """One song of the listener's history and what it says about their taste."""

    song_id: int
    weight: float = 0.0
    loved: bool = False
    played: bool = False

    def because(self, title: str) -> str:
        """Return the reason this seed gives its neighbours, naming what the listener did."""
        if self.loved:
            return f"Because you liked {title}"
        if self.played:
            return f"Because you played {title}"
        return f"Because {title} is in your playlists"


@dataclass(frozen=True)
class Taste:
    """What the recommender knows of a listener: weighted seed songs and songs not to offer."""

    seeds: dict[int, Seed]
    known: frozenset[int]

    @property
    def strongest(self) -> list[Seed]:
        ordered = sorted(self.seeds.values(), key=lambda s: (-abs(s.weight), s.song_id))
        return [seed for seed in ordered if seed.weight != 0][:SEED_LIMIT]


# The kinds of history rows, as _history() tags them.
LIKED, RATED, PLAYED, LISTED = range(4)


@cache
def _history_sql() -> str:
    """Return the one query that reads the four kinds of a listener's recent history.

    Written out rather than built by the ORM on every call: it is the same for every listener,
    and compiling four querysets cost more than running them. Only plays carry their time (the
    others a typed NULL, so that PostgreSQL can unite the parts).
    """
    like, rating, play = Like._meta.db_table, Rating._meta.db_table, Play._meta.db_table
    item, playlist = PlaylistItem._meta.db_table, Playlist._meta.db_table
    no_time = "CAST(NULL AS timestamp with time zone)"
    return f"""
        SELECT {LIKED}, song_id, 0, {no_time} FROM (
            SELECT song_id FROM {like} WHERE user_id = %(user)s
            ORDER BY created_at DESC LIMIT %(limit)s
        ) AS liked
        UNION ALL SELECT {RATED}, song_id, stars, {no_time} FROM (
            SELECT song_id, stars FROM {rating} WHERE user_id = %(user)s
            ORDER BY updated_at DESC LIMIT %(limit)s
        ) AS rated
        UNION ALL SELECT {PLAYED}, song_id, 0, played_at FROM (
            SELECT song_id, played_at FROM {play} WHERE user_id = %(user)s
            ORDER BY played_at DESC, id DESC LIMIT %(limit)s
        ) AS played
        UNION ALL SELECT {LISTED}, song_id, 0, {no_time} FROM (
            SELECT entry.song_id FROM {item} AS entry
            JOIN {playlist} AS list ON list.id = entry.playlist_id
            WHERE list.owner_id = %(user)s
            ORDER BY entry.added_at DESC LIMIT %(limit)s
        ) AS listed
    """


def _history(user) -> list[tuple]:
    """Return (kind, song id, stars, play time) of the listener's recent history, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_history_sql(), {"user": user.pk, "limit": HISTORY_LIMIT})
        return cursor.fetchall()


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


def _moment(value: datetime | str) -> datetime:
    """Return a time read by a raw query as an aware datetime (SQLite stores UTC as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def listener_taste(user, now: datetime | None = None) -> Taste:
    """Read the listener's recent likes, ratings, plays and playlist songs as weighted seeds."""
    now = now or timezone.now()
    seeds: dict[int, Seed] = {}
    decayed: dict[int, float] = defaultdict(float)
    for kind, song_id, stars, at in _history(user):
        if kind == PLAYED:
            decayed[song_id] += scoring.play_decay(_moment(at), now)
            continue
        entry = seeds.get(song_id) or seeds.setdefault(song_id, Seed(song_id))
        if kind == LIKED:
            entry.weight += scoring.LIKE_WEIGHT
            entry.loved = True
        elif kind == RATED:
            entry.weight += scoring.rating_weight(stars)
            entry.loved = entry.loved or stars >= 4
        else:
            entry.weight += scoring.PLAYLIST_WEIGHT
    for song_id, plays in decayed.items():
        entry = seeds.get(song_id) or seeds.setdefault(song_id, Seed(song_id))
        entry.weight += scoring.play_weight(plays)
        entry.played = True
    return Taste(seeds=seeds, known=frozenset(seeds))


@dataclass(slots=True)
class SongFacts:
    """What scoring knows of a published song; a seed's also names it and its genres."""

    artist_id: int
    album_id: int | None
    year: int | None
    title: str = ""
    artist_name: str = ""
    genres: dict[int, str] = field(default_factory=dict)


def _seed_facts(song_ids) -> dict[int, SongFacts]:
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


# The parts of _candidate_songs(), as its rows tag them.
NEIGHBOUR, KIN, POPULAR = range(3)
# A part without a popular list's columns: typed, so that PostgreSQL can unite the parts.
NO_GENRE = Cast(Value(None), BigIntegerField())
NO_NAME = Cast(Value(None), CharField())


def _candidate_songs(
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


def _recommendations(user, ranked: list[scoring.Candidate]) -> list[Recommendation]:
    songs = with_listener_state(song_list(), user).in_bulk([c.song_id for c in ranked])
    return [
        Recommendation(songs[c.song_id], round(c.score, 4), c.reason)
        for c in ranked
        if c.song_id in songs
    ]


def recommend_for_user(user, limit: int = 20) -> list[Recommendation]:
    """Return up to `limit` published songs this listener has not liked or just played.

    Collaborative neighbours of the listener's strongest songs lead, content similarity
    (artist, album, genre, year) and popularity add to them; a new listener gets the popular
    songs of the genres they touched, or of everyone.
    """
    if limit <= 0:
        return []
    taste = listener_taste(user)
    strongest = taste.strongest
    seed_facts = _seed_facts(seed.song_id for seed in strongest)
    # Each seed's reason, written once for all of its neighbours.
    because = {
        seed.song_id: seed.because(seed_facts[seed.song_id].title)
        for seed in strongest
        if seed.weight > 0 and seed.song_id in seed_facts and seed_facts[seed.song_id].title
    }
    candidates: dict[int, scoring.Candidate] = {}
    for seed_id, neighbor_id, similarity in SongNeighbor.objects.filter(
        song_id__in=[seed.song_id for seed in strongest]
    ).values_list("song_id", "neighbor_id", "score"):
        if neighbor_id in taste.known:
            continue
        contribution = taste.seeds[seed_id].weight * similarity
        entry = candidates.get(neighbor_id)
        if entry is None:
            entry = candidates[neighbor_id] = scoring.Candidate(neighbor_id)
        entry.collaborative += contribution
        if seed_id in because:
            entry.credit(because[seed_id], contribution)
    if len(candidates) > SCORED_CANDIDATES:
        # Content and popularity add at most a few tenths: the tail cannot reach the top.
        best = sorted(candidates.values(), key=lambda c: (-c.collaborative, c.song_id))
        candidates = {c.song_id: c for c in best[:SCORED_CANDIDATES]}

    loved = [seed for seed in strongest if seed.weight > 0]
    loved_facts = [seed_facts[s.song_id] for s in loved if s.song_id in seed_facts]
    top_artists = list(dict.fromkeys(f.artist_id for f in loved_facts[:CONTENT_SEEDS]))
    genre_weight: dict[int, float] = defaultdict(float)
    for seed in loved:
        for genre_id in seed_facts[seed.song_id].genres if seed.song_id in seed_facts else ():
            genre_weight[genre_id] += seed.weight
    top_genres = sorted(genre_weight, key=lambda g: -genre_weight[g])[:3]
    found = _candidate_songs(
        candidates,
        artists=top_artists,
        kin_limit=ARTIST_SONGS * len(top_artists),
        genres=top_genres,
        overall=True,
    )
    facts = found.facts
    for song_id in found.kin:
        if song_id not in taste.known:
            candidates.setdefault(song_id, scoring.Candidate(song_id))
    popular = [pick for pick in found.popular if pick.song_id not in taste.known]
    for pick in popular:
        candidates.setdefault(pick.song_id, scoring.Candidate(pick.song_id))

    in_loved_genres = {pick.song_id for pick in popular if pick.genre_id is not None}
    loved_years = [f.year for f in loved_facts if f.year]
    for song_id in list(candidates):
        fact = facts.get(song_id)
        if fact is None:
            del candidates[song_id]  # hidden or removed since the neighbours were computed
            continue
        entry = candidates[song_id]
        entry.artist_id = fact.artist_id
        for seed_fact in loved_facts[:CONTENT_SEEDS]:
            if fact.album_id and fact.album_id == seed_fact.album_id:
                entry.content += SAME_ALBUM
                entry.credit(f"More from {seed_fact.artist_name}", SAME_ALBUM)
            elif fact.artist_id == seed_fact.artist_id:
                entry.content += SAME_ARTIST
                entry.credit(f"More from {seed_fact.artist_name}", SAME_ARTIST)
        if song_id in in_loved_genres:  # among the popular songs of the listener's genres
            entry.content += SHARED_GENRE
        if fact.year and any(abs(fact.year - year) <= 2 for year in loved_years[:10]):
            entry.content += CLOSE_YEAR
    _add_popularity(candidates, popular)
    # Songs close to what the listener rated low, more than to what they like, stay out.
    rejected = {pk for pk, entry in candidates.items() if entry.score < 0}
    candidates = {pk: entry for pk, entry in candidates.items() if pk not in rejected}
    if len(candidates) < limit:
        _add_newest(candidates, taste.known | rejected, limit)
    chosen = scoring.diversify(scoring.rank(candidates.values()), limit)
    return _recommendations(user, chosen)


def _add_newest(candidates: dict[int, scoring.Candidate], known, limit: int) -> None:
    """Fill a short list (a new site, or before the first refresh) with the newest songs."""
    newest = (
        Song.objects.filter(hidden=False)
        .exclude(pk__in=[*known, *candidates])
        .order_by("-created_at", "-id")
        .values_list("id", "artist_id")[: limit * 2]
    )
    for index, (song_id, artist_id) in enumerate(newest):
        entry = candidates.setdefault(song_id, scoring.Candidate(song_id, artist_id=artist_id))
        entry.popularity += 1e-6 / (1 + index)  # newest first, below anything with a reason
        entry.credit(NEW_SONGS, entry.popularity)


def _add_popularity(candidates: dict[int, scoring.Candidate], popular: list[PopularPick]) -> None:
    """Give popular songs a small prior and, when nothing else speaks for them, their reason."""
    # A genre's list speaks more of the listener than everyone's: it goes first.
    for pick in sorted(popular, key=lambda pick: pick.genre_id is None):
        entry = candidates.get(pick.song_id)
        if entry is None or entry.popularity:
            continue
        entry.popularity = POPULARITY_PRIOR / (1 + pick.rank / 10)
        label = f"Popular in {pick.genre_name}" if pick.genre_id else "Popular right now"
        entry.credit(label, entry.popularity / 100)


def similar_songs(song_id: int, limit: int = 20, user=None) -> list[Song]:
    """Return published songs listeners enjoy together with this one, then its closest kin.

    Stored neighbours come first; songs of the same album, artist and genre fill the list when
    the song is new and has few listeners yet.
    """
    ranked = _similar_candidates([song_id], limit)
    songs = with_listener_state(song_list(), user).in_bulk([c.song_id for c in ranked])
    return [songs[c.song_id] for c in ranked if c.song_id in songs]


def _similar_candidates(seed_ids: list[int], limit: int, exclude=frozenset()) -> list:
    seed_facts = _seed_facts(seed_ids)
    if not seed_facts:
        return []
    candidates: dict[int, scoring.Candidate] = {}
    excluded = set(exclude) | set(seed_ids)
    for _seed_id, neighbor_id, similarity in SongNeighbor.objects.filter(
        song_id__in=list(seed_facts)
    ).values_list("song_id", "neighbor_id", "score"):
        if neighbor_id not in excluded:
            entry = candidates.setdefault(neighbor_id, scoring.Candidate(neighbor_id))
            entry.collaborative += similarity
    found = _candidate_songs(
        candidates,
        artists={fact.artist_id for fact in seed_facts.values()},
        albums={fact.album_id for fact in seed_facts.values() if fact.album_id},
        kin_limit=ARTIST_SONGS * len(seed_facts),
        genres={genre for fact in seed_facts.values() for genre in fact.genres},
    )
    facts = found.facts
    for song_id in found.kin:
        if song_id not in excluded:
            candidates.setdefault(song_id, scoring.Candidate(song_id))
    popular = [pick for pick in found.popular if pick.song_id not in excluded]
    for pick in popular:
        candidates.setdefault(pick.song_id, scoring.Candidate(pick.song_id))
    in_seed_genres = {pick.song_id for pick in popular}
    for song_id in list(candidates):
        fact = facts.get(song_id)
        if fact is None:
            del candidates[song_id]
            continue
        entry = candidates[song_id]
        entry.artist_id = fact.artist_id
        for seed_fact in seed_facts.values():
            if fact.album_id and fact.album_id == seed_fact.album_id:
                entry.content += SAME_ALBUM
            elif fact.artist_id == seed_fact.artist_id:
                entry.content += SAME_ARTIST
            if fact.year and seed_fact.year and abs(fact.year - seed_fact.year) <= 2:
                entry.content += CLOSE_YEAR
        if song_id in in_seed_genres:
            entry.content += SHARED_GENRE
    _add_popularity(candidates, popular)
    return scoring.diversify(scoring.rank(candidates.values()), limit, per_artist=3)


RADIO_SEEDS = 10


def radio(
    *, song_id: int | None = None, artist_id: int | None = None, user=None, limit: int = 50
) -> list[Song]:
    """Return a queue that starts from a song (or an artist's most popular songs) and drifts.

    The seed song opens the queue; the rest are its neighbours and theirs, without songs the
    listener rated low or played in their last few plays.
    """
    if (song_id is None) == (artist_id is None):
        raise ValueError("give a song or an artist, not both")
    if limit <= 0:
        return []
    if song_id is not None:
        seed_ids = [song_id] if Song.objects.filter(pk=song_id, hidden=False).exists() else []
        opening = list(seed_ids)
    else:
        seed_ids = list(
            SongStats.objects.filter(song__artist_id=artist_id, song__hidden=False)
            .order_by("-popularity")
            .values_list("song_id", flat=True)[:RADIO_SEEDS]
        ) or list(
            Song.objects.filter(artist_id=artist_id, hidden=False)
            .order_by("-created_at")
            .values_list("id", flat=True)[:RADIO_SEEDS]
        )
        opening = seed_ids[:1]
    if not seed_ids:
        return []
    avoided: set[int] = set()
    if user is not None and user.is_authenticated:
        avoided |= set(
            Rating.objects.filter(user=user, stars__lte=2).values_list("song_id", flat=True)[
                :HISTORY_LIMIT
            ]
        )
        avoided |= set(Play.objects.filter(user=user).values_list("song_id", flat=True)[:20])
    avoided -= set(opening)
    first = _similar_candidates(seed_ids, limit, exclude=avoided)
    queue = [c.song_id for c in first]
    if len(queue) + len(opening) < limit and first:
        # Drift one hop further: the neighbours of the best neighbours.
        more = _similar_candidates(
            queue[:RADIO_SEEDS], limit, exclude=avoided | set(queue) | set(seed_ids)
        )
        queue += [c.song_id for c in more]
    ordered = list(dict.fromkeys([*opening, *queue]))[:limit]
    songs = with_listener_state(song_list(), user).in_bulk(ordered)
    return [songs[pk] for pk in ordered if pk in songs]
