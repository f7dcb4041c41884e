"""Unwrap S3 object events from their envelopes and choose the ones worth ingesting.

S3 event notifications arrive directly, through SQS (optionally inside an SNS envelope) or through
EventBridge; each becomes an ``ObjectEvent`` and, if it can be a song, an S3 notification record.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest_lambda.config import Settings

logger = logging.getLogger(__name__)

_EVENTBRIDGE_CREATED_NAMES = {
    "PutObject": "ObjectCreated:Put",
    "POST Object": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}


class UnsupportedEventError(ValueError):
    """The invocation event is not a shape this function understands."""


@dataclass(frozen=True)
class ObjectEvent:
    """One object created or removed in a bucket, with its key decoded."""

    event_name: str
    event_time: str
    bucket: str
    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None
    region: str | None = None

    @property
    def is_created(self) -> bool:
        """Return whether the event adds or replaces an object."""
        return self.event_name.startswith("ObjectCreated:")

    @property
    def is_removed(self) -> bool:
        """Return whether the event removes an object (deleted or expired)."""
        return self.event_name.startswith(("ObjectRemoved:", "LifecycleExpiration:"))

    def to_record(self) -> dict[str, Any]:
        """Return the event as S3 would send it in an event notification."""
        s3_object: dict[str, Any] = {"key": urllib.parse.quote_plus(self.key, safe="/")}
        optional = {
            "size": self.size,
            "eTag": self.etag,
            "versionId": self.version_id,
            "sequencer": self.sequencer,
        }
        s3_object.update({name: value for name, value in optional.items() if value is not None})
        record: dict[str, Any] = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventTime": self.event_time,
            "eventName": self.event_name,
            "s3": {
                "s3SchemaVersion": "1.0",
                "bucket": {"name": self.bucket, "arn": f"arn:aws:s3:::{self.bucket}"},
                "object": s3_object,
            },
        }
        if self.region:
            record["awsRegion"] = self.region
        return record


def events_from_payload(payload: Any) -> list[ObjectEvent]:
    """Return the object events in an S3, SNS or EventBridge payload; ignore S3 test events."""
    if not isinstance(payload, dict):
        raise UnsupportedEventError(f"expected a JSON object, got {type(payload).__name__}")
    if payload.get("Event") == "s3:TestEvent":
        logger.info("ignored s3:TestEvent for bucket %s", payload.get("Bucket"))
        return []
    if payload.get("Type") == "Notification" and "Message" in payload:
        return events_from_payload(parse_json(payload["Message"], "SNS message"))
    if payload.get("source") == "aws.s3" and "detail" in payload:
        return [_event_from_eventbridge(payload)]
    records = payload.get("Records")
    if not isinstance(records, list):
        raise UnsupportedEventError("not an S3, SNS, SQS or EventBridge event")
    events: list[ObjectEvent] = []
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("Sns"), dict):
            events.extend(events_from_payload(parse_json(record["Sns"].get("Message"), "SNS")))
        elif isinstance(record, dict) and isinstance(record.get("s3"), dict):
            events.append(_event_from_s3_record(record))
        else:
            raise UnsupportedEventError("record is neither an S3 nor an SNS record")
    return events


def _event_from_s3_record(record: dict[str, Any]) -> ObjectEvent:
    try:
        s3 = record["s3"]
        s3_object = s3["object"]
        return ObjectEvent(
            event_name=str(record["eventName"]),
            event_time=str(record.get("eventTime") or _now_iso()),
            bucket=str(s3["bucket"]["name"]),
            key=urllib.parse.unquote_plus(str(s3_object["key"])),
            size=_optional_int(s3_object.get("size")),
            etag=_clean_etag(s3_object.get("eTag")),
            version_id=s3_object.get("versionId") or None,
            sequencer=s3_object.get("sequencer") or None,
            region=record.get("awsRegion") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnsupportedEventError(f"malformed S3 record: {exc!r}") from exc


def _event_from_eventbridge(event: dict[str, Any]) -> ObjectEvent:
    try:
        detail = event["detail"]
        s3_object = detail["object"]
        return ObjectEvent(
            event_name=_eventbridge_event_name(event["detail-type"], detail),
            event_time=_iso_time(event.get("time")),
            bucket=str(detail["bucket"]["name"]),
            key=str(s3_object["key"]),
            size=_optional_int(s3_object.get("size")),
            etag=_clean_etag(s3_object.get("etag") or s3_object.get("eTag")),
            version_id=s3_object.get("version-id") or None,
            sequencer=s3_object.get("sequencer") or None,
            region=event.get("region") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnsupportedEventError(f"malformed EventBridge event: {exc!r}") from exc


def _eventbridge_event_name(detail_type: str, detail: dict[str, Any]) -> str:
    reason = detail.get("reason", "")
    if detail_type == "Object Created":
        return _EVENTBRIDGE_CREATED_NAMES.get(reason, "ObjectCreated:Put")
    if detail_type == "Object Deleted":
        marker = detail.get("deletion-type") == "Delete Marker Created"
        action = "DeleteMarkerCreated" if marker else "Delete"
        prefix = "LifecycleExpiration" if reason == "Lifecycle Expiration" else "ObjectRemoved"
        return f"{prefix}:{action}"
    # Keep other S3 events (tags, restores...) recognisable so they are skipped, not forwarded.
    return f"EventBridge:{detail_type}"


def _skip_reason(event: ObjectEvent, settings: Settings) -> str | None:
    """Return why ``event`` should not reach the webhook, or None to forward it."""
    if not (event.is_created or event.is_removed):
        return f"unsupported event {event.event_name}"
    if event.key.endswith("/"):
        return "folder marker"
    name = event.key.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.audio_extensions:
        return f"not an audio file (.{extension})" if extension else "not an audio file (no ext)"
    if event.is_created and event.size is not None:
        if event.size == 0:
            return "empty object (0 bytes)"
        if event.size > settings.max_bytes:
            return f"too large ({event.size} bytes > INGEST_MAX_BYTES {settings.max_bytes})"
    return None


def records_to_forward(
    events: list[ObjectEvent], settings: Settings
) -> tuple[list[dict[str, Any]], int]:
    """Return the S3 records worth ingesting among ``events`` and how many were skipped."""
    records = []
    skipped = 0
    for event in events:
        reason = _skip_reason(event, settings)
        if reason is None:
            records.append(event.to_record())
        else:
            skipped += 1
            logger.info("skipped s3://%s/%s: %s", event.bucket, event.key, reason)
    return records, skipped


def parse_json(text: Any, what: str) -> Any:
    """Return ``text`` parsed as JSON; raise ``UnsupportedEventError`` naming ``what`` if not."""
    if not isinstance(text, str):
        raise UnsupportedEventError(f"{what} is not a string")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UnsupportedEventError(f"{what} is not JSON: {exc}") from exc


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _clean_etag(value: Any) -> str | None:
    etag = str(value or "").strip('"')
    return etag or None


def _iso_time(value: Any) -> str:
    """Return an S3-style ISO 8601 time from EventBridge's string or epoch-seconds time."""
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return str(value) if value else _now_iso()


def _now_iso() -> str:
    return _iso_time(time.time())
