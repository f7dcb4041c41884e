"""Object events in the S3 notification shape: parse a webhook body, build a record.

Every source (S3 through the Lambda, a store's own webhook, the local watcher, uploads, the
re-sync) speaks S3 event notification JSON, so there is one ingest path. Local sources use a
nanosecond clock in hex as the sequencer, ordered like S3's.
"""

import hashlib
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote_plus, unquote_plus

from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware, make_aware

from ingest.models import IngestJob

CREATED_PREFIXES = ("ObjectCreated:",)
REMOVED_PREFIXES = ("ObjectRemoved:", "LifecycleExpiration:")
# Bounds of what a record may hold: S3's own (a key is at most 1024 bytes of UTF-8) and the
# columns of IngestJob, so a record the webhook accepts is one the database stores.
MAX_BUCKET_LENGTH = 255
MAX_KEY_BYTES = 1024
MAX_EVENT_NAME_LENGTH = 100
MAX_SIZE = 2**63 - 1
# A re-sync's events ("ObjectCreated:Resync"): their sequencer is the one applied when the
# store was listed, which the job expects to find still applied, not an event's own.
RESYNC_EVENT_SUFFIX = ":Resync"


class InvalidEvent(ValueError):
    """The webhook body is not an S3 event notification we can record; str() says why."""


@dataclass(frozen=True)
class ObjectEvent:
    """One S3 object event, decoded from a notification record."""

    action: str
    bucket: str
    key: str
    event_name: str
    event_time: datetime | None
    size: int | None
    etag: str
    version_id: str
    sequencer: str

    @property
    def dedup_key(self) -> str:
        """Name the event, alike for every delivery of it and apart from any other event."""
        parts = [self.bucket, self.key, self.action, self.sequencer, self.version_id, self.etag]
        resync = self.event_name.endswith(RESYNC_EVENT_SUFFIX)
        if resync:
            parts.append("resync")
        if (resync or not (self.sequencer or self.version_id)) and self.event_time is not None:
            # Nothing else tells a second upload of the same bytes (after a delete, say) from
            # a redelivery of the first: only the time the store saw it.
            parts.append(self.event_time.isoformat())
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --- parsing the webhook body -------------------------------------------------------------


def check_s3_notification(payload: object) -> tuple[list[ObjectEvent], int]:
    """Decode an S3 event notification into object events; return them and the ignored count.

    Accepts what S3 (through our Lambda), MinIO and our local watcher send: `{"Records": [...]}`
    with URL-encoded keys; an S3 test event has no records and is ignored.
    """
    if not isinstance(payload, dict):
        raise InvalidEvent("the body must be a JSON object with a 'Records' list")
    if payload.get("Event") == "s3:TestEvent":
        return [], 1
    records = payload.get("Records")
    if not isinstance(records, list):
        raise InvalidEvent("the body must be a JSON object with a 'Records' list")
    decoded, ignored = [], 0
    for index, record in enumerate(records):
        event = _check_record(record, index)
        if event is None:
            ignored += 1
        else:
            decoded.append(event)
    return decoded, ignored


def _check_record(record: object, index: int) -> ObjectEvent | None:
    where = f"Records[{index}]"
    if not isinstance(record, dict):
        raise InvalidEvent(f"{where} must be an object")
    event_name = record.get("eventName")
    if not isinstance(event_name, str) or not event_name:
        raise InvalidEvent(f"{where}.eventName is missing")
    _check_text(event_name, f"{where}.eventName", MAX_EVENT_NAME_LENGTH)
    event_name = event_name.removeprefix("s3:")  # MinIO spells them "s3:ObjectCreated:Put"
    if event_name.startswith(CREATED_PREFIXES):
        action = IngestJob.Action.CREATED
    elif event_name.startswith(REMOVED_PREFIXES):
        action = IngestJob.Action.REMOVED
    else:
        return None
    s3 = record.get("s3")
    if not isinstance(s3, dict):
        raise InvalidEvent(f"{where}.s3 is missing")
    bucket = (s3.get("bucket") or {}).get("name") if isinstance(s3.get("bucket"), dict) else None
    obj = s3.get("object")
    if not isinstance(bucket, str) or not bucket:
        raise InvalidEvent(f"{where}.s3.bucket.name is missing")
    _check_text(bucket, f"{where}.s3.bucket.name", MAX_BUCKET_LENGTH)
    if not isinstance(obj, dict) or not isinstance(obj.get("key"), str) or not obj["key"]:
        raise InvalidEvent(f"{where}.s3.object.key is missing")
    try:
        key = unquote_plus(obj["key"], errors="strict")
    except UnicodeDecodeError:
        raise InvalidEvent(f"{where}.s3.object.key is not valid UTF-8 once decoded") from None
    check_object_key(key, f"{where}.s3.object.key")
    sequencer = str(obj.get("sequencer") or "")
    if sequencer and not re.fullmatch(r"[0-9A-Fa-f]{1,64}", sequencer):
        raise InvalidEvent(f"{where}.s3.object.sequencer must be a hexadecimal string")
    etag = _optional_text(obj.get("eTag") or obj.get("etag"), f"{where}.s3.object.eTag")
    etag = etag.strip('"')[:100]
    version_id = _optional_text(obj.get("versionId"), f"{where}.s3.object.versionId")[:1024]
    _check_text(etag, f"{where}.s3.object.eTag", 100)
    _check_text(version_id, f"{where}.s3.object.versionId", 1024)
    return ObjectEvent(
        action=action,
        bucket=bucket,
        key=key,
        event_name=event_name,
        event_time=_check_time(record.get("eventTime"), f"{where}.eventTime"),
        size=_check_size(obj.get("size"), f"{where}.s3.object.size"),
        etag=etag,
        version_id=version_id,
        sequencer=sequencer.upper(),
    )


def check_object_key(key: str, where: str = "key") -> None:
    """Refuse a key no store of ours can hold as an object: raise InvalidEvent saying why.

    Keys are relative names: a leading "/" or a "." or ".." segment would name a file outside
    the media folder (or an S3 key django-storages refuses), so they never reach the store.
    An empty segment ("a//b") or a trailing "/" (an S3 folder marker) would name another
    key's file: the local folder and django-storages' S3 backend both normalise them away, so
    such a key would become a second song of one file, streamed from the other key.
    """
    _check_text(key, where, MAX_KEY_BYTES)
    if len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidEvent(f"{where} is longer than S3 allows ({MAX_KEY_BYTES} bytes)")
    if key.startswith("/"):
        raise InvalidEvent(f"{where} must be relative, not start with '/'")
    segments = key.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise InvalidEvent(f"{where} must not hold '.' or '..' path segments")
    if "" in segments:
        raise InvalidEvent(f"{where} must not hold an empty path segment ('//') or end with '/'")


def check_listed_event(event: ObjectEvent) -> tuple[ObjectEvent, str]:
    """Return an event of an object found in the store (by the re-sync or the watcher), as a
    job can record it, and why it cannot be ingested ("" when it can).

    A file name that is not UTF-8 (os.scandir hands its bytes on as lone surrogates) is no
    key S3 or the database can hold: its job records it under printable_key, to fail with
    the reason, so the file shows in the admin instead of stopping whoever found it.
    """
    try:
        check_object_key(event.key, "its key")
    except InvalidEvent as refused:
        return replace(event, key=printable_key(event.key)), f"{refused}; rename it to ingest it"
    return event, ""


def printable_key(key: str) -> str:
    """Return ``key`` as text any database holds: each byte of a file name that is not
    UTF-8 as \\xNN (other lone surrogates as \\uNNNN), cut to the jobs' key column."""
    try:
        raw = key.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = key.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace").replace("\0", "\\x00")[:MAX_KEY_BYTES]


def _optional_text(value: object, where: str) -> str:
    """Return a field S3 sends as a string, or "" when absent; any other JSON type is refused
    (str() would store a list as "['x']")."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidEvent(f"{where} must be a string")
    return value


def _check_text(value: str, where: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidEvent(f"{where} is longer than {limit} characters")
    if "\0" in value:
        raise InvalidEvent(f"{where} must not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise InvalidEvent(f"{where} is not valid UTF-8") from None


def _check_size(size: object, where: str) -> int | None:
    """Return the size in bytes: a whole number from 0 to 2**63 - 1 (what the database holds)."""
    if size is None:
        return None
    if isinstance(size, float) and size.is_integer():
        size = int(size)
    if isinstance(size, str) and size.isdecimal() and len(size) <= 19:
        size = int(size)
    if isinstance(size, bool) or not isinstance(size, int):
        raise InvalidEvent(f"{where} must be a number (whole bytes)")
    if not 0 <= size <= MAX_SIZE:
        raise InvalidEvent(f"{where} must be from 0 to {MAX_SIZE}")
    return size


def _check_time(value: object, where: str) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
        if moment is not None:
            # Stored in UTC (a time without an offset as Django takes it, in TIME_ZONE): an
            # offset may carry a time at either end of the calendar past its edge.
            (moment if is_aware(moment) else make_aware(moment)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidEvent(f"{where} is not a real date and time: {value[:40]!r}") from None
    return moment


# --- building records for sources that are not S3 ------------------------------------------

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
