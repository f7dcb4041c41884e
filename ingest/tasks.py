"""Background tasks of the ingest, run by whichever Django task backend is configured.

This module queues jobs (after commit, so a worker never looks for a row that is not there
yet) and runs them in batches; jobs.py records them and running.py runs them, and neither
imports this module.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db import transaction
from django.tasks import task

from ingest import jobs, running
from ingest.events import ObjectEvent
from ingest.models import IngestJob
from ingest.resync_shared import SharedResync

MAX_BATCH = 100  # jobs per batch: one claim, one transaction of rows, one status update


@task
def run_ingest_job(job_id: int) -> str:
    """Process one recorded ingest job and return its final status."""
    return running.process_ingest_job(job_id)


# The process's batches go through one pipeline: one batch reads while the one before writes.
_stages = running.BatchStages()


@task
def run_ingest_batch(job_ids: list[int]) -> dict[str, str]:
    """Process a batch of recorded ingest jobs, filled up with other pending ones to
    MAX_BATCH; return {job id: final status} of every job it ran."""
    statuses = running.process_ingest_jobs(job_ids, fill_to=MAX_BATCH, stages=_stages)
    return {str(pk): status for pk, status in statuses.items()}


def batches(job_ids: Sequence[int]) -> list[list[int]]:
    """Split jobs into batches of MAX_BATCH: a batch's rows cost the same few statements
    whatever its size, and its files are read side by side already."""
    return [list(job_ids[start : start + MAX_BATCH]) for start in range(0, len(job_ids), MAX_BATCH)]


def enqueue_ingest_jobs(job_ids: Sequence[int]) -> None:
    """Hand jobs to the configured task backend, in batches."""
    for batch in batches(job_ids):
        run_ingest_batch.enqueue(batch)


def enqueue_ingest_job(job_id: int) -> None:
    """Hand one job to the configured task backend."""
    enqueue_ingest_jobs([job_id])


def queue_ingest_events(object_events: Iterable[ObjectEvent]) -> list[IngestJob]:
    """Record each event as a durable job (one transaction) and queue the new ones after commit.

    A repeated delivery of the same event finds its earlier job and queues nothing.
    """
    recorded = jobs.record_ingest_events(object_events)
    new = [job.pk for job in recorded if job.is_new]
    if new:
        transaction.on_commit(lambda: enqueue_ingest_jobs(new))
    return recorded


def retry_ingest_job(job: IngestJob) -> IngestJob:
    """Queue a finished job again, as if its event had just arrived."""
    job, reset = jobs.reset_ingest_job(job)
    if reset:
        transaction.on_commit(lambda: enqueue_ingest_job(job.pk))
    return job


def recover_ingest_jobs(stale_after: timedelta | None = None) -> int:
    """Queue again the jobs a stopped process left pending or running; return how many."""
    pending = jobs.unfinished_ingest_jobs(stale_after)
    enqueue_ingest_jobs(pending)
    return len(pending)


@task
def run_resync(prefix: str, run_id: str) -> dict:
    """Run a re-sync started by `resync_runs.start_resync` on this worker, under its lock."""
    report = SharedResync().run(prefix, run_id)
    return report.as_dict() if report else {"error": "another re-sync holds the lock"}
