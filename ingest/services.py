"""Writes of the ingest that start from a person: uploads and re-reading a song's tags.

Both go through the one ingest path: an upload lands in the store and comes back as its
ObjectCreated event; a re-read is an ingest job per song.
"""

import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from catalog.models import Song
from ingest.events import ObjectEvent, check_s3_notification, object_record
from ingest.listing import AUDIO_SUFFIXES, local_etag
from ingest.models import UPLOAD_PREFIX, IngestJob, Upload
from ingest.tasks import queue_ingest_events, retry_ingest_job


class InvalidUpload(ValueError):
    """The upload cannot be accepted; str() says why."""


@dataclass(frozen=True)
class PresignedUpload:
    """Where and how a client PUTs a file straight into the S3 bucket."""

    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_in: int


def upload_key(filename: str) -> str:
    """Return a fresh, safe key under music/uploads/ for a file name from a client."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        allowed = ", ".join(sorted(AUDIO_SUFFIXES))
        raise InvalidUpload(f"'{name}' is not an audio file we ingest; use one of {allowed}")
    stem = re.sub(r"[^\w.\- ]+", "", PurePosixPath(name).stem).strip(" .")[:120] or "upload"
    day = timezone.now()
    return f"{UPLOAD_PREFIX}/{day:%Y/%m}/{uuid.uuid4().hex[:12]}-{stem}{suffix}"


def upload_presign(uploader, filename: str, content_type: str = "") -> PresignedUpload:
    """Sign a PUT of one file into the bucket; its ObjectCreated event then ingests it.

    The key is recorded as the uploader's now, so they may follow the job its event makes.
    """
    key = upload_key(filename)
    Upload.objects.create(user=uploader, bucket=settings.INGEST_BUCKET_NAME, key=key)
    params = {"Bucket": settings.AWS_STORAGE_BUCKET_NAME, "Key": key}
    headers = {}
    if content_type:
        params["ContentType"] = content_type
        headers["Content-Type"] = content_type
    from catalog.storages import signing_client  # boto3, only where the store is S3

    url = signing_client(default_storage).generate_presigned_url(
        "put_object", Params=params, ExpiresIn=settings.AWS_QUERYSTRING_EXPIRE
    )
    return PresignedUpload(key, url, "PUT", headers, settings.AWS_QUERYSTRING_EXPIRE)


def upload_store(uploader, upload, filename: str) -> tuple[str, list[IngestJob]]:
    """Store an uploaded file in the local media folder and record its ObjectCreated event.

    The event is the same S3-shaped record the watcher sends, so the upload is ingested by the
    same job as any other object; the key is recorded as the uploader's, with the job.
    """
    key = upload_key(filename)
    limit = settings.INGEST_MAX_FILE_BYTES
    if upload.size == 0:
        raise InvalidUpload("the file is empty")
    if upload.size > limit:
        raise InvalidUpload(f"the file is over the limit of {limit / 1024**2:.0f} MB")
    stored_key = default_storage.save(key, upload)
    stat = os.stat(default_storage.path(stored_key))
    record = object_record(
        settings.INGEST_BUCKET_NAME, stored_key, size=upload.size, etag=local_etag(stat)
    )
    object_events, _ = check_s3_notification({"Records": [record]})
    with transaction.atomic():
        Upload.objects.create(user=uploader, bucket=settings.INGEST_BUCKET_NAME, key=stored_key)
        return stored_key, queue_ingest_events(object_events)


def song_reread_metadata(songs: Iterable[Song]) -> list[IngestJob]:
    """Read the songs' tags from their files again, through an ingest job per song.

    The job carries no sequencer, so it never counts as newer or older than the store's own
    events; asking again re-runs the earlier re-read job instead of recording a twin.
    """
    object_events = [
        ObjectEvent(
            action=IngestJob.Action.CREATED,
            bucket=settings.INGEST_BUCKET_NAME,
            key=song.storage_key,
            event_name="ObjectCreated:Reread",
            event_time=None,  # so that asking again finds the earlier re-read job
            size=song.file_size,
            etag=song.etag,
            version_id=song.version_id,
            sequencer="",
        )
        for song in songs
    ]
    with transaction.atomic():
        jobs = queue_ingest_events(object_events)
        return [job if job.is_new else retry_ingest_job(job) for job in jobs]
