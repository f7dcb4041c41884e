"""Durable ingest jobs: each object event recorded as a row, and made pending again to retry.

A job is a row before the webhook answers, so nothing is lost if the process dies; the jobs a
stopped process left are found again. running.py runs the jobs in batches. Queueing belongs
to tasks.py, which imports this module, never the reverse.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.batch import insert_in_bulk, rows_among
from ingest.events import RESYNC_EVENT_SUFFIX, ObjectEvent
from ingest.models import IngestJob


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


def _refused_fields(reason: str) -> dict:
    """The fields of a job recorded as failed already (see record_ingest_events)."""
    if not reason:
        return {}
    return {"status": IngestJob.Status.FAILED, "reason": reason, "finished_at": timezone.now()}


def record_ingest_events(
    object_events: Iterable[ObjectEvent], refusals: Mapping[str, str] | None = None
) -> list[IngestJob]:
    """Record each event as a durable ingest job; new ones come back with ``is_new`` set.

    A repeated delivery of the same event finds its earlier job instead of making another.
    A body of many records costs one lookup and one insert, in one transaction; each record
    still gets its own job, done or failed on its own. The lookup reads plain values
    (catalog.batch.rows_among): the webhook runs this for every request. A new job whose
    event's dedup_key is in ``refusals`` is recorded failed with that reason, never to run
    (an object found in the store under a key it cannot be ingested by: events.check_listed_event).
    """
    refusals = refusals or {}
    object_events = list(object_events)
    keys = [event.dedup_key for event in object_events]
    known = [key for (key,) in rows_among(IngestJob, ["dedup_key"], dedup_key=set(keys))]
    earlier = {}
    if known:  # a redelivery: the answer gives its earlier jobs
        earlier = {job.dedup_key: job for job in IngestJob.objects.filter(dedup_key__in=known)}
    new: dict[str, IngestJob] = {}
    for key, event in zip(keys, object_events, strict=True):
        if key not in earlier and key not in new:
            new[key] = IngestJob(
                dedup_key=key, **_job_fields(event), **_refused_fields(refusals.get(key, ""))
            )
    if new:
        try:
            with transaction.atomic():
                insert_in_bulk(IngestJob, list(new.values()))
        except IntegrityError:
            # Another delivery of the same event was recorded in between: go one by one.
            return _record_one_by_one(object_events, refusals)
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


def _record_one_by_one(
    object_events: list[ObjectEvent], refusals: Mapping[str, str]
) -> list[IngestJob]:
    jobs = []
    with transaction.atomic():
        for event in object_events:
            key = event.dedup_key
            job, created = IngestJob.objects.get_or_create(
                dedup_key=key,
                defaults={**_job_fields(event), **_refused_fields(refusals.get(key, ""))},
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


def is_resync(job: IngestJob) -> bool:
    """Tell a re-sync's job from an event's: its sequencer is the one it expects, not its own."""
    return job.event_name.endswith(RESYNC_EVENT_SUFFIX)


PRUNE_CHUNK = 10_000  # jobs deleted a statement: short transactions beside the webhook's


def prune_ingest_jobs(keep_days: int | None = None, *, chunk: int = PRUNE_CHUNK) -> int:
    """Delete the jobs that have ended and were recorded more than ``keep_days`` days ago
    (INGEST_JOBS_KEEP_DAYS; 0 keeps them all); return how many.

    Every event is a row, and an import of a library is a row a song: without this the table
    only grows. A job is what tells a redelivered event from a new one; a redelivery older
    than this is read again, and the sequencers keep the newer version. Pending and running
    jobs are never deleted.
    """
    keep_days = settings.INGEST_JOBS_KEEP_DAYS if keep_days is None else keep_days
    if keep_days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=keep_days)
    ended = IngestJob.objects.filter(
        created_at__lt=cutoff,
        status__in=[IngestJob.Status.DONE, IngestJob.Status.SKIPPED, IngestJob.Status.FAILED],
    )
    deleted = 0
    while ids := list(ended.order_by("pk").values_list("pk", flat=True)[:chunk]):
        deleted += IngestJob.objects.filter(pk__in=ids).delete()[0]
    return deleted
