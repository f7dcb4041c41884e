"""Encodes that run ahead of their listeners into the cache, and readers that follow them.

An encode runs in a thread of its own at full speed, writing its `.part` file; every request
for the same output, first or later, reads that file as it grows. So an encode holds an
encoder only for the seconds it takes (not for the minutes a phone takes to play it), a listener
who skips away leaves a complete file for the next one, and two listeners never cost two encodes.

A request waits for the encode's first bytes before it answers (`EncodeJob.first_bytes`), so an
encode that never starts (no encoder came free, the file is missing or undecodable) is a clear
error status, not an empty 200; one that fails after its first bytes ends its readers with
TranscodeInterrupted, which the ASGI server turns into a cut connection: the client sees a
truncated transfer, never a short answer that looks whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

from catalog.transcoding import cache
from catalog.transcoding.encoder import EncodeFailed
from catalog.transcoding.slots import TranscoderBusy, Turn, Unavailable
from catalog.transcoding.source import SourceMissing

logger = logging.getLogger(__name__)

READ_SIZE = 256 * 1024
# How long a request waits for an encode's first bytes once it has an encoder (a slow store):
# past it the answer starts anyway, as a stream that is cut if the encode then fails.
FIRST_BYTES_SECONDS = 15
# The failures a request is answered with as they are; any other is a store that did not answer.
ANSWERED_FAILURES = (EncodeFailed, SourceMissing, Unavailable)


class SourceUnreadable(Unavailable):
    """The song's file could not be read (the store failed or timed out): try again later."""


class TranscodeInterrupted(Exception):
    """An encode failed after its first bytes were sent: the response must be cut, not ended."""


_jobs: dict[Path, EncodeJob] = {}  # by the file each one makes: one cache folder, one job
_jobs_lock = threading.Lock()


class EncodeJob:
    """One encode into the cache: a thread writes, any number of readers follow."""

    def __init__(self, key: str, chunks: Callable[[], Iterator[bytes]], turn: Turn | None):
        self.key = key
        self.final = cache.cached_file(key)
        self.part = self.final.with_name(f"{key}.{uuid.uuid4().hex[:8]}{cache.PART_SUFFIX}")
        self._writer = open(self.part, "xb")  # noqa: SIM115 - closed by the encoding thread
        self._chunks = chunks
        self._turn = turn
        self._condition = threading.Condition()
        self._listeners: list[Callable[[], None]] = []
        self.written = 0
        self.done = False
        self.failure: str | None = None
        self.error: Exception | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"transcode-{self.key[:8]}", daemon=True).start()

    def reader(self, length: int | None, asynchronous: bool) -> JobReader:
        """Open a reader from the first byte; call under `_jobs_lock` (the file may be renamed)."""
        kind = AsyncJobReader if asynchronous else SyncJobReader
        return kind(self, open(self.part, "rb"), length)

    def listen(self, wake: Callable[[], None]) -> None:
        with self._condition:
            self._listeners.append(wake)

    def unlisten(self, wake: Callable[[], None]) -> None:
        with self._condition:
            if wake in self._listeners:
                self._listeners.remove(wake)

    def progress(self) -> tuple[int, bool]:
        with self._condition:
            return self.written, self.done

    def wait(self, seen: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self.written > seen or self.done, timeout=timeout)

    def first_bytes(self) -> None:
        """Wait until the encode has bytes to send or has ended; raise what stopped it early.

        The wait covers the queue (TRANSCODE_WAIT_SECONDS) and the first chunk: TranscoderBusy
        when no encoder came free, EncodeFailed or SourceMissing for the file, SourceUnreadable
        for a store that failed. An encode that is still silent after that is streamed anyway.
        """
        self.wait(0, timeout=max(settings.TRANSCODE_WAIT_SECONDS, 0) + FIRST_BYTES_SECONDS)
        if self.error is None:
            return
        if isinstance(self.error, ANSWERED_FAILURES):
            raise self.error
        raise SourceUnreadable(f"The song's file could not be read: {self.failure}") from self.error

    def _advance(self, size: int = 0, done: bool = False) -> None:
        with self._condition:
            self.written += size
            self.done = self.done or done
            self._condition.notify_all()
            listeners = list(self._listeners)
        for wake in listeners:
            wake()

    def _run(self) -> None:
        try:
            self._encode()
        except Exception as error:
            expected = isinstance(error, ANSWERED_FAILURES)
            logger.warning("Transcoding %s failed: %s", self.key, error, exc_info=not expected)
            self.failure = str(error) or type(error).__name__
            self.error = error
            self._writer.close()
            with _jobs_lock:
                _jobs.pop(self.final, None)
                cache.remove(self.part)
        else:
            cache.evict()  # before the readers hear the end: the cache is in bounds by then
        finally:
            self._advance(done=True)

    def _encode(self) -> None:
        wait = settings.TRANSCODE_WAIT_SECONDS
        if self._turn and not self._turn.begin(wait):
            raise TranscoderBusy(
                f"No encoder came free within {wait} seconds; try again in a few seconds."
            )
        try:
            for chunk in self._chunks():
                self._writer.write(chunk)
                self._writer.flush()
                self._advance(len(chunk))
        finally:
            if self._turn:
                self._turn.end()
        self._writer.close()
        with _jobs_lock:
            os.replace(self.part, self.final)
            _jobs.pop(self.final, None)


def open_cached_or_encode(
    key: str,
    chunks: Callable[[], Iterator[bytes]],
    reserve: Callable[[], Turn] | None,
    *,
    length: int | None,
    asynchronous: bool,
) -> Path | JobReader:
    """Return the finished file for `key`, or a reader of its encode (joined or started).

    `reserve` takes an encoder's turn (None for work that needs none, such as a remux).
    """
    final = cache.cached_file(key)
    with _jobs_lock:
        job = _jobs.get(final)
        if job is not None:
            return job.reader(length, asynchronous)
        if cache.touch(final):
            return final
        job = EncodeJob(key, chunks, reserve() if reserve else None)
        _jobs[final] = job
        reader = job.reader(length, asynchronous)
    job.start()
    return reader


class JobReader:
    """The bytes of one encode as they are written.

    With `length` (an estimated Content-Length) it sends exactly that many bytes: zeros after
    the end of the audio, which decoders skip, or the audio cut there in the rare long case.
    When the encode fails, the reader raises TranscodeInterrupted after the bytes written
    before the failure, so the server cuts the connection instead of ending the answer.
    """

    def __init__(self, job: EncodeJob, handle, length: int | None):
        self.job = job
        self.handle = handle
        self.length = length
        self.sent = 0

    def _next(self) -> bytes | None:
        """Return the next bytes written, b"" when none are yet, None at the end."""
        written, done = self.job.progress()
        position = self.handle.tell()
        if position < written:
            wanted = written - position
            if self.length is not None:
                wanted = min(wanted, self.length - self.sent)
            data = self.handle.read(min(wanted, READ_SIZE)) if wanted > 0 else b""
            if data:
                self.sent += len(data)
                return data
        if self.length is not None and self.sent >= self.length:
            return None
        if not done:
            return b""
        if self.job.failure is not None:
            logger.warning(
                "Cutting the stream of %s after %d bytes: %s",
                self.job.key,
                self.sent,
                self.job.failure,
            )
            raise TranscodeInterrupted(f"The encode failed: {self.job.failure}")
        if self.length is not None:
            padding = min(self.length - self.sent, READ_SIZE)
            self.sent += padding
            return bytes(padding)
        return None

    def close(self) -> None:
        self.handle.close()


class SyncJobReader(JobReader):
    def __iter__(self):
        try:
            while (chunk := self._next()) is not None:
                if chunk:
                    yield chunk
                else:
                    self.job.wait(self.handle.tell(), timeout=1.0)
        finally:
            self.close()


class AsyncJobReader(JobReader):
    async def __aiter__(self):
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # a closed loop: its listener has gone
                loop.call_soon_threadsafe(ready.set)

        self.job.listen(wake)
        try:
            while True:
                ready.clear()
                # Reads of what the encoder wrote a moment ago come from the page cache.
                chunk = self._next()
                if chunk is None:
                    break
                if chunk:
                    yield chunk
                else:
                    await ready.wait()
        finally:
            self.job.unlisten(wake)
            self.close()
