"""Reads of the recommender: songs for a listener, songs like a song, a radio queue.

Per request the work is bounded whatever the catalogue's size: at most HISTORY_LIMIT recent
items of each kind of the listener's history, the precomputed neighbours of their strongest
SEED_LIMIT songs (SongNeighbor, kept fresh by services.refresh_recommendations), a few songs of
the same artists and the short popular lists; each read is one indexed query.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from catalog.models import Song
from catalog.queries import song_list
from library.models import Like, Play, Rating
from library.queries import with_listener_state
from playlists.models import PlaylistItem
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


def listener_taste(user, now: datetime | None = None) -> Taste:
    """Read the listener's recent likes, ratings, plays and playlist songs as weighted seeds."""
    now = now or timezone.now()
    seeds: dict[int, Seed] = {}

    def seed(song_id: int) -> Seed:
        return seeds.setdefault(song_id, Seed(song_id))

    for song_id in (
        Like.objects.filter(user=user)
        .order_by("-created_at")
        .values_list("song_id", flat=True)[:HISTORY_LIMIT]
    ):
        entry = seed(song_id)
        entry.weight += scoring.LIKE_WEIGHT
        entry.loved = True
    for song_id, stars in (
        Rating.objects.filter(user=user)
        .order_by("-updated_at")
        .values_list("song_id", "stars")[:HISTORY_LIMIT]
    ):
        entry = seed(song_id)
        entry.weight += scoring.rating_weight(stars)
        entry.loved = entry.loved or stars >= 4
    decayed: dict[int, float] = defaultdict(float)
    for song_id, played_at in Play.objects.filter(user=user).values_list("song_id", "played_at")[
        :HISTORY_LIMIT
    ]:
        decayed[song_id] += scoring.play_decay(played_at, now)
    for song_id, plays in decayed.items():
        entry = seed(song_id)
        entry.weight += scoring.play_weight(plays)
        entry.played = True
    for song_id in (
        PlaylistItem.objects.filter(playlist__owner=user)
        .order_by("-added_at")
        .values_list("song_id", flat=True)[:HISTORY_LIMIT]
    ):
        seed(song_id).weight += scoring.PLAYLIST_WEIGHT
    return Taste(seeds=seeds, known=frozenset(seeds))


def _song_facts(song_ids, *, detailed: bool = True) -> dict[int, dict]:
    """Return artist, album and year of published songs by id; detailed: names and genres too.

    Candidates need only the plain columns (one primary-key read each); the listener's seeds,
    whose names appear in reasons, need the rest.
    """
    if not detailed:
        return {
            row["id"]: {**row, "genres": ()}
            for row in Song.objects.filter(pk__in=song_ids, hidden=False)
            .order_by()
            .values("id", "artist_id", "album_id", "year")
        }
    facts = {
        row["id"]: {**row, "genres": set()}
        for row in Song.objects.filter(pk__in=song_ids, hidden=False)
        .order_by()
        .values("id", "title", "artist_id", "artist__name", "album_id", "year")
    }
    through = Song.genres.through.objects.filter(song_id__in=list(facts)).values_list(
        "song_id", "genre_id", "genre__name"
    )
    for song_id, genre_id, genre_name in through:
        facts[song_id]["genres"].add((genre_id, genre_name))
    return facts


def _popular(genre_ids) -> list[tuple[int | None, str | None, int, int]]:
    """Return (genre id, genre name, song id, rank) of the popular lists of these genres and all."""
    return list(
        PopularSong.objects.filter(Q(genre_id__in=list(genre_ids)) | Q(genre__isnull=True))
        .order_by("genre_id", "rank")
        .values_list("genre_id", "genre__name", "song_id", "rank")
    )


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
    candidates: dict[int, scoring.Candidate] = {}

    def candidate(song_id: int) -> scoring.Candidate:
        return candidates.setdefault(song_id, scoring.Candidate(song_id))

    seed_facts = _song_facts([seed.song_id for seed in strongest])
    for seed_id, neighbor_id, similarity in SongNeighbor.objects.filter(
        song_id__in=[seed.song_id for seed in strongest]
    ).values_list("song_id", "neighbor_id", "score"):
        if neighbor_id in taste.known:
            continue
        seed = taste.seeds[seed_id]
        contribution = seed.weight * similarity
        entry = candidate(neighbor_id)
        entry.collaborative += contribution
        title = seed_facts.get(seed_id, {}).get("title")
        if title and seed.weight > 0:
            entry.credit(seed.because(title), contribution)
    if len(candidates) > SCORED_CANDIDATES:
        # Content and popularity add at most a few tenths: the tail cannot reach the top.
        best = sorted(candidates.values(), key=lambda c: (-c.collaborative, c.song_id))
        candidates = {c.song_id: c for c in best[:SCORED_CANDIDATES]}

    loved = [seed for seed in strongest if seed.weight > 0]
    top_artists = {}
    for seed in loved[:CONTENT_SEEDS]:
        facts = seed_facts.get(seed.song_id)
        if facts:
            top_artists.setdefault(facts["artist_id"], facts["artist__name"])
    if top_artists:
        for song_id in (
            Song.objects.filter(artist_id__in=list(top_artists), hidden=False)
            .order_by()
            .values_list("id", flat=True)[: ARTIST_SONGS * len(top_artists)]
        ):
            if song_id not in taste.known:
                candidate(song_id)

    genre_weight: dict[int, float] = defaultdict(float)
    for seed in loved:
        for genre_id, _name in seed_facts.get(seed.song_id, {}).get("genres", ()):
            genre_weight[genre_id] += seed.weight
    top_genres = sorted(genre_weight, key=lambda g: -genre_weight[g])[:3]
    popular = [row for row in _popular(top_genres) if row[2] not in taste.known]
    for _genre_id, _name, song_id, _rank in popular:
        candidate(song_id)

    facts = _song_facts(list(candidates), detailed=False)
    in_loved_genres = {row[2] for row in popular if row[0] is not None}
    loved_facts = [seed_facts[s.song_id] for s in loved if s.song_id in seed_facts]
    loved_years = [f["year"] for f in loved_facts if f["year"]]
    for song_id in list(candidates):
        if song_id not in facts:
            del candidates[song_id]  # hidden or removed since the neighbours were computed
            continue
        entry, fact = candidates[song_id], facts[song_id]
        entry.artist_id = fact["artist_id"]
        for seed_fact in loved_facts[:CONTENT_SEEDS]:
            if fact["album_id"] and fact["album_id"] == seed_fact["album_id"]:
                entry.content += SAME_ALBUM
                entry.credit(f"More from {seed_fact['artist__name']}", SAME_ALBUM)
            elif fact["artist_id"] == seed_fact["artist_id"]:
                entry.content += SAME_ARTIST
                entry.credit(f"More from {seed_fact['artist__name']}", SAME_ARTIST)
        if song_id in in_loved_genres:  # among the popular songs of the listener's genres
            entry.content += SHARED_GENRE
        if fact["year"] and any(abs(fact["year"] - year) <= 2 for year in loved_years[:10]):
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


def _add_popularity(candidates: dict[int, scoring.Candidate], popular) -> None:
    """Give popular songs a small prior and, when nothing else speaks for them, their reason."""
    # A genre's list speaks more of the listener than everyone's: it goes first.
    for genre_id, genre_name, song_id, rank in sorted(popular, key=lambda row: row[0] is None):
        entry = candidates.get(song_id)
        if entry is None or entry.popularity:
            continue
        entry.popularity = POPULARITY_PRIOR / (1 + rank / 10)
        label = f"Popular in {genre_name}" if genre_id else "Popular right now"
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
    seed_facts = _song_facts(seed_ids)
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
    artists = {fact["artist_id"] for fact in seed_facts.values()}
    albums = {fact["album_id"] for fact in seed_facts.values() if fact["album_id"]}
    genres = {genre for fact in seed_facts.values() for genre, _ in fact["genres"]}
    for song_id in (
        Song.objects.filter(Q(artist_id__in=artists) | Q(album_id__in=albums), hidden=False)
        .order_by()
        .values_list("id", flat=True)[: ARTIST_SONGS * len(seed_facts)]
    ):
        if song_id not in excluded:
            candidates.setdefault(song_id, scoring.Candidate(song_id))
    popular = [row for row in _popular(genres) if row[0] is not None and row[2] not in excluded]
    for _genre, _name, song_id, _rank in popular:
        candidates.setdefault(song_id, scoring.Candidate(song_id))
    facts = _song_facts(list(candidates), detailed=False)
    in_seed_genres = {row[2] for row in popular}
    for song_id in list(candidates):
        fact = facts.get(song_id)
        if fact is None:
            del candidates[song_id]
            continue
        entry = candidates[song_id]
        entry.artist_id = fact["artist_id"]
        for seed_fact in seed_facts.values():
            if fact["album_id"] and fact["album_id"] == seed_fact["album_id"]:
                entry.content += SAME_ALBUM
            elif fact["artist_id"] == seed_fact["artist_id"]:
                entry.content += SAME_ARTIST
            if fact["year"] and seed_fact["year"] and abs(fact["year"] - seed_fact["year"]) <= 2:
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
