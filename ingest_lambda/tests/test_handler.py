"""Drive ``lambda_handler`` against a real HTTP webhook on localhost."""

import ast
import hashlib
import json
import logging
import socket
import sys
import time
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest
from moto import mock_aws

from ingest_lambda import delivery, handler
from ingest_lambda.config import ConfigurationError
from ingest_lambda.delivery import WebhookDeliveryError, sign
from ingest_lambda.events import UnsupportedEventError
from ingest_lambda.handler import lambda_handler

from .conftest import WEBHOOK_PATH, Reply
from .events import (
    BUCKET,
    FakeContext,
    eventbridge_event,
    forwarded_keys,
    s3_event,
    s3_record,
    signature_is_valid,
    sqs_event,
)


def test_s3_event_is_posted_with_a_verifiable_signature(webhook):
    result = lambda_handler(s3_event(s3_record("Tide+Lines/01+Neon+Rain.mp3")), None)

    assert result == {"forwarded": 1, "skipped": 0}
    [request] = webhook.requests
    assert request.method == "POST"
    assert request.path == WEBHOOK_PATH
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "spotify-ingest-lambda/1"
    assert abs(int(request.headers["x-ingest-timestamp"]) - time.time()) < 5
    assert signature_is_valid(request.headers, request.body)
    assert not signature_is_valid(request.headers, request.body, secret="another-secret")
    assert not signature_is_valid(request.headers, request.body + b" ")


def test_signature_matches_the_documented_test_vector():
    signature = sign(b"example-secret", 1735787045, b'{"Records":[]}')

    assert signature == "sha256=b39c0b7f7ea3e08319209b0ab1a92268db0b2b9fad799635933761cd0d344380"


def test_forwarded_record_keeps_the_s3_notification_fields(webhook):
    lambda_handler(s3_event(s3_record("a.flac", size=123, version_id="v3")), None)

    [record] = webhook.requests[0].json()["Records"]
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"] == "2025-01-02T03:04:05.678Z"
    assert record["awsRegion"] == "eu-west-1"
    assert record["s3"]["bucket"]["name"] == BUCKET
    assert record["s3"]["object"] == {
        "key": "a.flac",
        "size": 123,
        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
        "versionId": "v3",
        "sequencer": "0065A1B2C3D4E5F601",
    }


@pytest.mark.parametrize(
    ("encoded", "original"),
    [
        ("Tide+Lines/01+Neon+Rain+%C3%A9.mp3", "Tide Lines/01 Neon Rain é.mp3"),
        ("Hits/1%2B1%3D2+%28live%29.flac", "Hits/1+1=2 (live).flac"),
        ("AC%2FDC/T.N.T.+%26+more%25.ogg", "AC/DC/T.N.T. & more%.ogg"),
    ],
)
def test_url_encoded_keys_reach_the_server_as_the_original_name(webhook, encoded, original):
    lambda_handler(s3_event(s3_record(encoded)), None)

    assert forwarded_keys(webhook) == [original]


def test_sns_envelope_inside_sqs_is_unwrapped(webhook):
    envelope = {
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:music",
        "Message": json.dumps(s3_event(s3_record("Sn%C3%B8w/01+Flake.opus"))),
    }

    assert lambda_handler(sqs_event(("m-1", envelope)), None) == {"batchItemFailures": []}
    assert forwarded_keys(webhook) == ["Snøw/01 Flake.opus"]


def test_eventbridge_object_created_is_posted_as_an_s3_record(webhook):
    event = eventbridge_event(
        "Tide Lines/1+1 é.flac", size=5000, etag="abc123", **{"version-id": "v7"}
    )

    assert lambda_handler(event, None) == {"forwarded": 1, "skipped": 0}
    [record] = webhook.requests[0].json()["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"] == "2025-01-02T03:04:05Z"
    assert record["s3"]["bucket"]["name"] == BUCKET
    assert record["s3"]["object"]["key"] == "Tide+Lines/1%2B1+%C3%A9.flac"
    assert unquote_plus(record["s3"]["object"]["key"]) == "Tide Lines/1+1 é.flac"
    assert record["s3"]["object"]["size"] == 5000
    assert record["s3"]["object"]["eTag"] == "abc123"
    assert record["s3"]["object"]["versionId"] == "v7"
    assert record["s3"]["object"]["sequencer"] == "00617F08299329D189"


@pytest.mark.parametrize(
    ("reason", "deletion_type", "event_name"),
    [
        ("DeleteObject", "Permanently Deleted", "ObjectRemoved:Delete"),
        ("DeleteObject", "Delete Marker Created", "ObjectRemoved:DeleteMarkerCreated"),
        ("Lifecycle Expiration", "Permanently Deleted", "LifecycleExpiration:Delete"),
    ],
)
def test_eventbridge_object_deleted_is_posted_as_a_removal(
    webhook, reason, deletion_type, event_name
):
    event = eventbridge_event(
        "old/song.mp3",
        detail_type="Object Deleted",
        reason=reason,
        **{"version-id": "v2"},
    )
    event["detail"]["deletion-type"] = deletion_type

    assert lambda_handler(event, None) == {"forwarded": 1, "skipped": 0}
    [record] = webhook.requests[0].json()["Records"]
    assert record["eventName"] == event_name
    assert "size" not in record["s3"]["object"]


def test_eventbridge_event_of_another_kind_is_skipped(webhook):
    event = eventbridge_event("a.mp3", detail_type="Object Tags Added", reason="PutObjectTagging")

    assert lambda_handler(event, None) == {"forwarded": 0, "skipped": 1}
    assert webhook.requests == []


@pytest.mark.parametrize(
    ("key", "size", "reason"),
    [
        ("notes/readme.txt", 10, "not an audio file (.txt)"),
        ("cover", 10, "not an audio file (no ext)"),
        ("Tide+Lines/", 0, "folder marker"),
        ("Tide+Lines/silence.mp3", 0, "empty object (0 bytes)"),
    ],
)
def test_object_that_cannot_be_a_song_is_skipped_with_a_reason(webhook, caplog, key, size, reason):
    caplog.set_level(logging.INFO, logger="ingest_lambda")

    result = lambda_handler(s3_event(s3_record(key, size=size)), None)

    assert result == {"forwarded": 0, "skipped": 1}
    assert webhook.requests == []
    assert f"skipped s3://{BUCKET}/{unquote_plus(key)}: {reason}" in caplog.messages


def test_object_above_the_size_limit_is_skipped(webhook, caplog, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_BYTES", "1000")
    caplog.set_level(logging.INFO, logger="ingest_lambda")

    result = lambda_handler(s3_event(s3_record("big.wav", size=1001)), None)

    assert result == {"forwarded": 0, "skipped": 1}
    assert webhook.requests == []
    assert any("skipped s3://music/big.wav: too large (1001 bytes" in m for m in caplog.messages)


def test_audio_extensions_come_from_the_environment_case_insensitively(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_AUDIO_EXTENSIONS", ".DSF, mp3")

    result = lambda_handler(
        s3_event(s3_record("a.dsf"), s3_record("b.MP3"), s3_record("c.flac")), None
    )

    assert result == {"forwarded": 2, "skipped": 1}
    assert forwarded_keys(webhook) == ["a.dsf", "b.MP3"]


def test_removal_of_an_audio_file_is_forwarded_whatever_its_size(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_BYTES", "10")
    removed = s3_record("gone.mp3", size=None, event_name="ObjectRemoved:Delete")
    removed_big = s3_record("gone-too.mp3", size=11, event_name="ObjectRemoved:Delete")
    removed_text = s3_record("gone.txt", size=None, event_name="ObjectRemoved:Delete")

    result = lambda_handler(s3_event(removed, removed_big, removed_text), None)

    assert result == {"forwarded": 2, "skipped": 1}
    assert forwarded_keys(webhook) == ["gone.mp3", "gone-too.mp3"]


def test_mixed_event_posts_only_the_audio_records_in_one_request(webhook):
    event = s3_event(s3_record("a.mp3"), s3_record("b.jpg"), s3_record("c.m4a"))

    assert lambda_handler(event, None) == {"forwarded": 2, "skipped": 1}
    assert len(webhook.requests) == 1
    assert forwarded_keys(webhook) == ["a.mp3", "c.m4a"]


def test_s3_test_event_is_ignored(webhook, caplog):
    caplog.set_level(logging.INFO, logger="ingest_lambda")
    test_event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2025-01-02T03:04:05.678Z",
        "Bucket": BUCKET,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }

    assert lambda_handler(test_event, None) == {"forwarded": 0, "skipped": 0}
    assert lambda_handler(sqs_event(("m-1", test_event)), None) == {"batchItemFailures": []}
    assert webhook.requests == []
    assert "ignored s3:TestEvent for bucket music" in caplog.messages


def test_5xx_then_202_is_retried_and_succeeds(webhook, sleeps):
    webhook.script(503, 500)

    assert lambda_handler(s3_event(s3_record("a.mp3")), None) == {"forwarded": 1, "skipped": 0}
    assert len(webhook.requests) == 3
    assert len(sleeps) == 2
    assert all(signature_is_valid(r.headers, r.body) for r in webhook.requests)
    assert len({r.body for r in webhook.requests}) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_status_is_retried(webhook, status):
    webhook.script(status)

    lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert len(webhook.requests) == 2


def test_backoff_grows_exponentially_with_jitter_and_a_cap(webhook, sleeps, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_ATTEMPTS", "7")
    webhook.script(*[500] * 7)

    with pytest.raises(WebhookDeliveryError):
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(sleeps) == len(ceilings)
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


def test_retry_after_from_a_429_is_honoured(webhook, sleeps):
    webhook.script(Reply(status=429, headers={"Retry-After": "3"}))

    lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert len(sleeps) == 1
    assert sleeps[0] >= 3


def test_each_attempt_is_signed_with_its_own_timestamp(webhook, monkeypatch):
    skew = [0.0]
    real_time = time.time
    monkeypatch.setattr(delivery.time, "time", lambda: real_time() + skew[0])
    monkeypatch.setattr(delivery, "sleep", lambda delay: skew.__setitem__(0, skew[0] + 60))
    webhook.script(500)

    lambda_handler(s3_event(s3_record("a.mp3")), None)

    first, second = webhook.requests
    first_at = int(first.headers["x-ingest-timestamp"])
    assert int(second.headers["x-ingest-timestamp"]) - first_at in (60, 61)
    assert first.headers["x-ingest-signature"] != second.headers["x-ingest-signature"]
    assert signature_is_valid(first.headers, first.body)
    assert signature_is_valid(second.headers, second.body)


def test_persistent_5xx_raises_after_max_attempts(webhook, monkeypatch, sleeps):
    monkeypatch.setenv("INGEST_MAX_ATTEMPTS", "3")
    webhook.script(500, 500, 500, 202)

    with pytest.raises(WebhookDeliveryError) as excinfo:
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert len(webhook.requests) == 3
    assert len(sleeps) == 2
    assert excinfo.value.status == 500
    assert excinfo.value.attempts == 3


def test_default_is_four_attempts(webhook):
    webhook.script(*[502] * 5)

    with pytest.raises(WebhookDeliveryError):
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert len(webhook.requests) == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_client_error_raises_without_retry(webhook, sleeps, status):
    webhook.script(status)

    with pytest.raises(WebhookDeliveryError) as excinfo:
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert len(webhook.requests) == 1
    assert sleeps == []
    assert excinfo.value.status == status
    assert f"scripted {status}" in str(excinfo.value)


def test_redirect_is_not_followed(webhook):
    webhook.script(Reply(status=301, headers={"Location": "https://elsewhere.example/"}))

    with pytest.raises(WebhookDeliveryError, match="elsewhere.example"):
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert len(webhook.requests) == 1


def test_connection_refused_is_retried_then_raises(monkeypatch, sleeps):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("INGEST_WEBHOOK_URL", f"http://127.0.0.1:{port}{WEBHOOK_PATH}")

    with pytest.raises(WebhookDeliveryError, match="(?i)refused") as excinfo:
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert excinfo.value.attempts == 4
    assert len(sleeps) == 3
    assert excinfo.value.status is None


def test_timeout_is_retried(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_TIMEOUT_SECONDS", "0.2")
    webhook.script(Reply(status=202, delay=1.0))

    assert lambda_handler(s3_event(s3_record("a.mp3")), None) == {"forwarded": 1, "skipped": 0}
    assert len(webhook.requests) == 2


def test_retries_stop_when_lambda_time_runs_out(webhook, sleeps):
    webhook.script(*[503] * 4)
    context = FakeContext(remaining_seconds=handler.DEADLINE_MARGIN_SECONDS + 0.2)

    with pytest.raises(WebhookDeliveryError, match="out of time"):
        lambda_handler(s3_event(s3_record("a.mp3")), context)

    assert len(webhook.requests) == 1
    assert sleeps == []


def test_sqs_messages_left_when_time_runs_out_are_reported_failed(webhook):
    context = FakeContext(remaining_seconds=handler.DEADLINE_MARGIN_SECONDS - 0.5)
    event = sqs_event(("late", s3_event(s3_record("1.mp3"))))

    assert lambda_handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "late"}]}
    assert webhook.requests == []


def test_unrecognised_event_raises(webhook):
    with pytest.raises(UnsupportedEventError):
        lambda_handler({"detail-type": "Scheduled Event", "source": "aws.events"}, None)

    assert webhook.requests == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INGEST_WEBHOOK_URL", ""),
        ("INGEST_WEBHOOK_URL", "file:///etc/passwd"),
        ("INGEST_SECRET", ""),
        ("INGEST_MAX_ATTEMPTS", "0"),
        ("INGEST_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_bad_configuration_raises(webhook, monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError):
        lambda_handler(s3_event(s3_record("a.mp3")), None)

    assert webhook.requests == []


def test_package_imports_only_the_standard_library_and_itself():
    imported = set()
    for module in sorted(Path(handler.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module.name}: import ingest_lambda modules by full name"
                imported.add(node.module)

    assert "ingest_lambda.events" in imported
    assert {name.split(".")[0] for name in imported} <= sys.stdlib_module_names | {"ingest_lambda"}


@pytest.fixture
def aws(monkeypatch):
    """Give moto fake credentials and a region, and start its mock."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


def receive_all(sqs, queue_url: str) -> list[dict]:
    """Return every message waiting on the queue."""
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        messages.extend(batch)
    return messages


def as_lambda_sqs_event(messages: list[dict]) -> dict:
    """Wrap received SQS messages the way the Lambda event source mapping does."""
    return {
        "Records": [
            {"eventSource": "aws:sqs", "messageId": m["MessageId"], "body": m["Body"]}
            for m in messages
        ]
    }


def test_moto_s3_notification_through_sqs_reaches_the_webhook(aws, webhook):
    s3 = boto3.client("s3", region_name="eu-west-1")
    sqs = boto3.client("sqs", region_name="eu-west-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    queue_url = sqs.create_queue(QueueName="music-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    key = "Tide Lines/01 Neon Rain é.mp3"
    audio = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 500
    s3.put_object(Bucket=BUCKET, Key=key, Body=audio)
    messages = receive_all(sqs, queue_url)
    delivered = [json.loads(m["Body"]) for m in messages if "Records" in json.loads(m["Body"])]

    result = lambda_handler(as_lambda_sqs_event(messages), None)

    assert result == {"batchItemFailures": []}
    [request] = webhook.requests
    assert signature_is_valid(request.headers, request.body)
    [record] = request.json()["Records"]
    [[moto_record]] = [d["Records"] for d in delivered]
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == BUCKET
    assert unquote_plus(record["s3"]["object"]["key"]) == key
    assert record["s3"]["object"]["size"] == len(audio)
    assert record["s3"]["object"]["eTag"] == hashlib.md5(audio).hexdigest()
    # moto's S3 -> SQS notification carries no sequencer; whatever it sends must pass unchanged.
    assert record["s3"]["object"].get("sequencer") == moto_record["s3"]["object"].get("sequencer")


def test_moto_eventbridge_notification_through_sqs_reaches_the_webhook(aws, webhook):
    s3 = boto3.client("s3", region_name="eu-west-1")
    sqs = boto3.client("sqs", region_name="eu-west-1")
    events = boto3.client("events", region_name="eu-west-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    queue_url = sqs.create_queue(QueueName="music-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name="music-objects", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="music-objects", Targets=[{"Id": "queue", "Arn": queue_arn}])
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    key = "Tide Lines/02 Salt + Glass é.flac"
    audio = b"fLaC" + b"\x00" * 2000
    s3.put_object(Bucket=BUCKET, Key=key, Body=audio)
    messages = receive_all(sqs, queue_url)
    bodies = [json.loads(m["Body"]) for m in messages]
    [detail] = [b["detail"] for b in bodies if b["detail-type"] == "Object Created"]

    result = lambda_handler(as_lambda_sqs_event(messages), None)

    assert result == {"batchItemFailures": []}
    [request] = webhook.requests
    [record] = request.json()["Records"]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"].endswith("Z")
    assert record["s3"]["bucket"]["name"] == BUCKET
    assert unquote_plus(record["s3"]["object"]["key"]) == key
    assert record["s3"]["object"]["size"] == len(audio)
    assert record["s3"]["object"]["sequencer"] == detail["object"]["sequencer"]
    assert record["s3"]["object"]["sequencer"]
