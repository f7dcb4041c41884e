"""What changed since the last refresh: the dirty songs and the baskets that hold them.

A song is dirty when it has likes, plays or playlist entries past the stored id watermarks,
ratings changed since the last run, or fewer likes, ratings and playlist entries than at its
last refresh (an unlike, a removed entry or rating: removals leave no watermark, so each
song's count is kept with its statistics).
"""

import random
from collections import defaultdict
from datetime import datetime

from django.db.models import Count, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from library.models import Like, Play, Rating
from playlists.models import PlaylistItem
from recommendations.models import RefreshState, SongStats
from recommendations.refresh.columns import FETCH_ROWS, chunks, scoped

MAX_BASKETS = 2000  # per incremental run; more are sampled down to this


def watermarks(now: datetime) -> dict:
    """Return the highest like, play and playlist entry ids, and the time for ratings."""
    return {
        "like_id": Like.objects.aggregate(top=Max("id"))["top"] or 0,
        "play_id": Play.objects.aggregate(top=Max("id"))["top"] or 0,
        "playlist_item_id": PlaylistItem.objects.aggregate(top=Max("id"))["top"] or 0,
        "rating_time": now,
    }


def dirty_songs(state: RefreshState, marks: dict) -> set[int]:
    """Return songs whose likes, plays, playlist entries or ratings changed since the last run."""
    dirty: set[int] = set()
    for model, field, mark in (
        (Like, "like_id", marks["like_id"]),
        (Play, "play_id", marks["play_id"]),
        (PlaylistItem, "playlist_item_id", marks["playlist_item_id"]),
    ):
        dirty.update(
            model.objects.filter(id__gt=getattr(state, field), id__lte=mark)
            .order_by()
            .values_list("song_id", flat=True)
            .distinct()
        )
    ratings = Rating.objects.filter(updated_at__lte=marks["rating_time"])
    if state.rating_time is not None:
        ratings = ratings.filter(updated_at__gt=state.rating_time)
    dirty.update(ratings.order_by().values_list("song_id", flat=True).distinct())
    return dirty


def interaction_counts(song_ids: list[int] | None) -> dict[int, int]:
    """Return how many likes, ratings and playlist entries these songs (None: all) have now."""
    counts: dict[int, int] = defaultdict(int)
    for model in (Like, Rating, PlaylistItem):
        for query in scoped(model.objects.order_by(), "song_id", song_ids):
            grouped = query.values("song_id").annotate(count=Count("id")).order_by()
            for song_id, count in grouped.values_list("song_id", "count").iterator(
                chunk_size=FETCH_ROWS
            ):
                counts[song_id] += count
    return counts


def _interactions_now():
    """Return an expression for a SongStats row: its song's likes, ratings and entries now."""

    def count(model):
        per_song = model.objects.filter(song_id=OuterRef("song_id")).order_by().values("song_id")
        return Coalesce(Subquery(per_song.annotate(count=Count("id")).values("count")), 0)

    return count(Like) + count(Rating) + count(PlaylistItem)


def songs_with_removals() -> set[int]:
    """Return songs with fewer likes, ratings or playlist entries than at their last refresh.

    A removal and a new interaction of the same song leave the count as it was, but the new
    one is past a watermark and makes the song dirty anyway.
    """
    return set(
        SongStats.objects.filter(interactions__gt=0)
        .alias(now=_interactions_now())
        .filter(interactions__gt=F("now"))
        .values_list("song_id", flat=True)
    )


def baskets_of(song_ids: set[int]) -> tuple[list[int], list[int], float]:
    """Return the listeners and playlists that hold any of these songs, and the share kept.

    Past MAX_BASKETS (songs everyone plays), an even sample of both stands for the rest, so an
    incremental run stays bounded however popular its dirty songs are.
    """
    users: set[int] = set()
    playlists: set[int] = set()
    for chunk in chunks(song_ids):
        for model in (Like, Rating, Play):
            users.update(
                model.objects.filter(song_id__in=chunk)
                .order_by()
                .values_list("user_id", flat=True)
                .distinct()
            )
        for playlist_id, owner_id in (
            PlaylistItem.objects.filter(song_id__in=chunk)
            .order_by()
            .values_list("playlist_id", "playlist__owner_id")
            .distinct()
        ):
            playlists.add(playlist_id)
            users.add(owner_id)
    total = len(users) + len(playlists)
    if total <= MAX_BASKETS:
        return sorted(users), sorted(playlists), 1.0
    share = MAX_BASKETS / total
    sampler = random.Random(0)
    kept_users = sampler.sample(sorted(users), max(1, round(len(users) * share)))
    kept_playlists = sampler.sample(sorted(playlists), round(len(playlists) * share))
    return sorted(kept_users), sorted(kept_playlists), share
