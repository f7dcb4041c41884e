"""Reads of the recommender: songs for a listener, songs like a song, a radio queue.

Per request the work is bounded whatever the catalogue's size: at most HISTORY_LIMIT recent
items of each kind of the listener's history (taste.py), the precomputed neighbours of their
strongest SEED_LIMIT songs (SongNeighbor, kept fresh by services.refresh_recommendations), a
few songs of the same artists and the short popular lists (candidates.py); each read is one
indexed query. Only the songs finally chosen are read whole, as ListedSongs (plain values).

Songs like a song and radio live in radio.py; their names stay importable from here.
"""

from collections import defaultdict
from dataclasses import dataclass

from catalog.models import Song, name_key
from catalog.queries import ListedSong
from library.queries import listed_songs_by_id
from recommendations import scoring
from recommendations.candidates import (
    ARTIST_SONGS,
    CLOSE_YEAR,
    SAME_ALBUM,
    SAME_ARTIST,
    SHARED_GENRE,
    add_popularity,
    read_candidates,
    read_seed_facts,
)
from recommendations.models import SongNeighbor
from recommendations.radio import radio, similar_songs
from recommendations.taste import listener_taste

__all__ = ["Recommendation", "listener_taste", "radio", "recommend_for_user", "similar_songs"]

CONTENT_SEEDS = 5
SCORED_CANDIDATES = 200
NEW_SONGS = "New on Tidal Pool"
SPARE_PICKS = 10


@dataclass(frozen=True)
class Recommendation:
    """One song picked for a listener, how strongly, and why in a few words."""

    song: ListedSong
    score: float
    reason: str


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
    seed_facts = read_seed_facts(seed.song_id for seed in strongest)
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
    found = read_candidates(
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
    add_popularity(candidates, popular)
    # Songs close to what the listener rated low, more than to what they like, stay out.
    rejected = {pk for pk, entry in candidates.items() if entry.score < 0}
    candidates = {pk: entry for pk, entry in candidates.items() if pk not in rejected}
    if len(candidates) < limit:
        _add_newest(candidates, taste.known | rejected, limit)
    # A few more than asked: a recording picked twice (see _recommendations) gives its place
    # to the next. diversify picks in order, so the first `limit` are those it picks anyway.
    chosen = scoring.diversify(scoring.rank(candidates.values()), limit + SPARE_PICKS)
    return _recommendations(user, chosen, limit)


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


def _recommendations(user, ranked: list[scoring.Candidate], limit: int) -> list[Recommendation]:
    """Load the first `limit` chosen songs, each recording once: the same title by the same
    artist in several files (an album and its compilation, a file uploaded twice) is picked
    once, at its best place. The spares after them are loaded only for a place left free."""
    picked, recordings = [], set()
    for part in (ranked[:limit], ranked[limit:]):
        if len(picked) == limit:
            break
        songs = listed_songs_by_id(user, [candidate.song_id for candidate in part])
        for candidate in part:
            song = songs.get(candidate.song_id)
            recording = song and (name_key(song.title), song.artist_id)
            if song is None or recording in recordings:
                continue
            recordings.add(recording)
            picked.append(Recommendation(song, round(candidate.score, 4), candidate.reason))
            if len(picked) == limit:
                break
    return picked
