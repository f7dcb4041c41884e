"""How much each thing a listener does says about their taste, and how candidates are ranked.

Plain functions without Django, shared by the per-request recommender (taste.py, queries.py,
radio.py) and the job that precomputes song neighbours (refresh/baskets.py), so both read a
listener's history the same way.
"""

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

LIKE_WEIGHT = 1.0
# High stars pull towards a song's neighbours, low stars push away from them.
RATING_WEIGHTS = {5: 1.2, 4: 0.8, 3: 0.1, 2: -0.6, 1: -1.0}
PLAYLIST_WEIGHT = 0.6
PLAY_HALF_LIFE_DAYS = 30.0
# The job counts plays in age buckets (days, weight) instead of decaying each one.
PLAY_AGE_BUCKETS = ((30, 1.0), (90, 0.4), (None, 0.1))


def play_decay(played_at: datetime, now: datetime) -> float:
    """Return what one play still counts: 1 now, halving every PLAY_HALF_LIFE_DAYS."""
    age_days = max(0.0, (now - played_at).total_seconds() / 86400)
    return 0.5 ** (age_days / PLAY_HALF_LIFE_DAYS)


def play_weight(decayed_plays: float) -> float:
    """Return the taste signal of repeated plays: rising with each play, saturating below 1."""
    return 1.0 - math.exp(-decayed_plays / 2.0)


def rating_weight(stars: int) -> float:
    return RATING_WEIGHTS.get(stars, 0.0)


@dataclass
class Candidate:
    """A song the recommender may offer, with its score split by where it came from."""

    song_id: int
    artist_id: int | None = None
    collaborative: float = 0.0
    content: float = 0.0
    popularity: float = 0.0
    reasons: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.collaborative + self.content + self.popularity

    def credit(self, reason: str, amount: float) -> None:
        """Remember how much a reason contributed; the largest one is shown to the listener."""
        if amount > 0:
            self.reasons[reason] = self.reasons.get(reason, 0.0) + amount

    @property
    def reason(self) -> str:
        if not self.reasons:
            return "Popular right now"
        return max(self.reasons.items(), key=lambda item: (item[1], item[0]))[0]


def diversify(
    ranked: Sequence[Candidate], limit: int, per_artist: int = 2, window: int = 10
) -> list[Candidate]:
    """Keep the ranking but allow at most `per_artist` songs of one artist in each `window`.

    Songs held back by the cap move down to the next window instead of being dropped, so a
    listener who only likes one artist still gets a full list.
    """
    chosen: list[Candidate] = []
    waiting = list(ranked)
    while waiting and len(chosen) < limit:
        block_start = len(chosen) - len(chosen) % window
        counts: dict[Hashable, int] = {}
        for candidate in chosen[block_start:]:
            counts[candidate.artist_id] = counts.get(candidate.artist_id, 0) + 1
        for index, candidate in enumerate(waiting):
            if counts.get(candidate.artist_id, 0) < per_artist:
                chosen.append(waiting.pop(index))
                break
        else:
            # Every remaining song is capped in this window: let the best one through.
            chosen.append(waiting.pop(0))
    return chosen


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Order candidates best first; the song id breaks ties so the order is stable."""
    return sorted(candidates, key=lambda candidate: (-candidate.score, candidate.song_id))
