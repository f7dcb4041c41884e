"""Durable ingest jobs: record object events as rows, then run each to its end.

A job is a row before the webhook answers, so nothing is lost if the process dies; running
one reads the object's tags (store.py, tags/) and hands them to catalog.services.song_ingest.
Queueing belongs to tasks.py, which imports this module, never the reverse.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog.events import send_to_group
from catalog.models import Song, StoredObject
from catalog.services import cover_for, sequencer_is_stale, song_ingest, song_remove
from ingest.consumers import INGEST_GROUP
from ingest.events import ObjectEvent
from ingest.models import IngestJob
from ingest.store import ObjectMissing, open_object
from ingest.tags import MetadataError, read_metadata

logger = logging.getLogger(__name__)


def _job_fields(event: ObjectEvent) -> dict:
    return {
        "bucket": event.bucket,
        "key": event.key,
        "action": event.action,
        "event_name": event.event_name,
        "event_time": event.event_time,
        "size": event.size,
        "etag": event.etag,
        "version_id": event.version_id,
        "sequencer": event.sequencer,
    }


def record_ingest_events(object_events: Iterable[ObjectEvent]) -> list[IngestJob]:
    """Record each event as a durable ingest job; new ones come back with ``is_new`` set.

    A repeated delivery of the same event finds its earlier job instead of making another.
    A body of many records costs one lookup and one insert, in one transaction; each record
    still gets its own job, done or failed on its own.
    """
    object_events = list(object_events)
    keys = [event.dedup_key for event in object_events]
    earlier = {job.dedup_key: job for job in IngestJob.objects.filter(dedup_key__in=keys)}
    new: dict[str, IngestJob] = {}
    for key, event in zip(keys, object_events, strict=True):
        if key not in earlier and key not in new:
            new[key] = IngestJob(dedup_key=key, **_job_fields(event))
    if new:
        try:
            with transaction.atomic():
                IngestJob.objects.bulk_create(new.values())
        except IntegrityError:
            # Another delivery of the same event was recorded in between: go one by one.
            return _record_one_by_one(object_events)
    jobs = []
    for key in keys:
        job = new.pop(key, None)
        if job is not None:
            job.is_new = True
        else:
            job = earlier.get(key) or IngestJob.objects.get(dedup_key=key)
            job.is_new = False
        jobs.append(job)
    return jobs


def _record_one_by_one(object_events: list[ObjectEvent]) -> list[IngestJob]:
    jobs = []
    with transaction.atomic():
        for event in object_events:
            job, created = IngestJob.objects.get_or_create(
                dedup_key=event.dedup_key, defaults=_job_fields(event)
            )
            job.is_new = created
            jobs.append(job)
    return jobs


def reset_ingest_job(job: IngestJob) -> tuple[IngestJob, bool]:
    """Make a finished job pending again; return it and whether it needs queueing."""
    with transaction.atomic():
        job = IngestJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (IngestJob.Status.PENDING, IngestJob.Status.RUNNING):
            return job, False
        job.status = IngestJob.Status.PENDING
        job.reason = ""
        job.started_at = job.finished_at = None
        job.save(update_fields=["status", "reason", "started_at", "finished_at"])
    return job, True


def unfinished_ingest_jobs(stale_after: timedelta | None = None) -> list[int]:
    """Return the ids of jobs a stopped process left pending or running, made pending again."""
    stale_after = stale_after or timedelta(seconds=settings.INGEST_JOB_TIMEOUT * 2)
    cutoff = timezone.now() - stale_after
    stuck = IngestJob.objects.filter(status=IngestJob.Status.RUNNING, started_at__lt=cutoff)
    stuck.update(status=IngestJob.Status.PENDING)
    return list(
        IngestJob.objects.filter(status=IngestJob.Status.PENDING).values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    song_id: int | None = None


def process_ingest_job(job_id: int) -> str:
    """Run one ingest job to its end (done, skipped or failed with a reason); return the status."""
    # Claim the job in one statement: of two workers handed the same job, one wins.
    claimed = IngestJob.objects.filter(pk=job_id, status=IngestJob.Status.PENDING).update(
        status=IngestJob.Status.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now()
    )
    job = IngestJob.objects.filter(pk=job_id).first()
    if job is None or not claimed:
        return job.status if job else "missing"
    try:
        if job.action == IngestJob.Action.REMOVED:
            outcome = _ingest_removed(job)
        else:
            outcome = _ingest_created(job)
    except Exception as error:
        logger.exception("ingest job %s failed unexpectedly", job.pk)
        # Only the kind of error: its text may hold server paths, which the log keeps.
        outcome = Outcome(
            IngestJob.Status.FAILED,
            f"unexpected error ({type(error).__name__}); the server log has the details",
        )
    IngestJob.objects.filter(pk=job.pk).update(
        status=outcome.status,
        reason=outcome.reason,
        song_id=outcome.song_id,
        finished_at=timezone.now(),
    )
    if outcome.status == IngestJob.Status.FAILED:
        logger.warning("ingest of %s failed: %s", job.key, outcome.reason)
    transaction.on_commit(
        lambda: send_ingest_event(job.pk, job.key, outcome.status, outcome.reason)
    )
    return outcome.status


def _stale_outcome(job: IngestJob) -> Outcome | None:
    applied = (
        StoredObject.objects.filter(bucket=job.bucket, key=job.key)
        .values_list("sequencer", flat=True)
        .first()
    )
    if applied and sequencer_is_stale(job.sequencer, applied):
        return Outcome(
            IngestJob.Status.SKIPPED,
            "a newer event for this object was already applied (out-of-order delivery)",
        )
    return None


def _ingest_created(job: IngestJob) -> Outcome:
    if job.bucket != settings.INGEST_BUCKET_NAME:
        return Outcome(
            IngestJob.Status.FAILED,
            f"bucket '{job.bucket}' is not this server's bucket '{settings.INGEST_BUCKET_NAME}'",
        )
    if stale := _stale_outcome(job):
        return stale
    if job.size == 0:
        return Outcome(IngestJob.Status.FAILED, "empty file (0 bytes)")
    limit = settings.INGEST_MAX_FILE_BYTES
    if job.size is not None and job.size > limit:
        return Outcome(
            IngestJob.Status.FAILED,
            f"too large: {job.size / 1024**2:.0f} MB, the limit is {limit / 1024**2:.0f} MB",
        )
    try:
        reader = open_object(
            job.key,
            size=job.size,
            version_id=job.version_id,
            max_bytes=settings.INGEST_MAX_TAG_BYTES,
            timeout=settings.INGEST_JOB_TIMEOUT,
        )
    except ObjectMissing as missing:
        return Outcome(IngestJob.Status.SKIPPED, f"the object is no longer in the store: {missing}")
    try:
        if reader.size == 0:
            return Outcome(IngestJob.Status.FAILED, "empty file (0 bytes)")
        if reader.size > limit:
            return Outcome(
                IngestJob.Status.FAILED,
                f"too large: {reader.size / 1024**2:.0f} MB, the limit is {limit / 1024**2:.0f} MB",
            )
        metadata = read_metadata(reader, PurePosixPath(job.key).name)
        content_hash = hashlib.sha256(f"{reader.size}:".encode() + reader.head).hexdigest()
        size = reader.size
    except ObjectMissing as missing:
        return Outcome(IngestJob.Status.SKIPPED, f"the object is no longer in the store: {missing}")
    except MetadataError as error:
        return Outcome(IngestJob.Status.FAILED, str(error))
    except Exception as error:
        if getattr(error, "ingest_limit", False):
            return Outcome(IngestJob.Status.FAILED, str(error))
        raise
    finally:
        reader.close()
    cover = cover_for(metadata.cover) if metadata.cover else None
    song = song_ingest(job, metadata, size=size, content_hash=content_hash, cover=cover)
    if song is None:
        return _stale_outcome(job) or Outcome(IngestJob.Status.SKIPPED, "superseded")
    return Outcome(IngestJob.Status.DONE, "", song.pk)


def _ingest_removed(job: IngestJob) -> Outcome:
    with transaction.atomic():
        stored, _ = StoredObject.objects.select_for_update().get_or_create(
            bucket=job.bucket, key=job.key, defaults={"sequencer": job.sequencer, "exists": False}
        )
        if stored.sequencer != job.sequencer and sequencer_is_stale(
            job.sequencer, stored.sequencer
        ):
            return Outcome(
                IngestJob.Status.SKIPPED,
                "a newer event for this object was already applied (out-of-order delivery)",
            )
        song = stored.song
        stored.exists = False
        stored.sequencer = job.sequencer or stored.sequencer
        stored.song = None
        stored.save()
        if song is None:
            song = Song.objects.filter(storage_key=job.key).first()
        if song is None:
            return Outcome(IngestJob.Status.DONE, "no song was stored for this object")
        song_remove(song)
    return Outcome(IngestJob.Status.DONE)


def send_ingest_event(job_id: int, key: str, status: str, reason: str) -> None:
    """Tell staff following the ingest (the "ingest" group) how a job ended."""
    send_to_group(
        INGEST_GROUP,
        {
            "type": "ingest.finished",
            "job": {"id": job_id, "key": key, "status": status, "reason": reason},
        },
    )
