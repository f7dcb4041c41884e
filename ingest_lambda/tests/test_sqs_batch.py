"""An SQS batch goes out in one signed request; the answer maps back to its messages."""

import json
import logging
import time
from types import SimpleNamespace

import pytest

from ingest_lambda import delivery, handler
from ingest_lambda.config import ConfigurationError
from ingest_lambda.delivery import WebhookDeliveryError
from ingest_lambda.events import events_from_payload
from ingest_lambda.handler import lambda_handler

from .conftest import Reply
from .events import (
    FakeContext,
    eventbridge_event,
    forwarded_keys,
    keys_in,
    s3_event,
    s3_record,
    signature_is_valid,
    sqs_event,
)

# What a sequencer looks like once mangled on the way: the webhook refuses the record.
BAD_SEQUENCER = "not-hexadecimal"


def failed_ids(result: dict) -> list[str]:
    """Return the message ids a partial batch response asks SQS to deliver again."""
    return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def sns_envelope(body: dict) -> dict:
    """Return ``body`` as SNS wraps it when a topic fans out to the queue."""
    return {
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:music",
        "Message": json.dumps(body),
    }


def record_bytes(key: str) -> int:
    """Return the bytes the Lambda's record for ``key`` takes in a request body."""
    [event] = events_from_payload(s3_event(s3_record(key)))
    return len(json.dumps(event.to_record(), separators=(",", ":")))


def body_bound(records: int, key: str = "0.mp3") -> int:
    """Return a body bound that fits ``records`` records like ``key``'s, and not one more."""
    return len('{"Records":[]}') + records * (record_bytes(key) + 1)


def numbered_batch(count: int) -> dict:
    """Return an SQS batch of ``count`` messages, message ``m-N`` holding song ``N.mp3``."""
    return sqs_event(*((f"m-{n}", s3_event(s3_record(f"{n}.mp3"))) for n in range(count)))


def test_sqs_batch_is_posted_in_one_signed_request(webhook):
    event = sqs_event(
        ("plain", s3_event(s3_record("a/1.mp3"), s3_record("a/2.mp3"))),
        ("sns", sns_envelope(s3_event(s3_record("Sn%C3%B8w/3.opus")))),
        ("eventbridge", eventbridge_event("b/4 é.flac", size=5000)),
        ("skipped", s3_event(s3_record("notes.txt"))),
    )

    result = lambda_handler(event, None)

    assert result == {"batchItemFailures": []}
    [request] = webhook.requests
    assert signature_is_valid(request.headers, request.body)
    assert forwarded_keys(webhook) == ["a/1.mp3", "a/2.mp3", "Snøw/3.opus", "b/4 é.flac"]


def test_batch_of_only_skipped_objects_sends_nothing(webhook):
    event = sqs_event(("text", s3_event(s3_record("a.txt"))), ("folder", s3_event(s3_record("a/"))))

    assert lambda_handler(event, None) == {"batchItemFailures": []}
    assert webhook.requests == []


def test_5xx_fails_every_message_of_the_request(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_ATTEMPTS", "2")
    webhook.script(503, 503)
    event = sqs_event(
        ("one", s3_event(s3_record("1.mp3"))),
        ("skipped", s3_event(s3_record("2.txt"))),
        ("two", s3_event(s3_record("3.mp3"), s3_record("4.mp3"))),
    )

    result = lambda_handler(event, None)

    assert failed_ids(result) == ["one", "two"]
    assert len(webhook.requests) == 2
    assert len({request.body for request in webhook.requests}) == 1


def test_5xx_then_202_delivers_the_whole_batch(webhook, sleeps):
    webhook.script(500)

    assert lambda_handler(numbered_batch(3), None) == {"batchItemFailures": []}
    assert len(webhook.requests) == 2
    assert len(sleeps) == 1
    assert forwarded_keys(webhook)[3:] == ["0.mp3", "1.mp3", "2.mp3"]


def test_retries_of_a_batch_stop_in_time_to_return_its_failures(webhook, sleeps):
    webhook.script(*[503] * 4)
    # Less than the shortest first backoff (0.25 s): no time for a second attempt.
    context = FakeContext(remaining_seconds=handler.DEADLINE_MARGIN_SECONDS + 0.2)

    result = lambda_handler(numbered_batch(3), context)

    assert failed_ids(result) == ["m-0", "m-1", "m-2"]
    assert len(webhook.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [401, 403, 404])
def test_refusal_of_the_whole_request_fails_every_message(webhook, sleeps, status):
    """A wrong secret or URL is mended by configuration, then by SQS delivering again."""
    webhook.script(status)

    result = lambda_handler(numbered_batch(3), None)

    assert failed_ids(result) == ["m-0", "m-1", "m-2"]
    assert len(webhook.requests) == 1
    assert sleeps == []


def test_record_the_webhook_refuses_is_dropped_and_the_others_delivered(webhook, caplog):
    event = sqs_event(
        ("ok-1", s3_event(s3_record("1.mp3"))),
        ("bad", s3_event(s3_record("2.mp3", sequencer=BAD_SEQUENCER))),
        ("ok-2", s3_event(s3_record("3.mp3"))),
    )

    result = lambda_handler(event, None)

    assert result == {"batchItemFailures": []}
    first, second = webhook.requests
    assert first.json()["Records"][1]["s3"]["object"]["key"] == "2.mp3"
    assert [r["s3"]["object"]["key"] for r in second.json()["Records"]] == ["1.mp3", "3.mp3"]
    assert signature_is_valid(second.headers, second.body)
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "message bad: the webhook refused s3://music/2.mp3, dropped" in logged.getMessage()
    assert "sequencer must be a hexadecimal string" in logged.getMessage()
    assert BAD_SEQUENCER in logged.getMessage(), "the record must be in the log to be recovered"


def test_every_refused_record_costs_one_request_and_no_retry(webhook, sleeps):
    event = sqs_event(
        ("bad-1", s3_event(s3_record("1.mp3", sequencer=BAD_SEQUENCER))),
        ("ok", s3_event(s3_record("2.mp3"))),
        ("bad-2", s3_event(s3_record("3.mp3", sequencer=BAD_SEQUENCER))),
    )

    assert lambda_handler(event, None) == {"batchItemFailures": []}
    assert [len(request.json()["Records"]) for request in webhook.requests] == [3, 2, 1]
    assert sleeps == []


def test_message_with_a_refused_and_an_undelivered_record_is_delivered_again(webhook, monkeypatch):
    """Refused alone, a message is let go; with a record still to deliver, it comes back."""
    monkeypatch.setenv("INGEST_MAX_ATTEMPTS", "1")
    refused = s3_record("1.mp3", sequencer=BAD_SEQUENCER)
    event = sqs_event(("mixed", s3_event(refused, s3_record("2.mp3"))))
    webhook.script(
        Reply(400, answer={"detail": "Records[0].s3.object.sequencer must be hexadecimal"}), 500
    )

    assert failed_ids(lambda_handler(event, None)) == ["mixed"]
    assert [len(request.json()["Records"]) for request in webhook.requests] == [2, 1]


@pytest.mark.parametrize(
    "body",
    ["{oops", json.dumps({"hello": "world"}), json.dumps(s3_event({"eventName": "x"}))],
    ids=["not-json", "not-an-event", "record-without-s3"],
)
def test_message_no_retry_can_read_is_dropped_alone_and_logged(webhook, caplog, body):
    event = sqs_event(("ok-1", s3_event(s3_record("1.mp3"))), ("poison", body))
    event["Records"].append(sqs_event(("ok-2", s3_event(s3_record("2.mp3"))))["Records"][0])

    result = lambda_handler(event, None)

    assert result == {"batchItemFailures": []}
    [request] = webhook.requests
    assert forwarded_keys(webhook) == ["1.mp3", "2.mp3"]
    [logged] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert logged.startswith("message poison dropped, no retry can read it")
    assert body[:20] in logged


def test_answer_without_a_job_for_a_record_leaves_its_message_for_redelivery(webhook):
    job = {"id": 1, "bucket": "music", "key": "0.mp3", "status": "pending"}
    webhook.script(Reply(202, answer={"jobs": [job], "ignored": 0}))

    result = lambda_handler(numbered_batch(2), None)

    assert failed_ids(result) == ["m-1"]


def test_records_the_answer_counts_as_ignored_are_delivered(webhook):
    job = {"id": 1, "bucket": "music", "key": "1.mp3", "status": "pending"}
    webhook.script(Reply(202, answer={"jobs": [job], "ignored": 1}))

    assert lambda_handler(numbered_batch(2), None) == {"batchItemFailures": []}


def test_2xx_without_a_jobs_list_counts_as_delivering_the_request(webhook):
    webhook.script(Reply(200, answer={"ok": True}))

    assert lambda_handler(numbered_batch(2), None) == {"batchItemFailures": []}


def test_batch_past_the_body_bound_is_split_into_as_few_requests_as_fit(webhook, monkeypatch):
    bound = body_bound(4, "00.mp3")
    monkeypatch.setenv("INGEST_MAX_BODY_BYTES", str(bound))
    event = sqs_event(*((f"m-{n:02}", s3_event(s3_record(f"{n:02}.mp3"))) for n in range(10)))

    assert lambda_handler(event, None) == {"batchItemFailures": []}

    assert [len(request.json()["Records"]) for request in webhook.requests] == [4, 4, 2]
    assert all(len(request.body) <= bound for request in webhook.requests)
    assert all(signature_is_valid(request.headers, request.body) for request in webhook.requests)
    assert forwarded_keys(webhook) == [f"{n:02}.mp3" for n in range(10)]


def test_failure_of_one_split_request_fails_only_its_messages(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_BODY_BYTES", str(body_bound(2)))
    monkeypatch.setenv("INGEST_MAX_ATTEMPTS", "1")
    webhook.script(Reply(202), 503, Reply(202))

    result = lambda_handler(numbered_batch(6), None)

    assert failed_ids(result) == ["m-2", "m-3"]
    assert len(webhook.requests) == 3


def test_413_halves_the_request_until_the_server_takes_it(webhook):
    webhook.max_body_bytes = body_bound(3)

    assert lambda_handler(numbered_batch(8), None) == {"batchItemFailures": []}

    sizes = [len(request.json()["Records"]) for request in webhook.requests]
    assert sizes == [8, 4, 2, 2, 4, 2, 2]
    taken = [request for request in webhook.requests if len(request.body) <= body_bound(3)]
    assert keys_in(taken) == [f"{n}.mp3" for n in range(8)]


def test_413_for_a_single_record_fails_its_message(webhook):
    webhook.max_body_bytes = 100

    assert failed_ids(lambda_handler(numbered_batch(2), None)) == ["m-0", "m-1"]
    assert [len(request.json()["Records"]) for request in webhook.requests] == [2, 1, 1]


def test_out_of_time_before_a_split_request_fails_its_messages(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_BODY_BYTES", str(body_bound(1)))
    # The Lambda's clock jumps past its deadline as soon as the first request has arrived.
    clock = SimpleNamespace(
        time=time.time, monotonic=lambda: time.monotonic() + (100 if webhook.requests else 0)
    )
    monkeypatch.setattr(handler, "time", clock)  # it sets the deadline
    monkeypatch.setattr(delivery, "time", clock)  # it checks the deadline

    result = lambda_handler(numbered_batch(2), FakeContext(remaining_seconds=50))

    assert failed_ids(result) == ["m-1"]
    assert forwarded_keys(webhook) == ["0.mp3"]


def test_direct_s3_event_delivers_the_records_the_webhook_takes_then_raises(webhook):
    event = s3_event(s3_record("1.mp3", sequencer=BAD_SEQUENCER), s3_record("2.mp3"))

    with pytest.raises(WebhookDeliveryError) as excinfo:
        lambda_handler(event, None)

    assert excinfo.value.status == 400
    assert "Records[0]" in excinfo.value.detail
    assert [len(request.json()["Records"]) for request in webhook.requests] == [2, 1]
    assert forwarded_keys(webhook)[-1] == "2.mp3"


def test_body_bound_must_be_positive(webhook, monkeypatch):
    monkeypatch.setenv("INGEST_MAX_BODY_BYTES", "0")

    with pytest.raises(ConfigurationError):
        lambda_handler(numbered_batch(1), None)
