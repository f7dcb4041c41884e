"""Watch the local media folder and post S3-shaped events for its files to the webhook.

The folder speaks the same event JSON into the same webhook as S3, so a file dropped into
media/music/ takes the one ingest path. Files the upload page writes (music/uploads/) are left
to it: it records their event itself, with the uploader, and a second event from here made a
second job for every upload. A file copied there by hand comes in with the next re-sync.

Records go out in order from one sender thread, which gathers the records that arrive while a
request is on its way, or while a burst of them lasts, into the next request (up to WATCH_BATCH
a request), as the Lambda posts an SQS batch. A single file goes out WATCH_QUIET after it is
closed; a folder copied in goes in a few requests of WATCH_BATCH.
"""

import errno
import fcntl
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict, deque
from pathlib import Path
from stat import S_ISREG
from urllib.parse import unquote_plus

from django.conf import settings
from django.db import connection
from django.utils import timezone
from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from ingest.events import ObjectEvent, check_listed_event, next_sequencer, object_record
from ingest.jobs import record_ingest_events
from ingest.listing import is_audio_key, local_etag
from ingest.models import UPLOAD_PREFIX, IngestJob
from ingest.queries import catalogue_entries
from ingest.signing import sign_headers

logger = logging.getLogger(__name__)

WATCH_BATCH = 100  # records a request at most: a batch of the webhook's workers
# A burst (a folder being copied in) ends when no record came for WATCH_QUIET seconds; its
# records go together, in requests of WATCH_BATCH, and no record waits longer than WATCH_LINGER
# (a slow copy). Sent as they came, a copy of 300 songs on two busy cores went in 11-37
# requests, each a webhook call and a jobs transaction that competed with the copy itself.
WATCH_QUIET = 0.02
WATCH_LINGER = 0.2
# Pending files (see MediaFolderHandler) are looked at every SETTLE_POLL seconds; where no one
# can tell whether a file is still being written, it goes once its size held still for
# SETTLE_SECONDS (and if it was still being written after all, its close posts it again: the
# newer job wins).
SETTLE_SECONDS = 0.5
SETTLE_POLL = 0.2
# Reports remembered (key -> ETag, or REMOVED), so that a file seen both ways (pending, then
# closed) goes once, and a folder's files deleted one by one are not reported again with it.
REMEMBERED = 10_000
REMOVED = ""
POST_ATTEMPTS = 5  # a request the webhook does not answer is tried again, waiting 1, 2, 4, 8 s


def post_records(records: list[dict], webhook_url: str, secret: str, timeout: float = 10) -> dict:
    """Sign and POST records to the ingest webhook; return its JSON answer."""
    body = json.dumps({"Records": records}).encode()
    headers = {"Content-Type": "application/json", **sign_headers(secret, body)}
    request = urllib.request.Request(webhook_url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def _refused(error: Exception) -> bool:
    """The webhook answered and refused the body (4xx but 429): posting it again won't help."""
    if not isinstance(error, urllib.error.HTTPError):
        return False
    return 400 <= error.code < 500 and error.code != 429


class RecordSender:
    """Posts records to the webhook in the order they were sent, from a thread of its own.

    A request waits until no record came for ``quiet`` seconds (at most ``linger`` from its
    first record, and not once it holds ``batch``); while one is on its way, the records sent
    meanwhile wait too, and the next request takes them all (up to ``batch`` records, and no
    body over ``max_bytes``); records sent together (a rename's removal and creation) go in
    one request. A request the
    webhook cannot be reached for is tried again a few times and then given up, with an error
    in the log; the server's next re-sync brings those files in. A batch the webhook refuses
    (a key it cannot store, say) is posted again a record at a time, so only that record is
    refused, with its reason in the log.
    """

    def __init__(
        self,
        webhook: str,
        *,
        batch: int = WATCH_BATCH,
        max_bytes: int | None = None,
        retry_wait: float = 1.0,
        quiet: float = WATCH_QUIET,
        linger: float = WATCH_LINGER,
    ) -> None:
        self.webhook = webhook
        self.batch = batch
        self.quiet = quiet
        self.linger = linger
        self.max_bytes = settings.INGEST_MAX_EVENT_BYTES if max_bytes is None else max_bytes
        self.retry_wait = retry_wait
        self._waiting: deque[list[dict]] = deque()  # records sent together
        self._sent = 0  # records sent so far
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="watch-sender", daemon=True)
        self._thread.start()

    def send(self, *records: dict) -> None:
        """Post ``records`` in order, in one request (with others, maybe)."""
        with self._changed:
            self._waiting.append(list(records))
            self._sent += len(records)
            self._changed.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record sent so far was posted (or given up); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Post what is waiting without lingering, then stop the thread."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._closed)
                if not self._waiting:
                    return
                self._linger()
                records = self._take()
                self._busy = True
            try:
                self._post(records)
            except Exception:
                logger.exception("could not post %d records", len(records))
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _linger(self) -> None:
        """Wait, under ``_changed``, while records keep coming (as the class says)."""
        waiting = sum(len(group) for group in self._waiting)
        deadline = time.monotonic() + self.linger
        while waiting < self.batch and not self._closed:
            left = deadline - time.monotonic()
            before = self._sent
            if left <= 0 or not self._changed.wait_for(
                lambda before=before: self._sent != before or self._closed, min(self.quiet, left)
            ):
                return
            waiting += self._sent - before

    def _take(self) -> list[dict]:
        records: list[dict] = []
        size = len(b'{"Records": []}')
        while self._waiting:
            group = self._waiting[0]
            # json.dumps of the body joins the records with ", ".
            grows = sum(len(json.dumps(record).encode()) + 2 for record in group)
            if records and (
                len(records) + len(group) > self.batch or size + grows > self.max_bytes
            ):
                break
            records += self._waiting.popleft()
            size += grows
        return records

    def _post(self, records: list[dict]) -> None:
        for attempt in range(POST_ATTEMPTS):
            try:
                post_records(records, self.webhook, settings.INGEST_SECRET)
                return
            except (urllib.error.URLError, OSError) as error:
                if _refused(error):
                    self._refused(records, error)
                    return
                logger.info("webhook not reachable yet (%s); retrying", error)
                if attempt + 1 < POST_ATTEMPTS:
                    time.sleep(min(self.retry_wait * 2**attempt, 10))
        logger.error(
            "gave up posting %d records (%s...); the next re-sync brings them in",
            len(records),
            _key_of(records[0]),
        )

    def _refused(self, records: list[dict], error: urllib.error.HTTPError) -> None:
        if len(records) > 1:
            for record in records:
                self._post([record])
            return
        detail = error.read().decode(errors="replace")[:300]
        logger.error("the webhook refused %s: %s %s", _key_of(records[0]), error.code, detail)


def _key_of(record: dict) -> str:
    return unquote_plus(record["s3"]["object"]["key"])


def being_written(path: str) -> bool | None:
    """Whether some process holds the file open for writing; None where this cannot be told.

    Linux grants a read lease on a file only while no one has it open for writing; the lease
    is given back at once. Elsewhere (another system, a file system without leases, a file of
    another user) the answer is None.
    """
    if not hasattr(fcntl, "F_SETLEASE"):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as error:
        return True if error.errno == errno.EAGAIN else None
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


# The events MediaFolderHandler acts on (see watch()). The kernel keeps the others to itself:
# every open, read and unwritten close of a file (the server's tag readers and hashing, its
# streams, the lease check) and every write of a copy would each wake the watcher.
HANDLED_EVENTS = [
    FileCreatedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    DirDeletedEvent,
    FileMovedEvent,
    DirMovedEvent,
]


class MediaFolderHandler(FileSystemEventHandler):
    """Turns the folder's file events into records for the sender.

    A file written in a watched folder is reported when it is closed. A file that appears
    without being closed (moved in whole, or copied into a new folder before the folder's own
    watch could see its close) is reported at once if no one writes it, else waits in
    ``pending`` until no one does any more (or, where that cannot be told, until its size has
    held still for SETTLE_SECONDS). A file is not reported twice as it is, since both ways can
    see the same file. A file's key is its path under the media folder as named there, a link
    too, as the re-sync's listing names it.
    """

    def __init__(self, root: Path, webhook: str, sender: RecordSender | None = None):
        self.root = root
        self._prefix = os.path.join(str(root), "")
        self.webhook = webhook
        self.sender = sender or RecordSender(webhook)
        self._pending: dict[str, tuple[float, int]] = {}
        self._reported: OrderedDict[str, str] = OrderedDict()  # key -> ETag, the latest few
        self._lock = threading.Lock()

    def _key(self, path: str) -> str | None:
        if path.startswith(self._prefix):  # as watchdog names them: the watched path, joined
            relative = path[len(self._prefix) :]
        else:
            try:
                relative = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                return None  # through a link, out of the media folder
        parts = relative.split("/")
        if parts[0] == "covers" or parts[-1].startswith(".") or not parts[-1]:
            return None
        return relative

    def _post(self, *records: dict | None) -> None:
        if records := [record for record in records if record is not None]:
            self.sender.send(*records)

    def _created(self, path: str) -> None:
        self._post(self._created_record(path))

    def _created_record(self, path: str) -> dict | None:
        """The record of a file that is there (None if it is not to be reported).

        Only audio files, as the re-sync and the Lambda take them (folder.jpg is no song). A
        file whose name no key can hold is not posted: its job is recorded failed here."""
        key = self._key(path)
        if key is None or key.startswith(f"{UPLOAD_PREFIX}/") or not is_audio_key(key):
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None  # gone again: its deletion is reported
        if not S_ISREG(stat.st_mode):
            return None
        etag = local_etag(stat)
        if not self._remember(key, etag):
            return None
        event, refused = check_listed_event(_created_event(key, stat.st_size, etag))
        if refused:
            _record_refused(event, refused)
            return None
        return object_record(settings.INGEST_BUCKET_NAME, key, size=stat.st_size, etag=etag)

    def _removed(self, path: str) -> None:
        self._post(self._removed_record(path))

    def _removed_record(self, path: str) -> dict | None:
        key = self._key(path)
        if key is None:
            return None
        self._remember(key, REMOVED)
        try:
            key.encode()
        except UnicodeEncodeError:
            return None  # a file name that is not UTF-8: no song was made of it
        return object_record(settings.INGEST_BUCKET_NAME, key, removed=True)

    def _remember(self, key: str, etag: str) -> bool:
        """Remember the report of ``key`` as ``etag``; False if it was the latest already."""
        with self._lock:
            if self._reported.get(key) == etag:
                return False
            self._reported[key] = etag
            self._reported.move_to_end(key)
            while len(self._reported) > REMEMBERED:
                self._reported.popitem(last=False)
            return True

    def dispatch(self, event: FileSystemEvent) -> None:
        """Handle one event; whatever goes wrong with it is logged, and the watching goes on."""
        try:
            super().dispatch(event)
        except Exception:
            logger.exception("could not report %s", event)

    def on_created(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        if being_written(event.src_path) is False:  # moved in, or copied before we looked
            self._created(event.src_path)
            return
        with self._lock:
            self._pending[event.src_path] = (time.monotonic(), -1)

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            with self._lock:
                self._pending.pop(event.src_path, None)
            self._created(event.src_path)

    def flush_pending(self, settle: float = SETTLE_SECONDS) -> None:
        """Report the pending files no one writes any more (see the class)."""
        now = time.monotonic()
        ready = []
        with self._lock:
            pending = list(self._pending.items())
        for path, (seen, size) in pending:
            try:
                current = os.stat(path).st_size
            except OSError:
                current = None
            writing = being_written(path) if current is not None else None
            with self._lock:
                if self._pending.get(path) != (seen, size):
                    continue  # closed, or created again, meanwhile
                if current is None:
                    del self._pending[path]
                elif writing is False or (
                    writing is None and current == size and now - seen >= settle
                ):
                    ready.append(path)
                    del self._pending[path]
                elif current != size:
                    self._pending[path] = (now, current)
        for path in ready:
            try:
                self._created(path)
            except Exception:
                logger.exception("could not report %s", path)

    def on_deleted(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            self._folder_left(event.src_path)
        else:
            self._removed(event.src_path)

    def _folder_left(self, path: str) -> None:
        """Report the songs of a folder that left, one removal each.

        A folder deleted file by file (`rm -r`) was reported a file at a time already; a folder
        moved out of the media folder (`mv Album ~/elsewhere`) says nothing of its files. Its
        songs are those the catalogue holds under its key whose file is gone.
        """
        key = self._key(path)
        if not key or "/" not in key:
            return  # the watched folder itself: nothing of the catalogue goes with it
        with self._lock:
            recent = {key for key, etag in self._reported.items() if etag == REMOVED}
        try:
            gone = [
                entry.key
                for entry in catalogue_entries(f"{key}/")
                if entry.key not in recent and not (self.root / entry.key).exists()
            ]
        finally:
            connection.close()  # this thread's: the watcher holds no connection while idle
        for song_key in gone:
            self._removed(str(self.root / song_key))

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            # One request: the batch that reads the new key sees the old one go, and moves
            # the song instead of making it again (ingest.same_file).
            self._post(self._removed_record(event.src_path), self._created_record(event.dest_path))


def _created_event(key: str, size: int | None, etag: str) -> ObjectEvent:
    return ObjectEvent(
        action=IngestJob.Action.CREATED,
        bucket=settings.INGEST_BUCKET_NAME,
        key=key,
        event_name="ObjectCreated:Put",
        event_time=timezone.now(),
        size=size,
        etag=etag,
        version_id="",
        sequencer=next_sequencer(),
    )


def _record_refused(event: ObjectEvent, reason: str) -> None:
    """Record a file the webhook cannot be told of as a failed job, so the admin shows it."""
    logger.warning("not ingesting %s: %s", event.key, reason)
    try:
        record_ingest_events([event], {event.dedup_key: reason})
    finally:
        connection.close()  # this thread's: the watcher holds no connection while idle


def watch(handler: MediaFolderHandler, folder: Path) -> Observer:
    """Start watching ``folder`` and the folders below it for ``handler``; return the observer.

    Only HANDLED_EVENTS leave the kernel.
    """
    observer = Observer()
    observer.schedule(handler, str(folder), recursive=True, event_filter=HANDLED_EVENTS)
    observer.start()
    return observer
