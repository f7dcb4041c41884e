"""Songs like a song, and a radio queue that starts from a song or an artist and drifts.

Stored neighbours (SongNeighbor) lead; songs of the same album, artist and genre fill the list
when a song is new and has few listeners yet.
"""

from catalog.models import Song
from catalog.queries import ListedSong
from library.models import Play, Rating
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
from recommendations.models import SongNeighbor, SongStats
from recommendations.taste import HISTORY_LIMIT


def similar_songs(song_id: int, limit: int = 20, user=None) -> list[ListedSong]:
    """Return published songs listeners enjoy together with this one, then its closest kin.

    Stored neighbours come first; songs of the same album, artist and genre fill the list when
    the song is new and has few listeners yet.
    """
    ranked = _similar_candidates([song_id], limit)
    songs = listed_songs_by_id(user, [c.song_id for c in ranked])
    return [songs[c.song_id] for c in ranked if c.song_id in songs]


def _similar_candidates(seed_ids: list[int], limit: int, exclude=frozenset()) -> list:
    seed_facts = read_seed_facts(seed_ids)
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
    found = read_candidates(
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
    add_popularity(candidates, popular)
    return scoring.diversify(scoring.rank(candidates.values()), limit, per_artist=3)


RADIO_SEEDS = 10


def radio(
    *, song_id: int | None = None, artist_id: int | None = None, user=None, limit: int = 50
) -> list[ListedSong]:
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
    songs = listed_songs_by_id(user, ordered)
    return [songs[pk] for pk in ordered if pk in songs]
