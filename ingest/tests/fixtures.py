"""Fixtures that bring real songs in through the ingest, shared by every app's tests.

Loaded as a plugin by the root conftest.py, before Django is set up, so project imports
happen inside the fixtures.
"""

import json
from pathlib import Path

import pytest
import pytest_asyncio

WEBHOOK = "/api/v1/ingest/events/"


def _store(key: str, data: bytes) -> tuple[str, int]:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if default_storage.exists(key):
        default_storage.delete(key)
    assert default_storage.save(key, ContentFile(data)) == key
    return key, len(data)


@pytest.fixture
def put_bytes(media_root):
    """Write raw bytes into the media store; return (key, size)."""
    return _store


@pytest.fixture
def put_song(media_root, tmp_path):
    """Write a real tagged audio file into the media store; return (key, size)."""
    from demo import audio_samples

    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def put(key: str, tags=None, seconds: float = 2.0, **kw):
        fmt = kw.pop("fmt", None) or Path(key).suffix.lstrip(".")
        path = scratch / f"sample.{fmt}"
        audio_samples.write_sample(
            path, fmt, tags or audio_samples.SampleTags(), seconds=seconds, **kw
        )
        return _store(key, path.read_bytes())

    return put


@pytest.fixture
def post_events(client, settings, django_capture_on_commit_callbacks):
    """POST signed S3 event records to the webhook and run what they queue."""
    from ingest.signing import sign_headers

    def post(*records: dict, headers: dict | None = None, body: bytes | None = None):
        if body is None:
            body = json.dumps({"Records": list(records)}).encode()
        auth = sign_headers(settings.INGEST_SECRET, body) if headers is None else headers
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK,
                data=body,
                content_type="application/json",
                headers=auth,
            )

    return post


@pytest.fixture
def created(settings):
    """Build an ObjectCreated record for a key in this server's bucket."""
    from ingest.events import object_record

    def record(key: str, size: int, sequencer: str | None = None, **kw) -> dict:
        event = object_record(settings.INGEST_BUCKET_NAME, key, size=size, **kw)
        if sequencer is not None:
            event["s3"]["object"]["sequencer"] = sequencer
        return event

    return record


@pytest.fixture
def removed(settings):
    """Build an ObjectRemoved record for a key in this server's bucket."""
    from ingest.events import object_record

    def record(key: str, sequencer: str | None = None) -> dict:
        event = object_record(settings.INGEST_BUCKET_NAME, key, removed=True)
        if sequencer is not None:
            event["s3"]["object"]["sequencer"] = sequencer
        return event

    return record


@pytest_asyncio.fixture
async def sync_thread_connections_closed():
    """Close the database connections async code opened in asgiref's shared sync thread.

    A server closes them at the end of each request; a test that leaves one open there makes
    the next test without database access fail when a consumer tidies connections up.
    """
    from asgiref.sync import sync_to_async
    from django.db import connections

    yield
    await sync_to_async(connections.close_all)()
