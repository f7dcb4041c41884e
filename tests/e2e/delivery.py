"""The ways a song reaches a running server, and waits on what its API then says.

Through S3: put the object in moto's bucket, take the notification S3 sent to SQS and run the
real Lambda handler on it, as Lambda's SQS trigger would. Locally: write the file into the
server's media folder and POST a signed event, as the media watcher does.
"""

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_plus

import requests
from django.conf import settings

from demo.audio_samples import SampleTags, make_cover, write_sample
from ingest.events import object_record
from ingest.models import IngestJob
from ingest.watcher import post_records
from ingest_lambda import handler
from tests.servers import AsgiServer
from tests.support import wait_for

logger = logging.getLogger(__name__)

INGEST_TIMEOUT = 20.0


@dataclass
class S3Store:
    """A bucket on moto's server whose object events go to an SQS queue, as on AWS."""

    endpoint_url: str
    bucket: str
    queue_url: str
    queue_arn: str
    s3: object = field(repr=False)
    sqs: object = field(repr=False)


def song_bytes(tmp_path: Path, name: str, tags: SampleTags, seconds: float = 2.0) -> bytes:
    """Encode a real tagged song (format from the name's suffix) and return its bytes."""
    path = write_sample(tmp_path / "samples" / name, tags=tags, seconds=seconds)
    return path.read_bytes()


def tags_with_cover(title: str, artist: str, album: str, color: tuple[int, int, int]) -> SampleTags:
    """Return tags for a song with an embedded JPEG cover of its own colour."""
    return SampleTags(
        title=title,
        artists=(artist,),
        album=album,
        cover=make_cover(color=color, size=200, text=title[:12]),
    )


def put_s3_song(store: S3Store, key: str, data: bytes) -> None:
    store.s3.put_object(Bucket=store.bucket, Key=key, Body=data)


def deliver_through_lambda(
    store: S3Store, server: AsgiServer, key: str, event_prefix: str, monkeypatch
) -> None:
    """Run the real Lambda handler on the SQS message S3 sent for ``key``, as Lambda would."""
    [message] = receive_notifications(store, [key], event_prefix)
    answer = run_lambda_on_messages(store, server, [message], monkeypatch)
    assert answer == {"batchItemFailures": []}, f"the Lambda failed to deliver {key!r}"


def run_lambda_on_messages(
    store: S3Store, server: AsgiServer, messages: list[dict], monkeypatch
) -> dict:
    """Run the real Lambda handler on ``messages`` as one SQS batch; return its answer.

    As Lambda's SQS trigger does, delete the messages the answer does not report as failed.
    """
    event = {
        "Records": [
            {
                "eventSource": "aws:sqs",
                "eventSourceARN": store.queue_arn,
                "awsRegion": "us-east-1",
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {},
                "messageAttributes": {},
            }
            for message in messages
        ]
    }
    with monkeypatch.context() as patch:
        patch.setenv("INGEST_WEBHOOK_URL", server.webhook_url)
        patch.setenv("INGEST_SECRET", settings.INGEST_SECRET)
        answer = handler.lambda_handler(event, None)
    failed = {failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])}
    for message in messages:
        if message["MessageId"] not in failed:
            store.sqs.delete_message(
                QueueUrl=store.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
    return answer


def receive_notifications(store: S3Store, keys: list[str], event_prefix: str) -> list[dict]:
    """Return the SQS messages S3 sent for ``keys`` (in that order) with an event name starting
    ``event_prefix``; delete the other messages on the queue."""
    found: dict[str, dict] = {}
    seen: list[str] = []

    def all_found() -> bool:
        reply = store.sqs.receive_message(
            QueueUrl=store.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in reply.get("Messages", []):
            body = json.loads(message["Body"])
            record = (body.get("Records") or [{}])[0]
            name = record.get("eventName") or body.get("Event", "?")
            raw_key = record.get("s3", {}).get("object", {}).get("key", "")
            key = unquote_plus(raw_key)
            if key in keys and key not in found and name.startswith(event_prefix):
                found[key] = message
                continue
            # S3's test event when the notification was set up, or left behind by an earlier
            # test that failed half-way: not ours to deliver.
            seen.append(f"{name} {raw_key}".strip())
            logger.info("dropping another notification: %s %s", name, raw_key)
            store.sqs.delete_message(
                QueueUrl=store.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return len(found) == len(keys)

    wait_for(
        all_found,
        timeout=10,
        interval=0,
        failure=lambda: (
            f"S3 sent no {event_prefix} notification for {sorted(set(keys) - set(found))} to SQS "
            f"(other messages: {seen})"
        ),
    )
    return [found[key] for key in keys]


def write_local_song(server: AsgiServer, key: str, tags: SampleTags) -> int:
    """Write a real tagged song into the server's media folder; return its size."""
    path = write_sample(server.media_root / key, tags=tags, seconds=2.0)
    return path.stat().st_size


def post_local_event(server: AsgiServer, key: str, *, size: int = 0, removed: bool = False) -> None:
    """POST a signed S3-shaped event for ``key`` to the server's webhook, as the watcher does."""
    post_local_events(server, [object_record(server.bucket, key, size=size, removed=removed)])


def post_local_events(server: AsgiServer, records: list[dict]) -> None:
    """POST signed S3-shaped event records to the server's webhook, all in one request."""
    answer = post_records(records, server.webhook_url, settings.INGEST_SECRET)
    keys = [record["s3"]["object"]["key"] for record in records]
    assert len(answer["jobs"]) == len(records), f"the webhook missed a job of {keys}: {answer}"


def songs(server: AsgiServer) -> list[dict]:
    """Return the first page of GET /api/v1/songs/."""
    response = requests.get(f"{server.url}/api/v1/songs/", timeout=10)
    response.raise_for_status()
    return response.json()["results"]


def wait_for_song(server: AsgiServer, title: str) -> dict:
    """Wait until the API lists a song titled ``title`` and return it."""
    return wait_for(
        lambda: next((song for song in songs(server) if song["title"] == title), None),
        timeout=INGEST_TIMEOUT,
        interval=0.1,
        failure=lambda: f"no song titled {title!r} in the API; {ingest_jobs_report()}",
    )


def wait_for_song_gone(server: AsgiServer, song_id: int) -> None:
    """Wait until GET /api/v1/songs/<id>/ answers 404."""
    url = f"{server.url}/api/v1/songs/{song_id}/"
    wait_for(
        lambda: requests.get(url, timeout=10).status_code == 404,
        timeout=INGEST_TIMEOUT,
        failure=lambda: f"song {song_id} is still in the API; {ingest_jobs_report()}",
    )


def ingest_jobs_report() -> str:
    """Describe the ingest jobs the server recorded, read from the shared test database."""
    jobs = IngestJob.objects.order_by("pk").values_list("action", "key", "status", "reason")
    lines = [
        f"{action} {key!r}: {status} {reason}".rstrip() for action, key, status, reason in jobs
    ]
    return "ingest jobs: " + ("; ".join(lines) or "none")
