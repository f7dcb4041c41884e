"""What a latency measure at catalogue scale is, and the sampling helpers the measures share.

bench.scale runs the measures: its own (search, browse), bench.recommend's and bench.subsonic's.
Each of those imports this module, never bench.scale, so bench.scale can import them at its top
and no import runs back up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ScaleContext:
    """What a measure knows: the catalogue size and a fixed random source for its inputs."""

    songs: int
    samples: int
    random: random.Random


@dataclass
class Measure:
    """One timed target: calls are cycled through `samples` times, explain gives the SQL."""

    target: str
    goal_ms: float
    calls: list[Callable[[], object]]
    explain: Callable[[], object] | None = None  # a QuerySet whose plan to show
    notes: list[str] = field(default_factory=list)


def sample_ids(context: ScaleContext, model, count: int) -> list[int]:
    """Return `count` random primary keys between the model's lowest and highest (some may miss)."""
    top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    low = model.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    return [context.random.randint(low, top) for _ in range(count)] if top else []


def typo(rng: random.Random, text: str) -> str:
    """Swap two neighbouring letters of the longest word, as a fast typist does."""
    words = text.split()
    longest = max(range(len(words)), key=lambda index: len(words[index]))
    word = words[longest]
    if len(word) >= 5:
        at = rng.randint(1, len(word) - 3)
        words[longest] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def time_calls(calls: list[Callable[[], object]], samples: int) -> list[float]:
    """Make `samples` calls, taking `calls` in turn; return each one's duration in ms."""
    timings = []
    for index in range(samples):
        call = calls[index % len(calls)]
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` (0 to 1) of `values` lie, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
