"""Read one object of the media store: range reads within a byte and time budget.

Reading tags needs a few kilobytes at the head of a file (and sometimes at its tail), not
the whole song: on S3 every read becomes an HTTP range GET of whole blocks, cached, so a
30 MB FLAC costs a handful of kilobytes. On local storage the same reader wraps the file.
Listing the store (for the re-sync) is listing.py's; both share s3_client.
"""

import bisect
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage

from catalog.media import is_s3

logger = logging.getLogger(__name__)

HEAD_SIZE = 64 * 1024  # the first bytes kept in `head`, which the ingest job hashes
MAX_CACHED_BYTES = 4 * 1024 * 1024
POOL_CONNECTIONS = 32


class IngestLimitExceeded(Exception):
    """Reading an object went past its byte budget; str() is the reason shown on the job."""

    ingest_limit = True


class IngestTimeout(TimeoutError):
    """Reading an object went past its deadline."""

    ingest_limit = True


class ObjectMissing(Exception):
    """The object named by the event is not in the store (anymore)."""


@dataclass
class ReadStats:
    requests: int = 0
    bytes_fetched: int = 0


Fetch = Callable[[int, int], tuple[bytes, int | None]]


@dataclass(frozen=True)
class ReadPlan:
    """How much a reader fetches at once: over S3 a request costs far more than its bytes."""

    first_read: int  # the least the first fetch takes
    whole_object: int  # an object at most this size is fetched whole at once
    step: int  # the least a fetch past the cached bytes takes
    tail_read: int  # a read within this much of the end fetches all of the end
    grow: bool  # reading on from the last fetch takes as much again as was read in a row


# The first GET takes the tags of most songs, cover included. An object at most twice that is
# fetched whole, as its end is usually wanted too (the last Ogg page, FLAC's last frames, an
# ID3v1 tag); probes of the end (ID3v1 after APEv2, the last Ogg page) take one GET, and a long
# run of reads (an Ogg comment over many pages, a large picture) a few.
S3_READS = ReadPlan(256 * 1024, 512 * 1024, 64 * 1024, 64 * 1024, grow=True)
LOCAL_READS = ReadPlan(64 * 1024, 0, 64 * 1024, 0, grow=False)


class RangeReader(io.RawIOBase):
    """A seekable, read-only file over `fetch(start, end_inclusive) -> (bytes, total_size)`.

    Fetched ranges are kept as segments; most reads fall inside the last one used and cost a
    slice. What a fetch takes beyond what was asked follows the reader's ReadPlan. Past
    MAX_CACHED_BYTES, segments far from the last read are dropped once the read has its bytes,
    and the byte budget counts each byte of the object once, however often it is fetched again
    after that. Every error
    a fetch raises is kept in `raised` (fetches are the only reads that can fail), so the tag
    reader can tell the reader's own failures from the file's without a wrapper of its own
    around each of mutagen's reads (ingest.tags.reader.TrackedReader).
    """

    def __init__(
        self,
        fetch: Fetch,
        name: str,
        size: int | None = None,
        max_bytes: int | None = None,
        deadline: float | None = None,
        plan: ReadPlan = LOCAL_READS,
    ):
        super().__init__()
        self._fetch = fetch
        self._plan = plan
        self.name = name
        self._size = size
        self._pos = 0
        self._segments: list[tuple[int, bytes]] = []  # (start, data), in order of start
        self._cached = 0  # bytes held in the segments
        self._hot: tuple[int, int, bytes] = (0, 0, b"")  # start, end, data of the last used
        self._run = (0, 0)  # start and length of the fetches that followed each other
        self._spans: list[tuple[int, int]] = []  # (start, stop) of every byte fetched, merged
        self._distinct = 0  # bytes of the object fetched at least once: what the budget counts
        self._max_bytes = max_bytes
        self._deadline = deadline
        self.stats = ReadStats()
        self._head: bytes | None = None
        self.raised: list[BaseException] = []

    @property
    def head(self) -> bytes:
        """Return the first HEAD_SIZE bytes (all of a smaller object), for the job to hash."""
        if self._head is None:
            pos = self._pos
            self._pos = 0
            self._head = self.read(HEAD_SIZE)
            self._pos = pos
        return self._head

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def size(self) -> int:
        if self._size is None:
            self._fetch_range(0, 1)
        assert self._size is not None
        return self._size

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        pos = self._pos
        start, end, data = self._hot
        if size is not None and size >= 0 and start <= pos and pos + size <= end:
            self._pos = pos + size
            return data[pos - start : pos + size - start]
        total = self.size
        if size is None or size < 0:
            size = total - pos
        if size == 0 or pos >= total:
            return b""
        stop = min(pos + size, total)
        missing = self._missing(pos, stop)
        if missing is not None:
            self._fetch_range(*missing)
        data = self._collect(pos, stop)
        # Only now: the bytes of this read may span segments that one more would push out.
        if self._cached > MAX_CACHED_BYTES:
            self._evict(keep=self._hot[0])
        self._pos = pos + len(data)
        return data

    def _missing(self, pos: int, stop: int) -> tuple[int, int] | None:
        """Return the range to fetch so that [pos, stop) is cached, or None if it is."""
        first_gap = last_gap = None
        cursor = pos
        for start, data in self._segments:
            end = start + len(data)
            if end <= cursor:
                continue
            if start >= stop:
                break
            if start > cursor:
                first_gap = cursor if first_gap is None else first_gap
                last_gap = start
            cursor = max(cursor, end)
            if cursor >= stop:
                break
        if cursor < stop:
            first_gap = cursor if first_gap is None else first_gap
            last_gap = stop
        if first_gap is None or last_gap is None:
            return None
        return first_gap, last_gap

    def _fetch_range(self, needed_start: int, needed_stop: int) -> None:
        """Fetch at least [needed_start, needed_stop), widened as the class says, in one GET."""
        try:
            self._fetch_widened(needed_start, needed_stop)
        except BaseException as error:
            self.raised.append(error)
            raise

    def _fetch_widened(self, needed_start: int, needed_stop: int) -> None:
        size, plan = self._size, self._plan
        if not self.stats.requests and needed_start < plan.first_read:
            start = 0
            whole = size is not None and size <= plan.whole_object
            first = size if whole else plan.first_read
            if self._max_bytes is not None:
                first = min(first, self._max_bytes)
            stop = max(needed_stop, first)
        else:
            # Reading on from the last fetch (an Ogg packet, a large picture), fetch as much
            # again as has been read in a row, so a long run costs a few requests, not one a page.
            step = plan.step
            if plan.grow and needed_start == sum(self._run):
                step = max(step, self._run[1])
            start, stop = needed_start, max(needed_stop, needed_start + step)
            if self._max_bytes is not None:
                stop = max(needed_stop, min(stop, start + self._max_bytes - self._distinct))
            if size is not None and stop > size - plan.tail_read:
                start = min(start, max(size - plan.tail_read, 0))
        # The widening stops at bytes already cached on either side.
        for begin, data in self._segments:
            end = begin + len(data)
            if end <= needed_start:
                start = max(start, end)
            elif begin >= needed_stop:
                stop = min(stop, begin)
        if size is not None:
            stop = min(stop, size)
            if start >= stop:
                return
        self._check_budget(self._unseen(start, stop))
        data, total = self._fetch(start, stop - 1)
        self.stats.requests += 1
        self.stats.bytes_fetched += len(data)
        run_start, run_length = self._run
        if start == run_start + run_length:
            self._run = (run_start, run_length + len(data))
        else:
            self._run = (start, len(data))
        if total is not None:
            self._size = total
        if not data:
            return
        self._distinct += self._unseen(start, start + len(data))
        self._spans = _merged(self._spans, (start, start + len(data)))
        bisect.insort(self._segments, (start, data), key=_segment_start)
        self._cached += len(data)

    def _unseen(self, start: int, stop: int) -> int:
        """Return how many bytes of [start, stop) were never fetched before."""
        seen = sum(max(0, min(stop, end) - max(start, begin)) for begin, end in self._spans)
        return stop - start - seen

    def _collect(self, pos: int, stop: int) -> bytes:
        """Return the cached bytes of [pos, stop), remembering the segment that held most."""
        pieces = []
        cursor = pos
        for start, data in self._segments:
            end = start + len(data)
            if end <= cursor or start > cursor:
                continue
            pieces.append(data[cursor - start : stop - start])
            self._hot = (start, end, data)
            cursor = min(end, stop)
            if cursor >= stop:
                break
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _evict(self, keep: int) -> None:
        """Drop the segments farthest from the one last read while the cache holds too much."""
        while self._cached > MAX_CACHED_BYTES and len(self._segments) > 1:
            start, data = max(
                (segment for segment in self._segments if segment[0] != keep),
                key=lambda segment: abs(segment[0] - keep),
            )
            self._segments.remove((start, data))
            self._cached -= len(data)
            if self._hot[0] == start:
                self._hot = (0, 0, b"")

    def _check_budget(self, upcoming: int) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise IngestTimeout("reading the file took longer than the ingest time limit")
        if self._max_bytes is not None and self._distinct + upcoming > self._max_bytes:
            raise IngestLimitExceeded(
                f"the tags need more than {self._max_bytes // (1024 * 1024)} MB to read"
            )


def _segment_start(segment: tuple[int, bytes]) -> int:
    return segment[0]


def _merged(spans: list[tuple[int, int]], new: tuple[int, int]) -> list[tuple[int, int]]:
    """Return sorted, disjoint spans with `new` added, touching ones joined."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted([*spans, new]):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


_clients_lock = threading.Lock()


def s3_client(storage: Storage):
    """Return the storage's one boto3 client for ingest reads and listings, shared by threads.

    django-storages opens a connection per thread; jobs read from many threads at once, so
    they share one thread-safe client with a connection pool large enough for all of them.
    """
    from botocore.config import Config  # only where the store is S3: botocore is ~30 MB

    with _clients_lock:
        client = getattr(storage, "_ingest_client", None)
        if client is None:
            config = storage.client_config.merge(Config(max_pool_connections=POOL_CONNECTIONS))
            client = storage._create_session().client(
                "s3",
                region_name=storage.region_name,
                use_ssl=storage.use_ssl,
                endpoint_url=storage.endpoint_url,
                config=config,
                verify=storage.verify,
            )
            storage._ingest_client = client
        return client


def _s3_fetcher(storage: Storage, key: str, version_id: str) -> Fetch:
    client = s3_client(storage)
    bucket = storage.bucket_name
    extra = {"VersionId": version_id} if version_id else {}

    def fetch(start: int, end: int) -> tuple[bytes, int | None]:
        try:
            response = client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes={start}-{end}", **extra
            )
        except client.exceptions.NoSuchKey as error:
            raise ObjectMissing(f"s3://{bucket}/{key} is not in the bucket") from error
        except client.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchVersion", "404", "NotFound"}:
                raise ObjectMissing(f"s3://{bucket}/{key} is not in the bucket") from error
            raise
        body = response["Body"]
        try:
            data = body.read()
        finally:
            body.close()
        total = None
        content_range = response.get("ContentRange", "")
        if "/" in content_range and not content_range.endswith("/*"):
            total = int(content_range.rsplit("/", 1)[1])
        return data, total

    return fetch


def _not_a_file(key: str) -> ObjectMissing:
    # The key alone: the error's text names server paths.
    return ObjectMissing(f"{key} is not a file in the media folder")


def local_path(key: str, storage: Storage | None = None) -> str:
    """Return the path of a key in the local media folder; ObjectMissing if it has none."""
    try:
        return (storage or default_storage).path(key)
    except (NotImplementedError, SuspiciousFileOperation) as error:
        raise _not_a_file(key) from error


def _file_fetcher(path: str, key: str) -> tuple[Fetch, int]:
    try:
        # Unbuffered: the reader keeps what it fetched, so a buffer would only copy it twice.
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the reader's close()
    except OSError as error:
        raise _not_a_file(key) from error
    size = handle.seek(0, io.SEEK_END)
    descriptor = handle.fileno()

    def fetch(start: int, end: int) -> tuple[bytes, int | None]:
        return os.pread(descriptor, end - start + 1, start), size

    fetch.handle = handle  # type: ignore[attr-defined]
    return fetch, size


class StoreReader(RangeReader):
    def close(self) -> None:
        handle = getattr(self._fetch, "handle", None)
        if handle is not None:
            handle.close()
        super().close()


def open_object(
    key: str,
    *,
    size: int | None = None,
    version_id: str = "",
    max_bytes: int | None = None,
    timeout: float | None = None,
    storage: Storage | None = None,
) -> StoreReader:
    """Open an object of the media store for range reads within a byte and time budget."""
    storage = storage or default_storage
    if not is_s3(storage):
        return open_file(local_path(key, storage), key, max_bytes=max_bytes, timeout=timeout)
    fetch = _s3_fetcher(storage, key, version_id)
    deadline = time.monotonic() + timeout if timeout else None
    return StoreReader(fetch, key, size=size, max_bytes=max_bytes, deadline=deadline, plan=S3_READS)


def open_file(
    path: str, key: str, *, max_bytes: int | None = None, timeout: float | None = None
) -> StoreReader:
    """Open a file of the local media folder (at `path`, known as `key`) as `open_object` does."""
    fetch, size = _file_fetcher(path, key)
    deadline = time.monotonic() + timeout if timeout else None
    return StoreReader(
        fetch, key, size=size, max_bytes=max_bytes, deadline=deadline, plan=LOCAL_READS
    )
