"""Transcoded files on disk, so a replay or a seek back costs no encode.

One file per (song file, format, bitrate, offset), named by a hash of them; an encode writes
`<hash>.<random>.part` and renames it to `<hash>.cache` when complete, so a reader never
mistakes half a file for a whole one. The folder is kept under TRANSCODE_CACHE_MAX_MB by
removing the least recently used files first (a hit touches its file). Files end in `.cache`,
not an audio suffix, so nothing that walks the media folder for songs picks them up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SUFFIX = ".cache"
PART_SUFFIX = ".part"
# A .part file older than this belongs to an encode that died with its process.
STALE_PART_SECONDS = 3600


def cache_dir() -> Path:
    """Return the cache folder (TRANSCODE_CACHE_DIR, else MEDIA_ROOT/transcoded), made if new."""
    folder = Path(settings.TRANSCODE_CACHE_DIR or Path(settings.MEDIA_ROOT) / "transcoded")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:40]


def cached_file(key: str) -> Path:
    return cache_dir() / f"{key}{SUFFIX}"


def touch(path: Path) -> bool:
    """Mark a cached file as just used; False when it is gone (evicted meanwhile)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def evict(folder: Path | None = None, max_bytes: int | None = None) -> int:
    """Remove the least recently used files until the folder fits; return how many went."""
    try:
        return _evict(folder or cache_dir(), max_bytes)
    except OSError:
        logger.warning("Could not tidy the transcoding cache", exc_info=True)
        return 0


def _evict(folder: Path, max_bytes: int | None) -> int:
    if max_bytes is None:
        max_bytes = max(settings.TRANSCODE_CACHE_MAX_MB, 0) * 1024 * 1024
    entries = []
    now = time.time()
    for entry in os.scandir(folder):
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        if entry.name.endswith(PART_SUFFIX):
            if now - stat.st_mtime > STALE_PART_SECONDS:
                remove(entry.path)
            continue
        if entry.name.endswith(SUFFIX):
            entries.append((stat.st_mtime, stat.st_size, entry.path))
    total = sum(size for _, size, _ in entries)
    removed = 0
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        remove(path)
        total -= size
        removed += 1
    return removed


def remove(path: str | Path) -> None:
    """Remove a file of the cache; one already gone is fine."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:
        logger.warning("Could not remove %s from the transcoding cache", path, exc_info=True)
