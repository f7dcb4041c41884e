"""The listeners' and playlists' baskets: each one's songs with their positive taste weights.

A listener's weight for a song sums likes, ratings, recency-decayed plays and own playlist
entries (scoring.py); a playlist is a basket of its own, of songs that go together.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, Q

from library.models import Like, Play, Rating
from playlists.models import PlaylistItem
from recommendations import scoring
from recommendations.refresh.columns import read_columns, scoped

BASKET_LIMIT = 100  # strongest songs kept per listener or playlist: bounds pairs per basket


@dataclass
class Baskets:
    """Positive taste weights per basket (listener or playlist), as parallel numpy arrays."""

    rows: np.ndarray  # basket index, sorted
    songs: np.ndarray  # song id
    weights: np.ndarray
    user_rows: int  # rows below this are listeners, the rest playlists


def _play_buckets(now: datetime) -> dict[str, Q]:
    """Return one Count filter per play age bucket, named by its index."""
    buckets, newer = {}, None
    for index, (days, _weight) in enumerate(scoring.PLAY_AGE_BUCKETS):
        since = now - timedelta(days=days) if days is not None else None
        condition = Q()
        if since is not None:
            condition &= Q(played_at__gte=since)
        if newer is not None:
            condition &= Q(played_at__lt=newer)
        buckets[f"age{index}"] = condition
        newer = since
    return buckets


def _user_weights(
    user_ids: list[int] | None, now: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (user, song, weight) arrays summing likes, ratings, plays and own playlists."""
    users, songs, weights = [], [], []

    def add(user, song, weight) -> None:
        users.append(user)
        songs.append(song)
        weights.append(np.broadcast_to(np.asarray(weight, dtype=np.float64), user.shape))

    for query in scoped(Like.objects.order_by(), "user_id", user_ids):
        user, song = read_columns(query, ("user_id", "song_id"))
        add(user, song, scoring.LIKE_WEIGHT)
    stars_weight = np.array([scoring.rating_weight(stars) for stars in range(6)])
    for query in scoped(Rating.objects.order_by(), "user_id", user_ids):
        user, song, stars = read_columns(query, ("user_id", "song_id", "stars"))
        add(user, song, stars_weight[np.clip(stars, 0, 5)])
    buckets = _play_buckets(now)
    counts = {name: Count("id", filter=condition) for name, condition in buckets.items()}
    bucket_weights = np.array([weight for _days, weight in scoring.PLAY_AGE_BUCKETS])
    for query in scoped(Play.objects.order_by(), "user_id", user_ids):
        grouped = query.values("user_id", "song_id").annotate(**counts).order_by()
        user, song, *ages = read_columns(grouped, ("user_id", "song_id", *buckets))
        decayed = np.stack(ages, axis=1) @ bucket_weights if ages else np.zeros(len(user))
        add(user, song, 1.0 - np.exp(-decayed / 2.0))  # scoring.play_weight, vectorised
    for query in scoped(PlaylistItem.objects.order_by(), "playlist__owner_id", user_ids):
        user, song = read_columns(query.distinct(), ("playlist__owner_id", "song_id"))
        add(user, song, scoring.PLAYLIST_WEIGHT)
    if not users:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    keys, inverse = np.unique(
        (np.concatenate(users) << 32) | np.concatenate(songs), return_inverse=True
    )
    summed = np.bincount(inverse.ravel(), weights=np.concatenate(weights), minlength=len(keys))
    return keys >> 32, keys & 0xFFFFFFFF, summed


def load_baskets(
    user_ids: list[int] | None, playlist_ids: list[int] | None, now: datetime
) -> Baskets:
    """Read the positive weights of these listeners and playlists (None: all of them).

    A playlist is a basket of its own, of songs that go together. Each basket keeps its
    BASKET_LIMIT strongest songs, so one heavy listener costs at most BASKET_LIMIT² pairs.
    """
    user, song, weight = _user_weights(user_ids, now)
    positive = weight > 0
    user, song, weight = user[positive], song[positive], weight[positive]
    playlist_parts = [
        read_columns(query.distinct(), ("playlist_id", "song_id"))
        for query in scoped(PlaylistItem.objects.order_by(), "playlist_id", playlist_ids)
    ]
    playlist = np.concatenate([part[0] for part in playlist_parts] or [np.zeros(0, np.int64)])
    listed = np.concatenate([part[1] for part in playlist_parts] or [np.zeros(0, np.int64)])
    # Listeners first, then playlists: basket keys above every user id.
    offset = int(user.max()) + 1 if len(user) else 0
    basket = np.concatenate([user, playlist + offset])
    song = np.concatenate([song, listed])
    weight = np.concatenate([weight, np.ones(len(listed))])
    order = np.lexsort((-weight, basket))
    basket, song, weight = basket[order], song[order], weight[order]
    first = np.searchsorted(basket, basket, side="left")
    kept = np.arange(len(basket)) - first < BASKET_LIMIT
    basket, song, weight = basket[kept], song[kept], weight[kept]
    keys, rows = np.unique(basket, return_inverse=True)
    return Baskets(
        rows=rows.ravel().astype(np.int64),
        songs=song,
        weights=weight,
        user_rows=int(np.searchsorted(keys, offset)) if len(user) else 0,
    )
