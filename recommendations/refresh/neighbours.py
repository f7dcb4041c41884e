"""Song neighbours from baskets: the cosine of two songs' basket vectors, in numpy.

Two songs are similar by the cosine of their basket vectors, shrunk when few baskets share
them; each song keeps its top NEIGHBORS. The arithmetic is numpy only: it reads nothing from
the database, the caller gives it the baskets and the norms.
"""

from collections.abc import Iterator

import numpy as np

from recommendations.refresh.baskets import Baskets

NEIGHBORS = 30
SHRINK = 2.0  # cosine * shared / (shared + SHRINK): one shared listener is weak evidence
PAIRS_PER_BATCH = 4_000_000


def norms_and_popularity(baskets: Baskets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
