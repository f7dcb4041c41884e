"""Forward S3 object events to the music server's ingest webhook.

This package runs as an AWS Lambda function (Handler ``ingest_lambda.handler.lambda_handler``,
configured by ``INGEST_WEBHOOK_URL`` and ``INGEST_SECRET``) and uses the Python standard library
only. ``config`` reads those settings, ``events`` unwraps S3, SQS, SNS and EventBridge payloads
into S3 notification records and drops objects that cannot be songs, ``delivery`` signs and
POSTs them with retries, and ``outcomes`` maps the webhook's answer back to each record and SQS
message.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from ingest_lambda.config import Settings
from ingest_lambda.events import events_from_payload
from ingest_lambda.outcomes import forward, handle_sqs_batch

# The parent of every module's logger: INGEST_LOG_LEVEL sets the level for them all.
logger = logging.getLogger(__package__)

# Stop starting new work this long before Lambda would kill the invocation, so an SQS batch can
# still return its partial failures instead of timing out as a whole.
DEADLINE_MARGIN_SECONDS = 1.0


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
        return handle_sqs_batch(event["Records"], settings, deadline)
    forwarded, skipped = forward(events_from_payload(event), settings, deadline)
    return {"forwarded": forwarded, "skipped": skipped}


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
