"""Read the tags of a batch's objects, with no database: each object -> its tags, or the reason
it has none.

Over S3 a read waits on the network, so a batch's objects are read side by side on threads.
Local files cost only CPU, and mutagen's parsing holds the interpreter: threads would take
turns, so a batch of local files is read by reader processes (INGEST_READ_PROCESSES), one
per core by default, while the web process's own core answers requests and writes the
previous batch's rows (measured: 823-874 -> 1145-1234 songs/s at 100 events a request on 2
quiet cores; nothing gained when the other cores are busy). A batch too small to repay the hop
(one upload) is read in place, as is everything when the processes are switched off or cannot
be started. As with any multiprocessing, the readers import the program's main module under
another name: a script that starts the web process keeps its work under
``if __name__ == "__main__"`` (daphne's, uvicorn's and manage.py do).

Nothing here touches Django's models or settings at import: the reader processes import
this module, and the tag readers (ingest.tags), and nothing of the apps.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from catalog.metadata import CoverArt, SongMetadata
from ingest.store import ObjectMissing, StoreReader, local_path, open_file, open_object
from ingest.tags import MetadataError, read_metadata

logger = logging.getLogger(__name__)

# IngestJob.Status's values (ingest/models.py): a reader process loads no models.
SKIPPED, FAILED = "skipped", "failed"
# Fewer local files than this are read in place: a process hop costs ~1 ms a batch, and a
# single upload wants its song live at once.
PROCESS_BATCH_MIN = 8


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    song_id: int | None = None


@dataclass(frozen=True)
class TagsRead:
    """What reading an object's tags gave, ready to be written as a song."""

    metadata: SongMetadata
    size: int
    content_hash: str
    tags_hash: str = ""


@dataclass(frozen=True)
class ReadLimits:
    """A read's budgets, from settings: a reader process has none of its own."""

    max_file_bytes: int
    max_tag_bytes: int
    timeout: float


@dataclass(frozen=True)
class ObjectToRead:
    """One job's object: its key, what the event said of it, and its file when it is local."""

    job_id: int
    key: str
    size: int | None = None
    version_id: str = ""
    path: str | None = None


@dataclass(frozen=True)
class Crash:
    """A read that raised what no reader expects: the kind and traceback, for the server log."""

    kind: str
    details: str


def unexpected(kind: str) -> Outcome:
    """Fail with only the kind of error: its text may hold server paths, which the log keeps."""
    return Outcome(FAILED, f"unexpected error ({kind}); the server log has the details")


def _gone(missing: ObjectMissing) -> Outcome:
    """Skip an object the store no longer has (deleted between its event and its read)."""
    return Outcome(SKIPPED, f"the object is no longer in the store: {missing}")


def tags_hash(metadata: SongMetadata) -> str:
    """Return a digest of what a file's tags and stream say, beside its content hash.

    The content hash reads the size and the first 64 KB only, and a format that keeps its
    tags at the end (WAV, AIFF, an MP3 with ID3v1 only, an MP4 with its index last) holds
    nothing but audio there: two songs of one length that open with the same silence had one
    hash, and a second upload was skipped as the first, a removal gave its likes to the
    other. Only fields read from the file go in (not the title made from its name), so a
    renamed file keeps its digest.
    """
    cover = metadata.cover
    facts = (
        *(metadata.title, metadata.artists, metadata.album, metadata.album_artist),
        *(metadata.track_number, metadata.disc_number, metadata.year, metadata.genres),
        *(round(metadata.duration, 3), metadata.sample_rate, metadata.channels, metadata.codec),
        hashlib.sha256(cover.data).hexdigest() if cover else None,
    )
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def read_tags(
    opened: Callable[[], StoreReader], key: str, limits: ReadLimits
) -> Outcome | TagsRead:
    """Read only the bytes the tags need from `opened()`, within the limits."""
    try:
        reader = opened()
    except ObjectMissing as missing:
        return _gone(missing)
    try:
        if reader.size == 0:
            return Outcome(FAILED, "empty file (0 bytes)")
        if reader.size > limits.max_file_bytes:
            return Outcome(
                FAILED,
                f"too large: {reader.size / 1024**2:.0f} MB, "
                f"the limit is {limits.max_file_bytes / 1024**2:.0f} MB",
            )
        metadata = read_metadata(reader, PurePosixPath(key).name, share_cover=_shared_cover)
        content_hash = hashlib.sha256(f"{reader.size}:".encode() + reader.head).hexdigest()
        return TagsRead(metadata, reader.size, content_hash, tags_hash(metadata))
    except ObjectMissing as missing:
        return _gone(missing)
    except MetadataError as error:
        return Outcome(FAILED, str(error))
    except Exception as error:
        if getattr(error, "ingest_limit", False):
            return Outcome(FAILED, str(error))
        raise
    finally:
        reader.close()


# The covers read last. An album's songs come in together and embed the same picture: the
# bytes are compared with these (far cheaper than hashing them again), and the songs then
# hold one CoverArt, which a batch of results pickles once on its way back from a reader
# process (about 30 KB a song less to send and unpickle).
_recent_covers: list[CoverArt] = []
_recent_covers_lock = threading.Lock()
RECENT_COVERS = 4
RECENT_COVER_BYTES = 1024 * 1024  # a bigger picture is not kept


def _shared_cover(art: CoverArt) -> CoverArt:
    """Return the cover with its digest: the CoverArt of the same picture read lately, if any."""
    with _recent_covers_lock:
        known = next((cover for cover in _recent_covers if cover == art), None)
    if known is None:
        known = replace(art, sha256=hashlib.sha256(art.data).hexdigest())
        if len(art.data) <= RECENT_COVER_BYTES:
            with _recent_covers_lock:
                _recent_covers.insert(0, known)
                del _recent_covers[RECENT_COVERS:]
    return known


def _read_stored(item: ObjectToRead, limits: ReadLimits) -> Outcome | TagsRead | Crash:
    """Read one object through the configured storage (a thread of the web process)."""

    def opened() -> StoreReader:
        return open_object(
            item.key,
            size=item.size,
            version_id=item.version_id,
            max_bytes=limits.max_tag_bytes,
            timeout=limits.timeout,
        )

    return _guarded(opened, item.key, limits)


def _read_file(item: ObjectToRead, limits: ReadLimits) -> Outcome | TagsRead | Crash:
    """Read one local file by its path (in a reader process)."""

    def opened() -> StoreReader:
        return open_file(
            item.path, item.key, max_bytes=limits.max_tag_bytes, timeout=limits.timeout
        )

    return _guarded(opened, item.key, limits)


def _guarded(
    opened: Callable[[], StoreReader], key: str, limits: ReadLimits
) -> Outcome | TagsRead | Crash:
    try:
        return read_tags(opened, key, limits)
    except Exception as error:
        # One file's surprise must not cost its batch: it fails alone, the log keeps why.
        return Crash(type(error).__name__, traceback.format_exc())


def read_objects(
    items: list[ObjectToRead], limits: ReadLimits, *, s3: bool, threads: int, processes: int
) -> dict[int, Outcome | TagsRead]:
    """Read every object's tags; return {job id: tags or outcome}."""
    if s3 and len(items) > 1:
        with ThreadPoolExecutor(
            max_workers=min(threads, len(items)), thread_name_prefix="ingest-read"
        ) as pool:
            return _collect(items, pool.map(_read_stored, items, [limits] * len(items)))
    if not s3 and len(items) >= PROCESS_BATCH_MIN and processes > 0:
        read = _read_in_processes(items, limits, processes)
        if read is not None:
            return read
    return _collect(items, (_read_stored(item, limits) for item in items))


def _collect(items, results) -> dict[int, Outcome | TagsRead]:
    read: dict[int, Outcome | TagsRead] = {}
    for item, result in zip(items, results, strict=True):
        if isinstance(result, Crash):
            logger.error(
                "reading the tags of %s failed unexpectedly:\n%s", item.key, result.details
            )
            result = unexpected(result.kind)
        read[item.job_id] = result
    return read


# --- the reader processes -------------------------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _read_in_processes(
    items: list[ObjectToRead], limits: ReadLimits, processes: int
) -> dict[int, Outcome | TagsRead] | None:
    """Read the files in the reader processes; None if they cannot (read them in place)."""
    pool = _reader_pool(processes)
    if pool is None:
        return None
    read: dict[int, Outcome | TagsRead] = {}
    files = []
    for item in items:
        try:
            files.append(replace(item, path=local_path(item.key)))
        except ObjectMissing as missing:
            read[item.job_id] = _gone(missing)
    # A few chunks a process: each result crosses back with its cover, so chunks stay small.
    chunk = max(1, len(files) // (processes * 4))
    try:
        results = list(pool.map(_read_file, files, [limits] * len(files), chunksize=chunk))
    except (BrokenProcessPool, OSError, RuntimeError, ImportError):
        logger.warning("the tag reader processes stopped; reading in place", exc_info=True)
        _drop_pool(pool)
        return None
    read.update(_collect(files, results))
    return read


def _reader_pool(processes: int) -> Executor | None:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is not None and _pool_size == processes:
            return _pool
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        try:
            # forkserver: the readers are forked from a clean process that has imported this
            # module, never from the web process and its threads and connections.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            _pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)
        except (OSError, ValueError, RuntimeError, ImportError, NotImplementedError):
            # No working semaphores or forkserver here (some sandboxes): read in place.
            logger.warning("no tag reader processes; reading in place", exc_info=True)
            _pool = None
        _pool_size = processes
        return _pool


def _drop_pool(pool: Executor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)
