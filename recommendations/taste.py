"""A listener's taste: their recent likes, ratings, plays and playlist songs as weighted seeds.

At most HISTORY_LIMIT recent items of each kind are read, in one query, so the work per request
is bounded however long the listener's history.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection
from django.utils import timezone

from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem
from recommendations import scoring

HISTORY_LIMIT = 200
SEED_LIMIT = 30


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
