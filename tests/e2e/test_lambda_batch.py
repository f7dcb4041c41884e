"""End to end: a batch of S3 notifications from SQS reaches the real server in one request.

The real Lambda handler posts the batch to the real server (daphne) whose media are on moto's
bucket, and maps the server's answer back to the batch's messages.
"""

import json
import logging

import pytest

from demo.audio_samples import SampleTags
from tests.e2e.delivery import (
    put_s3_song,
    receive_notifications,
    run_lambda_on_messages,
    song_bytes,
    wait_for_song,
)

pytestmark = pytest.mark.django_db(transaction=True)

FOLDER = "batch/Múm/Finally We Are No One (2002)/"
TITLES = ("Sleep / Swim", "Green Grass of Tunnel", "We Have a Map of the Piano")


def test_sqs_batch_reaches_the_api_in_one_request_and_a_bad_record_alone_is_let_go(
    s3_store, s3_server, tmp_path, monkeypatch, caplog
):
    """Three songs' notifications and one the server cannot read form one batch: the songs
    arrive, the bad one is dropped with its reason logged, and no message is left to redeliver."""
    caplog.set_level(logging.INFO, logger="ingest_lambda")
    keys = []
    for number, title in enumerate(TITLES, start=1):
        key = f"{FOLDER}{number:02} {title.replace('/', '-')}.flac"
        tags = SampleTags(title=title, artists=("múm",), album="Finally We Are No One")
        put_s3_song(s3_store, key, song_bytes(tmp_path, f"batch-{number}.flac", tags))
        keys.append(key)
    messages = receive_notifications(s3_store, keys, "ObjectCreated:")
    # A fourth message whose record the server refuses: its sequencer is not hexadecimal.
    bad_body = json.loads(messages[0]["Body"])
    bad_body["Records"][0]["s3"]["object"].update(key="ghost.flac", sequencer="not-hex")
    bad = {**messages[0], "MessageId": "bad-record", "Body": json.dumps(bad_body)}
    batch = [messages[0], bad, *messages[1:]]

    answer = run_lambda_on_messages(s3_store, s3_server, batch, monkeypatch)

    assert answer == {"batchItemFailures": []}
    forwarded = [m for m in caplog.messages if m.startswith("forwarded")]
    assert forwarded == ["forwarded 3 record(s) to the webhook: HTTP 202, 3 job(s)"]
    [refused] = [m for m in caplog.messages if "refused" in m]
    assert refused.startswith("message bad-record: the webhook refused s3://e2e-music/ghost.flac")
    assert "sequencer must be a hexadecimal string" in refused
    for title in TITLES:
        wait_for_song(s3_server, title)
