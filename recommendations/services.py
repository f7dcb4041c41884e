"""Writes of the recommender: the job that keeps song neighbours and popular lists fresh.

Item-to-item collaborative filtering. Each listener (and each playlist) is a basket of songs
(refresh/baskets.py); two songs are similar by the cosine of their basket vectors, and each
song keeps its top neighbours in SongNeighbor (refresh/neighbours.py).

A run only recomputes dirty songs (refresh/changes.py). Their rows are exact; songs that are
not dirty keep their rows until they are (or until a --full run), a bounded staleness that
saves re-reading every history on each run.
"""

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from recommendations.models import PopularSong, RefreshState, SongNeighbor, SongStats
from recommendations.refresh.baskets import load_baskets
from recommendations.refresh.changes import (
    baskets_of,
    dirty_songs,
    interaction_counts,
    songs_with_removals,
    watermarks,
)
from recommendations.refresh.columns import CHUNK, chunks, insert_columns
from recommendations.refresh.neighbours import norms_and_popularity, song_neighbors

logger = logging.getLogger(__name__)

POPULAR_LIMIT = 100
POPULAR_PER_GENRE = 50


@dataclass(frozen=True)
class RefreshResult:
    """What one run of the job did."""

    full: bool
    songs: int
    neighbors: int
    seconds: float


def refresh_recommendations(full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Recompute the neighbours and statistics of dirty songs (all songs with --full).

    Then rebuild the short popular lists. Watermarks move only when the run has written its
    rows, so a failed run is simply repeated by the next one.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    state, _ = RefreshState.objects.get_or_create(pk=1)
    marks = watermarks(now)
    # Counted before the baskets are read: a removal after this is seen by the next run, and
    # an interaction added since the watermarks is past them, so it is seen again too.
    if full:
        counts = interaction_counts(None)
        baskets = load_baskets(None, None, now)
        song_ids, norms, popularity = norms_and_popularity(baskets)
        dirty = song_ids
        norm_of = dict(zip(song_ids.tolist(), norms.tolist(), strict=True))
        dot_scale = 1.0
    else:
        dirty_set = dirty_songs(state, marks) | songs_with_removals()
        counts = interaction_counts(sorted(dirty_set))
        users, playlists, share = baskets_of(dirty_set)
        baskets = load_baskets(users, playlists, now)
        song_ids, norms, popularity = norms_and_popularity(baskets)
        # A sample of the baskets stands for all of them: scale sums up to the whole.
        norms, popularity, dot_scale = norms / math.sqrt(share), popularity / share, 1 / share
        dirty = np.asarray(sorted(dirty_set), dtype=np.int64)
        # Dirty songs' columns are complete (every basket holding them was read, or sampled);
        # the others' norms come from their last refresh.
        norm_of = _stored_norms(song_ids.tolist())
        exact = np.isin(song_ids, dirty)
        norm_of.update(zip(song_ids[exact].tolist(), norms[exact].tolist(), strict=True))
        for song_id, norm in zip(song_ids.tolist(), norms.tolist(), strict=True):
            norm_of.setdefault(song_id, norm)
    stats = dict(
        zip(song_ids.tolist(), zip(norms.tolist(), popularity.tolist(), strict=True), strict=True)
    )
    neighbors = _write(
        full, dirty, song_neighbors(baskets, dirty, norm_of, dot_scale=dot_scale), stats, counts
    )
    if full and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a reloaded table needs fresh planner statistics
            cursor.execute(f"ANALYZE {SongNeighbor._meta.db_table}, {SongStats._meta.db_table}")
    _rebuild_popular()
    state.like_id = marks["like_id"]
    state.play_id = marks["play_id"]
    state.playlist_item_id = marks["playlist_item_id"]
    state.rating_time = marks["rating_time"]
    state.refreshed_at = now
    if full:
        state.full_refresh_at = now
    state.songs_refreshed = len(dirty)
    state.save()
    result = RefreshResult(full, len(dirty), neighbors, round(time.perf_counter() - started, 3))
    logger.info("recommendations refreshed: %s", result)
    return result


def _stored_norms(song_ids: Iterable[int]) -> dict[int, float]:
    norms: dict[int, float] = {}
    for chunk in chunks(song_ids):
        norms.update(SongStats.objects.filter(song_id__in=chunk).values_list("song_id", "norm"))
    return norms


def _write(
    full: bool,
    dirty: np.ndarray,
    batches,
    stats: dict[int, tuple[float, float]],
    counts: dict[int, int],
) -> int:
    """Replace the dirty songs' neighbours and statistics; return the neighbour rows written.

    One transaction: readers keep the previous rows until it commits.
    """
    written = 0
    with transaction.atomic():
        if full:
            SongNeighbor.objects.all().delete()
            SongStats.objects.all().delete()
        else:
            for chunk in chunks(dirty.tolist()):
                SongNeighbor.objects.filter(song_id__in=chunk).delete()
        for sources, targets, scores in batches:
            insert_columns(
                SongNeighbor, {"song_id": sources, "neighbor_id": targets, "score": scores}
            )
            written += len(sources)
        missing = (0.0, 0.0)
        columns = {
            "song_id": dirty,
            "norm": np.array([stats.get(song, missing)[0] for song in dirty.tolist()]),
            "popularity": np.array([stats.get(song, missing)[1] for song in dirty.tolist()]),
            "interactions": np.array([counts.get(song, 0) for song in dirty.tolist()], np.int64),
        }
        if full:
            insert_columns(SongStats, columns, updated_at=timezone.now())
        else:
            now = timezone.now()
            SongStats.objects.bulk_create(
                [
                    SongStats(
                        song_id=song,
                        norm=norm,
                        popularity=popularity,
                        interactions=interactions,
                        updated_at=now,
                    )
                    for song, norm, popularity, interactions in zip(
                        *(column.tolist() for column in columns.values()), strict=True
                    )
                ],
                batch_size=CHUNK,
                update_conflicts=True,
                unique_fields=["song"],
                update_fields=["norm", "popularity", "interactions", "updated_at"],
            )
    return written


def _rebuild_popular() -> None:
    """Rebuild the popular lists (overall and per genre) from the songs' popularity."""
    published = SongStats.objects.filter(popularity__gt=0, song__hidden=False)
    overall = [
        PopularSong(genre_id=None, song_id=song_id, rank=rank, score=score)
        for rank, (song_id, score) in enumerate(
            published.order_by("-popularity", "song_id").values_list("song_id", "popularity")[
                :POPULAR_LIMIT
            ]
        )
    ]
    per_genre = (
        published.filter(song__genres__isnull=False)
        .annotate(
            genre_id=F("song__genres"),
            position=Window(
                RowNumber(),
                partition_by=F("song__genres"),
                order_by=[F("popularity").desc(), F("song_id").asc()],
            ),
        )
        .filter(position__lte=POPULAR_PER_GENRE)
        .values_list("genre_id", "song_id", "position", "popularity")
    )
    by_genre = [
        PopularSong(genre_id=genre_id, song_id=song_id, rank=position - 1, score=score)
        for genre_id, song_id, position, score in per_genre
    ]
    with transaction.atomic():
        PopularSong.objects.all().delete()
        PopularSong.objects.bulk_create([*overall, *by_genre], batch_size=CHUNK)


def songs_dirty_since_refresh() -> int:
    """Return how many songs the next incremental run would recompute."""
    state, _ = RefreshState.objects.get_or_create(pk=1)
    marks = watermarks(timezone.now())
    return len(dirty_songs(state, marks) | songs_with_removals())
