"""Writes of the recommender: the job that keeps song neighbours and popular lists fresh.

Item-to-item collaborative filtering. Each listener (and each playlist) is a basket of songs
weighted by likes, ratings, recency-decayed plays and playlist membership (scoring.py); two
songs are similar by the cosine of their basket vectors, shrunk when few baskets share them.
Each song keeps its top NEIGHBORS in SongNeighbor.

A run only recomputes dirty songs: those with likes, plays or playlist entries past the
stored id watermarks, ratings changed since the last run, or fewer likes, ratings and playlist
entries than at their last refresh (an unlike, a removed entry or rating: removals leave no
watermark, so each song's count is kept with its statistics). Their rows are exact; songs that
are not dirty keep their rows until they are (or until a --full run), a bounded staleness
that saves re-reading every history on each run.
"""

import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from library.models import Like, Play, Rating
from playlists.models import PlaylistItem
from recommendations import scoring
from recommendations.models import PopularSong, RefreshState, SongNeighbor, SongStats

logger = logging.getLogger(__name__)

NEIGHBORS = 30
BASKET_LIMIT = 100  # strongest songs kept per listener or playlist: bounds pairs per basket
SHRINK = 2.0  # cosine * shared / (shared + SHRINK): one shared listener is weak evidence
POPULAR_LIMIT = 100
POPULAR_PER_GENRE = 50
CHUNK = 5000
FETCH_ROWS = 100_000
PAIRS_PER_BATCH = 4_000_000
MAX_BASKETS = 2000  # per incremental run; more are sampled down to this


@dataclass(frozen=True)
class RefreshResult:
    """What one run of the job did."""

    full: bool
    songs: int
    neighbors: int
    seconds: float


@dataclass
class Baskets:
    """Positive taste weights per basket (listener or playlist), as parallel numpy arrays."""

    rows: np.ndarray  # basket index, sorted
    songs: np.ndarray  # song id
    weights: np.ndarray
    user_rows: int  # rows below this are listeners, the rest playlists


def _chunks(values: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


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


def _columns(queryset, fields: tuple[str, ...]) -> list[np.ndarray]:
    """Fetch a values_list query as one int64 numpy column per field, a block at a time."""
    parts: list[list[np.ndarray]] = [[] for _ in fields]
    rows = queryset.values_list(*fields).iterator(chunk_size=FETCH_ROWS)
    while block := list(islice(rows, FETCH_ROWS)):
        array = np.asarray(block, dtype=np.int64).reshape(len(block), len(fields))
        for index, part in enumerate(parts):
            part.append(array[:, index])
    return [np.concatenate(part) if part else np.zeros(0, dtype=np.int64) for part in parts]


def _scoped(queryset, field: str, ids: list[int] | None):
    """Yield the query as is (ids None) or restricted to the ids, a chunk at a time."""
    if ids is None:
        yield queryset
        return
    for chunk in _chunks(ids):
        yield queryset.filter(**{f"{field}__in": chunk})


def _user_weights(
    user_ids: list[int] | None, now: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (user, song, weight) arrays summing likes, ratings, plays and own playlists."""
    users, songs, weights = [], [], []

    def add(user, song, weight) -> None:
        users.append(user)
        songs.append(song)
        weights.append(np.broadcast_to(np.asarray(weight, dtype=np.float64), user.shape))

    for query in _scoped(Like.objects.order_by(), "user_id", user_ids):
        user, song = _columns(query, ("user_id", "song_id"))
        add(user, song, scoring.LIKE_WEIGHT)
    stars_weight = np.array([scoring.rating_weight(stars) for stars in range(6)])
    for query in _scoped(Rating.objects.order_by(), "user_id", user_ids):
        user, song, stars = _columns(query, ("user_id", "song_id", "stars"))
        add(user, song, stars_weight[np.clip(stars, 0, 5)])
    buckets = _play_buckets(now)
    counts = {name: Count("id", filter=condition) for name, condition in buckets.items()}
    bucket_weights = np.array([weight for _days, weight in scoring.PLAY_AGE_BUCKETS])
    for query in _scoped(Play.objects.order_by(), "user_id", user_ids):
        grouped = query.values("user_id", "song_id").annotate(**counts).order_by()
        user, song, *ages = _columns(grouped, ("user_id", "song_id", *buckets))
        decayed = np.stack(ages, axis=1) @ bucket_weights if ages else np.zeros(len(user))
        add(user, song, 1.0 - np.exp(-decayed / 2.0))  # scoring.play_weight, vectorised
    for query in _scoped(PlaylistItem.objects.order_by(), "playlist__owner_id", user_ids):
        user, song = _columns(query.distinct(), ("playlist__owner_id", "song_id"))
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
        _columns(query.distinct(), ("playlist_id", "song_id"))
        for query in _scoped(PlaylistItem.objects.order_by(), "playlist_id", playlist_ids)
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


def _norms_and_popularity(baskets: Baskets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct songs of the baskets, their vector norms and their popularity."""
    song_ids, inverse = np.unique(baskets.songs, return_inverse=True)
    norms = np.sqrt(np.bincount(inverse, weights=baskets.weights**2, minlength=len(song_ids)))
    listener = baskets.rows < baskets.user_rows
    popularity = np.bincount(
        inverse[listener], weights=baskets.weights[listener], minlength=len(song_ids)
    )
    return song_ids, norms, popularity


def song_neighbors(
    baskets: Baskets,
    dirty: np.ndarray,
    norm_of: dict[int, float],
    k: int | None = None,
    dot_scale: float = 1.0,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (song, neighbour, score) arrays: the top k neighbours of each dirty song.

    Pairs come from baskets holding a dirty song, generated in numpy in batches of whole songs
    so memory stays bounded; the cosine uses norm_of for every song.
    """
    if not len(baskets.rows) or not len(dirty):
        return
    k = k or NEIGHBORS
    rows, songs, weights = baskets.rows, baskets.songs, baskets.weights  # sorted by basket
    starts = np.searchsorted(rows, rows, side="left")
    sizes = np.searchsorted(rows, rows, side="right") - starts
    norm_ids = np.asarray(sorted(norm_of), dtype=np.int64)
    norm_values = np.asarray([norm_of[song_id] for song_id in norm_ids.tolist()])
    # Entries of dirty songs, grouped by song so each batch holds every pair of its songs.
    picked = np.flatnonzero(np.isin(songs, dirty) & (sizes > 1))
    picked = picked[np.argsort(songs[picked], kind="stable")]
    if not len(picked):
        return
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(songs[picked])) + 1, [len(picked)]])
    pairs_before = np.concatenate([[0], np.cumsum(sizes[picked])])[bounds]
    groups = len(bounds) - 1
    first = 0
    while first < groups:
        # Take whole songs until the batch holds about PAIRS_PER_BATCH pairs.
        target = pairs_before[first] + PAIRS_PER_BATCH
        last = min(
            max(int(np.searchsorted(pairs_before, target, side="right")) - 1, first + 1), groups
        )
        yield _batch_neighbors(
            picked[bounds[first] : bounds[last]],
            songs,
            weights,
            starts,
            sizes,
            norm_ids,
            norm_values,
            k,
            dot_scale,
        )
        first = last


def _norms(song_ids: np.ndarray, norm_ids: np.ndarray, norm_values: np.ndarray) -> np.ndarray:
    """Return each song's stored norm (0 for a song without one)."""
    if not len(norm_ids):
        return np.zeros(len(song_ids))
    at = np.clip(np.searchsorted(norm_ids, song_ids), 0, len(norm_ids) - 1)
    return np.where(norm_ids[at] == song_ids, norm_values[at], 0.0)


def _batch_neighbors(entries, songs, weights, starts, sizes, norm_ids, norm_values, k, dot_scale):
    lengths = sizes[entries]
    total = int(lengths.sum())
    # For each dirty entry, every entry of its basket: a ragged arange.
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    partners = np.repeat(starts[entries], lengths) + (np.arange(total) - offsets)
    sources = np.repeat(entries, lengths)
    keep = songs[partners] != songs[sources]
    sources, partners = sources[keep], partners[keep]
    keys = (songs[sources] << 32) | songs[partners]
    unique, inverse = np.unique(keys, return_inverse=True)
    dots = np.bincount(inverse, weights=weights[sources] * weights[partners]) * dot_scale
    shared = np.bincount(inverse).astype(np.float64)
    left, right = unique >> 32, unique & 0xFFFFFFFF
    denominators = _norms(left, norm_ids, norm_values) * _norms(right, norm_ids, norm_values)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(denominators > 0, dots / denominators, 0.0)
    scores = np.minimum(cosine, 1.0) * shared / (shared + SHRINK)
    order = np.lexsort((right, -scores, left))
    left, right, scores = left[order], right[order], scores[order]
    first = np.searchsorted(left, left, side="left")
    top = (np.arange(len(left)) - first < k) & (scores > 0)
    return left[top], right[top], scores[top]


def _dirty_songs(state: RefreshState, marks: dict) -> set[int]:
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


def _interaction_counts(song_ids: list[int] | None) -> dict[int, int]:
    """Return how many likes, ratings and playlist entries these songs (None: all) have now."""
    counts: dict[int, int] = defaultdict(int)
    for model in (Like, Rating, PlaylistItem):
        for query in _scoped(model.objects.order_by(), "song_id", song_ids):
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


def _songs_with_removals() -> set[int]:
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


def _baskets_of(song_ids: set[int]) -> tuple[list[int], list[int], float]:
    """Return the listeners and playlists that hold any of these songs, and the share kept.

    Past MAX_BASKETS (songs everyone plays), an even sample of both stands for the rest, so an
    incremental run stays bounded however popular its dirty songs are.
    """
    users: set[int] = set()
    playlists: set[int] = set()
    for chunk in _chunks(song_ids):
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


def _stored_norms(song_ids: Iterable[int]) -> dict[int, float]:
    norms: dict[int, float] = {}
    for chunk in _chunks(song_ids):
        norms.update(SongStats.objects.filter(song_id__in=chunk).values_list("song_id", "norm"))
    return norms


def refresh_recommendations(full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Recompute the neighbours and statistics of dirty songs (all songs with --full).

    Then rebuild the short popular lists. Watermarks move only when the run has written its
    rows, so a failed run is simply repeated by the next one.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    state, _ = RefreshState.objects.get_or_create(pk=1)
    marks = _watermarks(now)
    # Counted before the baskets are read: a removal after this is seen by the next run, and
    # an interaction added since the watermarks is past them, so it is seen again too.
    if full:
        counts = _interaction_counts(None)
        baskets = load_baskets(None, None, now)
        song_ids, norms, popularity = _norms_and_popularity(baskets)
        dirty = song_ids
        norm_of = dict(zip(song_ids.tolist(), norms.tolist(), strict=True))
        dot_scale = 1.0
    else:
        dirty_set = _dirty_songs(state, marks) | _songs_with_removals()
        counts = _interaction_counts(sorted(dirty_set))
        users, playlists, share = _baskets_of(dirty_set)
        baskets = load_baskets(users, playlists, now)
        song_ids, norms, popularity = _norms_and_popularity(baskets)
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
            for chunk in _chunks(dirty.tolist()):
                SongNeighbor.objects.filter(song_id__in=chunk).delete()
        for sources, targets, scores in batches:
            _insert(SongNeighbor, {"song_id": sources, "neighbor_id": targets, "score": scores})
            written += len(sources)
        missing = (0.0, 0.0)
        columns = {
            "song_id": dirty,
            "norm": np.array([stats.get(song, missing)[0] for song in dirty.tolist()]),
            "popularity": np.array([stats.get(song, missing)[1] for song in dirty.tolist()]),
            "interactions": np.array([counts.get(song, 0) for song in dirty.tolist()], np.int64),
        }
        if full:
            _insert(SongStats, columns, updated_at=timezone.now())
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


def _insert(model, columns: dict[str, np.ndarray], **constants) -> None:
    """Insert rows given as numpy columns: COPY on PostgreSQL, bulk_create elsewhere."""
    names = list(columns)
    values = [column.tolist() for column in columns.values()]
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        sql = f"COPY {table} ({', '.join([*names, *constants])}) FROM STDIN"
        extra = tuple(constants.values())
        with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
            for row in zip(*values, strict=True):
                copy.write_row((*row, *extra))
        return
    rows = (
        model(**dict(zip(names, row, strict=True)), **constants)
        for row in zip(*values, strict=True)
    )
    while block := list(islice(rows, CHUNK)):
        model.objects.bulk_create(block)


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


def _watermarks(now: datetime) -> dict:
    """Return the highest like, play and playlist entry ids, and the time for ratings."""
    return {
        "like_id": Like.objects.aggregate(top=Max("id"))["top"] or 0,
        "play_id": Play.objects.aggregate(top=Max("id"))["top"] or 0,
        "playlist_item_id": PlaylistItem.objects.aggregate(top=Max("id"))["top"] or 0,
        "rating_time": now,
    }


def songs_dirty_since_refresh() -> int:
    """Return how many songs the next incremental run would recompute."""
    state, _ = RefreshState.objects.get_or_create(pk=1)
    marks = _watermarks(timezone.now())
    return len(_dirty_songs(state, marks) | _songs_with_removals())
