"""Forward S3 object events to the music server's ingest webhook.

This module runs as an AWS Lambda function and uses the Python standard library only, so the
deployment package is this one file. It accepts S3 event notifications delivered directly, through
SQS (optionally inside an SNS envelope) or through EventBridge, normalises them into S3
notification records, drops objects that cannot be songs, and POSTs the rest to the webhook signed
with HMAC-SHA256 over ``"<timestamp>." + body``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

USER_AGENT = "spotify-ingest-lambda/1"
DEFAULT_AUDIO_EXTENSIONS = "mp3,flac,ogg,oga,opus,m4a,mp4,aac,wav,aif,aiff,wma,alac,ape,wv"
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 2 * 1024**3
# Half the server's default INGEST_MAX_EVENT_BYTES (1 MiB): about 1,000 records per request.
DEFAULT_MAX_BODY_BYTES = 512 * 1024
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# Stop starting new work this long before Lambda would kill the invocation, so an SQS batch can
# still return its partial failures instead of timing out as a whole.
DEADLINE_MARGIN_SECONDS = 1.0
# A jobs list for a full request (about 1,000 records) is some 500 KB.
RESPONSE_BODY_LIMIT = 4 * 1024 * 1024
# How the webhook names the record it refused, as in "Records[3].s3.object.key is missing".
_REFUSED_RECORD = re.compile(r"\bRecords\[(\d+)\]")

# Tests replace this to retry without waiting.
sleep = time.sleep

_EVENTBRIDGE_CREATED_NAMES = {
    "PutObject": "ObjectCreated:Put",
    "POST Object": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}


class WebhookDeliveryError(Exception):
    """The webhook did not accept the events after all allowed attempts."""

    def __init__(
        self, message: str, *, status: int | None = None, attempts: int = 0, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
        self.detail = detail


class UnsupportedEventError(ValueError):
    """The invocation event is not a shape this function understands."""


class ConfigurationError(RuntimeError):
    """The function's environment variables are missing or invalid."""


@dataclass(frozen=True)
class Settings:
    """Configuration read from the environment on each invocation."""

    webhook_url: str
    secret: bytes
    max_attempts: int
    timeout_seconds: float
    audio_extensions: frozenset[str]
    max_bytes: int
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Return the settings from ``environ`` (default ``os.environ``), validated."""
        env = os.environ if environ is None else environ
        url = env.get("INGEST_WEBHOOK_URL", "").strip()
        secret = env.get("INGEST_SECRET", "")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ConfigurationError("INGEST_WEBHOOK_URL must be an http(s) URL")
        if not secret:
            raise ConfigurationError("INGEST_SECRET must be set")
        extensions = env.get("INGEST_AUDIO_EXTENSIONS", "") or DEFAULT_AUDIO_EXTENSIONS
        settings = cls(
            webhook_url=url,
            secret=secret.encode("utf-8"),
            max_attempts=_env_number(env, "INGEST_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, int),
            timeout_seconds=_env_number(
                env, "INGEST_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, float
            ),
            audio_extensions=frozenset(
                ext.strip().lstrip(".").lower() for ext in extensions.split(",") if ext.strip()
            ),
            max_bytes=_env_number(env, "INGEST_MAX_BYTES", DEFAULT_MAX_BYTES, int),
            max_body_bytes=_env_number(env, "INGEST_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, int),
        )
        numbers = (
            settings.max_attempts,
            settings.timeout_seconds,
            settings.max_bytes,
            settings.max_body_bytes,
        )
        if min(numbers) <= 0:
            raise ConfigurationError(
                "INGEST_MAX_ATTEMPTS, INGEST_TIMEOUT_SECONDS, INGEST_MAX_BYTES and "
                "INGEST_MAX_BODY_BYTES must be positive"
            )
        return settings


def _env_number[T: (int, float)](env: Mapping[str, str], name: str, default: T, kind: type[T]) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None


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


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Forward the object events in ``event`` to the webhook and report what happened.

    For an SQS batch, return the partial batch response listing the messages that failed;
    otherwise return ``{"forwarded": n, "skipped": m}`` and raise ``WebhookDeliveryError`` when
    the webhook does not take the events, so Lambda's own retries and dead-letter queue apply.
    """
    logger.setLevel(os.environ.get("INGEST_LOG_LEVEL", "INFO").upper())
    settings = Settings.from_env()
    deadline = _deadline(context)
    if _is_sqs_batch(event):
        return _handle_sqs_batch(event["Records"], settings, deadline)
    forwarded, skipped = _forward(events_from_payload(event), settings, deadline)
    return {"forwarded": forwarded, "skipped": skipped}


def events_from_payload(payload: Any) -> list[ObjectEvent]:
    """Return the object events in an S3, SNS or EventBridge payload; ignore S3 test events."""
    if not isinstance(payload, dict):
        raise UnsupportedEventError(f"expected a JSON object, got {type(payload).__name__}")
    if payload.get("Event") == "s3:TestEvent":
        logger.info("ignored s3:TestEvent for bucket %s", payload.get("Bucket"))
        return []
    if payload.get("Type") == "Notification" and "Message" in payload:
        return events_from_payload(_parse_json(payload["Message"], "SNS message"))
    if payload.get("source") == "aws.s3" and "detail" in payload:
        return [_event_from_eventbridge(payload)]
    records = payload.get("Records")
    if not isinstance(records, list):
        raise UnsupportedEventError("not an S3, SNS, SQS or EventBridge event")
    events: list[ObjectEvent] = []
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("Sns"), dict):
            events.extend(events_from_payload(_parse_json(record["Sns"].get("Message"), "SNS")))
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


def _records_to_forward(
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


@dataclass
class _Pending:
    """One S3 record on its way to the webhook, the SQS message it came in, and its outcome."""

    message_id: str
    record: dict[str, Any]
    # Set when the webhook did not take the record; ``refused`` when it named the record itself
    # as bad, so that sending it again cannot help.
    error: WebhookDeliveryError | None = field(default=None, init=False)
    refused: bool = field(default=False, init=False)

    @property
    def name(self) -> tuple[str, str]:
        """Return (bucket, decoded key), as the webhook names the record's job."""
        s3 = self.record["s3"]
        return s3["bucket"]["name"], urllib.parse.unquote_plus(s3["object"]["key"])

    @property
    def size(self) -> int:
        """Return the bytes the record takes in a request body."""
        return len(_encode(self.record))


def _forward(
    events: list[ObjectEvent], settings: Settings, deadline: float | None
) -> tuple[int, int]:
    """POST the events worth ingesting and return (forwarded, skipped) counts.

    Raise the first ``WebhookDeliveryError`` when any record was not taken, so that Lambda's
    own retries and on-failure destination apply to a direct invocation.
    """
    records, skipped = _records_to_forward(events, settings)
    pending = [_Pending("", record) for record in records]
    _deliver(pending, settings, deadline)
    for item in pending:
        if item.error is not None:
            raise item.error
    return len(records), skipped


def _handle_sqs_batch(
    messages: list[dict[str, Any]], settings: Settings, deadline: float | None
) -> dict[str, Any]:
    """Deliver every message's records together; return the messages worth receiving again.

    A message is reported failed when any of its records met a failure a retry can mend (the
    webhook down, slow, or refusing the whole request: wrong secret or URL). A message that no
    retry can deliver (not JSON, not an S3 event, or a record the webhook names as bad) is logged
    with its body and let go: SQS would only redeliver it until the dead-letter queue, and the
    periodic re-sync brings in the object itself if there is one (docs/lambda.md).
    """
    failed: set[str] = set()
    pending: list[_Pending] = []
    for message in messages:
        message_id = str(message.get("messageId", ""))
        try:
            events = events_from_payload(_parse_json(message.get("body"), "SQS message body"))
            records, _ = _records_to_forward(events, settings)
        except UnsupportedEventError as exc:
            logger.error(
                "message %s dropped, no retry can read it: %s; body: %.2000s",
                message_id,
                exc,
                message.get("body"),
            )
            continue
        except Exception:
            # One poison message must not fail the others of its batch.
            logger.exception("message %s failed unexpectedly", message_id)
            failed.add(message_id)
            continue
        pending.extend(_Pending(message_id, record) for record in records)
    _deliver(pending, settings, deadline)
    retry: dict[str, WebhookDeliveryError] = {}
    for item in pending:
        if item.refused:
            bucket, key = item.name
            logger.error(
                "message %s: the webhook refused s3://%s/%s, dropped: %s; record: %s",
                item.message_id,
                bucket,
                key,
                item.error.detail or item.error,
                _encode(item.record).decode(),
            )
        elif item.error is not None:
            retry.setdefault(item.message_id, item.error)
    for error in dict.fromkeys(retry.values()):
        ids = [message_id for message_id, its_error in retry.items() if its_error is error]
        logger.error("%d message(s) left for redelivery (%s): %s", len(ids), ", ".join(ids), error)
    failed.update(retry)
    ordered = dict.fromkeys(str(message.get("messageId", "")) for message in messages)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in ordered if m in failed]}


def _deliver(pending: list[_Pending], settings: Settings, deadline: float | None) -> None:
    """POST the records in as few signed requests as the body bound allows; note each outcome."""
    waiting = list(_split_by_size(pending, settings.max_body_bytes))
    while waiting:
        batch = waiting.pop(0)
        try:
            answer = _post_with_retries([item.record for item in batch], settings, deadline)
        except WebhookDeliveryError as exc:
            waiting[:0] = _after_failure(batch, exc)
            continue
        _check_answer(batch, answer)


def _after_failure(batch: list[_Pending], exc: WebhookDeliveryError) -> list[list[_Pending]]:
    """Note why ``batch`` was not taken; return the parts of it worth sending again now."""
    match = _REFUSED_RECORD.search(exc.detail) if exc.status in (400, 422) else None
    index = int(match.group(1)) if match else None
    if index is not None and index < len(batch):
        # The webhook takes a body whole or not at all: send the others without the bad one.
        batch[index].error = exc
        batch[index].refused = True
        rest = batch[:index] + batch[index + 1 :]
        return [rest] if rest else []
    if exc.status == 413 and len(batch) > 1:
        # The server's INGEST_MAX_EVENT_BYTES is below INGEST_MAX_BODY_BYTES: halve and resend.
        middle = len(batch) // 2
        return [batch[:middle], batch[middle:]]
    for item in batch:
        item.error = exc
    return []


def _check_answer(batch: list[_Pending], answer: Any) -> None:
    """Fail the records a 2xx answer accounts for neither with a job nor as ignored."""
    jobs = answer.get("jobs") if isinstance(answer, dict) else None
    if not isinstance(jobs, list):
        return  # another webhook's 2xx without a jobs list: it took the request as a whole
    recorded = Counter((job.get("bucket"), job.get("key")) for job in jobs if isinstance(job, dict))
    missing = []
    for item in batch:
        if recorded[item.name] > 0:
            recorded[item.name] -= 1
        else:
            missing.append(item)
    ignored = answer.get("ignored")
    if len(missing) > (ignored if isinstance(ignored, int) else 0):
        error = WebhookDeliveryError("the webhook answered without a job for the record")
        for item in missing:
            item.error = error


def _split_by_size(pending: list[_Pending], limit: int) -> Iterator[list[_Pending]]:
    """Yield runs of records whose request body stays within ``limit`` bytes (one at least)."""
    empty = len(_encode({"Records": []}))
    batch: list[_Pending] = []
    size = empty
    for item in pending:
        item_size = item.size + 1  # and its comma
        if batch and size + item_size > limit:
            yield batch
            batch, size = [], empty
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """Return the ``X-Ingest-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _post_with_retries(
    records: list[dict[str, Any]], settings: Settings, deadline: float | None
) -> Any:
    """POST ``records`` in one body, retrying transient failures with jittered backoff.

    Return the webhook's answer parsed as JSON (None when it is not JSON).
    """
    body = _encode({"Records": records})
    attempt = 0
    while True:
        attempt += 1
        timeout = settings.timeout_seconds
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                raise WebhookDeliveryError(
                    "out of time before the webhook answered", attempts=attempt - 1
                )
        try:
            status, answer = _post(body, settings, timeout)
        except _TransientError as exc:
            if attempt >= settings.max_attempts:
                raise WebhookDeliveryError(
                    f"webhook failed after {attempt} attempts: {exc}",
                    status=exc.status,
                    attempts=attempt,
                ) from exc
            delay = _backoff(attempt, exc.retry_after)
            if deadline is not None and time.monotonic() + delay >= deadline:
                raise WebhookDeliveryError(
                    f"out of time after {attempt} attempts: {exc}",
                    status=exc.status,
                    attempts=attempt,
                ) from exc
            logger.warning("webhook attempt %d failed (%s); retrying in %.2fs", attempt, exc, delay)
            sleep(delay)
            continue
        except _PermanentError as exc:
            raise WebhookDeliveryError(
                f"webhook refused the events: {exc}",
                status=exc.status,
                attempts=attempt,
                detail=exc.detail,
            ) from exc
        jobs = answer.get("jobs") if isinstance(answer, dict) else None
        logger.info(
            "forwarded %d record(s) to the webhook: HTTP %d, %s job(s)",
            len(records),
            status,
            len(jobs) if isinstance(jobs, list) else "?",
        )
        return answer


class _TransientError(Exception):
    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class _PermanentError(Exception):
    def __init__(self, message: str, status: int, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would replay a POST as a bodiless GET and lose the events."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(body: bytes, settings: Settings, timeout: float) -> tuple[int, Any]:
    """POST ``body`` once; return (status, parsed answer) or raise a transient/permanent error."""
    timestamp = int(time.time())
    request = urllib.request.Request(
        settings.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Ingest-Timestamp": str(timestamp),
            "X-Ingest-Signature": sign(settings.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, _parse_answer(response.read(RESPONSE_BODY_LIMIT))
    except urllib.error.HTTPError as exc:
        with exc:
            text = exc.read(2000).decode("utf-8", "replace").strip()
        answer = _parse_answer(text.encode())
        detail = answer.get("detail") if isinstance(answer, dict) else None
        detail = detail if isinstance(detail, str) else text
        message = f"HTTP {exc.code} {text[:500]}".strip()
        if exc.code in (408, 429) or exc.code >= 500:
            raise _TransientError(message, exc.code, _retry_after(exc.headers)) from exc
        if 300 <= exc.code < 400:
            message += f" (redirected to {exc.headers.get('Location')}; use the final URL)"
        raise _PermanentError(message, exc.code, detail) from exc
    except (OSError, http.client.HTTPException) as exc:
        # URLError (refused, DNS), timeouts and dropped connections are all worth another try.
        raise _TransientError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Return the delay before the next attempt: capped exponential with equal jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return delay


def _retry_after(headers: Any) -> float | None:
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return None


def _parse_answer(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _deadline(context: Any) -> float | None:
    """Return the monotonic time by which to stop, from the Lambda context if there is one."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + remaining() / 1000 - DEADLINE_MARGIN_SECONDS


def _is_sqs_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return bool(records) and all(
        isinstance(record, dict) and record.get("eventSource") == "aws:sqs" for record in records
    )


def _parse_json(text: Any, what: str) -> Any:
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
