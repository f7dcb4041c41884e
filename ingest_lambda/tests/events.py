"""Lambda events as AWS delivers them, and checks of what the fake webhook received."""

import hashlib
import hmac
import json
import time
from urllib.parse import unquote_plus

from .conftest import SECRET, FakeWebhook, ReceivedRequest

BUCKET = "music"


def s3_record(
    key: str,
    *,
    size: int | None = 4096,
    event_name: str = "ObjectCreated:Put",
    sequencer: str = "0065A1B2C3D4E5F601",
    version_id: str | None = None,
) -> dict:
    """Return one S3 notification record; ``key`` is given URL-encoded, as S3 sends it."""
    s3_object = {"key": key, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": sequencer}
    if size is not None:
        s3_object["size"] = size
    if version_id is not None:
        s3_object["versionId"] = version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-west-1",
        "eventTime": "2025-01-02T03:04:05.678Z",
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "music-ingest",
            "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
            "object": s3_object,
        },
    }


def s3_event(*records: dict) -> dict:
    """Return an S3 event notification holding ``records``."""
    return {"Records": list(records)}


def sqs_event(*bodies: tuple[str, dict | str]) -> dict:
    """Return a Lambda SQS event with one message per ``(message_id, body)``."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:music-events",
                "awsRegion": "eu-west-1",
            }
            for message_id, body in bodies
        ]
    }


def eventbridge_event(
    key: str, *, detail_type: str = "Object Created", reason: str = "PutObject", **object_fields
) -> dict:
    """Return an EventBridge S3 event; ``key`` is raw, as EventBridge sends it."""
    s3_object = {"key": key, "sequencer": "00617F08299329D189", **object_fields}
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2025-01-02T03:04:05Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:s3:::{BUCKET}"],
        "detail": {
            "version": "0",
            "bucket": {"name": BUCKET},
            "object": s3_object,
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "reason": reason,
        },
    }


def signature_is_valid(headers: dict[str, str], body: bytes, secret: str = SECRET) -> bool:
    """Check the request's signature the way the server does."""
    timestamp = headers["x-ingest-timestamp"]
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(f"sha256={digest.hexdigest()}", headers["x-ingest-signature"])


def forwarded_keys(webhook: FakeWebhook) -> list[str]:
    """Return every key the webhook received, decoded as the server decodes it."""
    return keys_in(webhook.requests)


def keys_in(requests: list[ReceivedRequest]) -> list[str]:
    """Return the keys the ``requests`` carried, decoded, in order."""
    return [
        unquote_plus(record["s3"]["object"]["key"])
        for request in requests
        for record in request.json()["Records"]
    ]


class FakeContext:
    """The part of the Lambda context the handler uses."""

    def __init__(self, remaining_seconds: float) -> None:
        self.ends_at = time.monotonic() + remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.ends_at - time.monotonic()) * 1000)
