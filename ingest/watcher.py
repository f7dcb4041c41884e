"""Watch the local media folder and post S3-shaped events for its files to the webhook.

The folder speaks the same event JSON into the same webhook as S3, so a file dropped into
media/music/ takes the one ingest path. Files the upload page writes (music/uploads/) are left
to it: it records their event itself, with the uploader, and a second event from here made a
second job for every upload. A file copied there by hand comes in with the next re-sync.
"""

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from watchdog.events import FileSystemEvent, FileSystemEventHandler

from ingest.events import object_record
from ingest.listing import local_etag
from ingest.models import UPLOAD_PREFIX
from ingest.signing import sign_headers

logger = logging.getLogger(__name__)


def post_records(records: list[dict], webhook_url: str, secret: str, timeout: float = 10) -> dict:
    """Sign and POST records to the ingest webhook; return its JSON answer."""
    body = json.dumps({"Records": records}).encode()
    headers = {"Content-Type": "application/json", **sign_headers(secret, body)}
    request = urllib.request.Request(webhook_url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


class MediaFolderHandler(FileSystemEventHandler):
    def __init__(self, root: Path, webhook: str):
        self.root = root
        self.webhook = webhook
        # Files moved in from elsewhere are "created" but never "closed": post them once their
        # size has held still for a moment.
        self._pending: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _key(self, path: str) -> str | None:
        relative = Path(path).resolve().relative_to(self.root.resolve())
        if relative.parts and relative.parts[0] == "covers" or relative.name.startswith("."):
            return None
        return relative.as_posix()

    def _post(self, record: dict) -> None:
        for attempt in range(5):
            try:
                post_records([record], self.webhook, settings.INGEST_SECRET)
                return
            except (urllib.error.URLError, OSError) as error:
                logger.info("webhook not reachable yet (%s); retrying", error)
                time.sleep(min(2**attempt, 10))
        logger.error("gave up posting %s", record["s3"]["object"]["key"])

    def _created(self, path: str) -> None:
        key = self._key(path)
        if key is None or key.startswith(f"{UPLOAD_PREFIX}/") or not Path(path).is_file():
            return
        stat = Path(path).stat()
        self._post(
            object_record(
                settings.INGEST_BUCKET_NAME, key, size=stat.st_size, etag=local_etag(stat)
            )
        )

    def _removed(self, path: str) -> None:
        key = self._key(path)
        if key is not None:
            self._post(object_record(settings.INGEST_BUCKET_NAME, key, removed=True))

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            with self._lock:
                self._pending[event.src_path] = (time.monotonic(), -1)

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            with self._lock:
                self._pending.pop(event.src_path, None)
            self._created(event.src_path)

    def flush_pending(self, settle: float = 2.0) -> None:
        """Post created files that were never closed and whose size stopped changing."""
        now = time.monotonic()
        ready = []
        with self._lock:
            for path, (seen, size) in list(self._pending.items()):
                try:
                    current = Path(path).stat().st_size
                except FileNotFoundError:
                    del self._pending[path]
                    continue
                if current == size and now - seen >= settle:
                    ready.append(path)
                    del self._pending[path]
                else:
                    self._pending[path] = (seen if current == size else now, current)
        for path in ready:
            self._created(path)

    def on_deleted(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._removed(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._removed(event.src_path)
            self._created(event.dest_path)
