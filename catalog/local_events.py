"""S3-shaped events for objects that did not come through S3: the media folder and uploads.

Local sources speak the same event JSON into the same webhook as S3 and MinIO, so there is
one ingest path. The sequencer is a nanosecond clock in hex, ordered like S3's.
"""

import json
import logging
import time
import urllib.request
from datetime import UTC, datetime
from urllib.parse import quote_plus

from catalog.signing import sign_headers

logger = logging.getLogger(__name__)

_last_sequencer = 0


def next_sequencer() -> str:
    """Return a hex sequencer greater than any this process returned before."""
    global _last_sequencer
    _last_sequencer = max(time.time_ns(), _last_sequencer + 1)
    return f"{_last_sequencer:016X}"


def object_record(
    bucket: str, key: str, *, removed: bool = False, size: int | None = None, etag: str = ""
) -> dict:
    """Build one S3 event notification record (eventVersion 2.1) for an object."""
    obj = {"key": quote_plus(key, safe="/"), "sequencer": next_sequencer()}
    if not removed:
        obj.update({"size": size or 0, "eTag": etag})
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": "ObjectRemoved:Delete" if removed else "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": obj},
    }


def post_records(records: list[dict], webhook_url: str, secret: str, timeout: float = 10) -> dict:
    """Sign and POST records to the ingest webhook; return its JSON answer."""
    body = json.dumps({"Records": records}).encode()
    headers = {"Content-Type": "application/json", **sign_headers(secret, body)}
    request = urllib.request.Request(webhook_url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")
