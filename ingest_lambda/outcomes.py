"""Send records in as few requests as fit and map the webhook's answer back to each one.

Each record travels as a ``Pending`` with the SQS message it came in; after delivery its
``error`` says whether it was taken, and an SQS batch reports the messages worth receiving again
as ``batchItemFailures``, while a direct invocation raises the first error.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ingest_lambda.config import Settings
from ingest_lambda.delivery import WebhookDeliveryError, encode, post_with_retries
from ingest_lambda.events import (
    ObjectEvent,
    UnsupportedEventError,
    events_from_payload,
    parse_json,
    records_to_forward,
)

logger = logging.getLogger(__name__)

# How the webhook names the record it refused, as in "Records[3].s3.object.key is missing".
_REFUSED_RECORD = re.compile(r"\bRecords\[(\d+)\]")


@dataclass
class Pending:
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
        return len(encode(self.record))


def forward(
    events: list[ObjectEvent], settings: Settings, deadline: float | None
) -> tuple[int, int]:
    """POST the events worth ingesting and return (forwarded, skipped) counts.

    Raise the first ``WebhookDeliveryError`` when any record was not taken, so that Lambda's
    own retries and on-failure destination apply to a direct invocation.
    """
    records, skipped = records_to_forward(events, settings)
    pending = [Pending("", record) for record in records]
    _deliver(pending, settings, deadline)
    for item in pending:
        if item.error is not None:
            raise item.error
    return len(records), skipped


def handle_sqs_batch(
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
    pending: list[Pending] = []
    for message in messages:
        message_id = str(message.get("messageId", ""))
        try:
            events = events_from_payload(parse_json(message.get("body"), "SQS message body"))
            records, _ = records_to_forward(events, settings)
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
        pending.extend(Pending(message_id, record) for record in records)
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
                encode(item.record).decode(),
            )
        elif item.error is not None:
            retry.setdefault(item.message_id, item.error)
    for error in dict.fromkeys(retry.values()):
        ids = [message_id for message_id, its_error in retry.items() if its_error is error]
        logger.error("%d message(s) left for redelivery (%s): %s", len(ids), ", ".join(ids), error)
    failed.update(retry)
    ordered = dict.fromkeys(str(message.get("messageId", "")) for message in messages)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in ordered if m in failed]}


def _deliver(pending: list[Pending], settings: Settings, deadline: float | None) -> None:
    """POST the records in as few signed requests as the body bound allows; note each outcome."""
    waiting = list(_split_by_size(pending, settings.max_body_bytes))
    while waiting:
        batch = waiting.pop(0)
        try:
            answer = post_with_retries([item.record for item in batch], settings, deadline)
        except WebhookDeliveryError as exc:
            waiting[:0] = _after_failure(batch, exc)
            continue
        _check_answer(batch, answer)


def _after_failure(batch: list[Pending], exc: WebhookDeliveryError) -> list[list[Pending]]:
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


def _check_answer(batch: list[Pending], answer: Any) -> None:
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


def _split_by_size(pending: list[Pending], limit: int) -> Iterator[list[Pending]]:
    """Yield runs of records whose request body stays within ``limit`` bytes (one at least)."""
    empty = len(encode({"Records": []}))
    batch: list[Pending] = []
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
