"""Background tasks of the ingest, run by whichever Django task backend is configured.

This module queues jobs (after commit, so a worker never looks for a row that is not there
yet) and runs them; jobs.py records and processes them and never imports this module.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.tasks import task

from ingest import jobs
from ingest.events import ObjectEvent
from ingest.models import IngestJob


@task
def run_ingest_job(job_id: int) -> str:
    """Process one recorded ingest job and return its final status."""
    return jobs.process_ingest_job(job_id)


def enqueue_ingest_job(job_id: int) -> None:
    """Hand a job to the configured task backend."""
    run_ingest_job.enqueue(job_id)


def queue_ingest_events(object_events: Iterable[ObjectEvent]) -> list[IngestJob]:
    """Record each event as a durable job and queue the new ones after commit.

    A repeated delivery of the same event finds its earlier job and queues nothing.
    """
    recorded = jobs.record_ingest_events(object_events)
    for job in recorded:
        if job.is_new:
            transaction.on_commit(lambda job_id=job.pk: enqueue_ingest_job(job_id))
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
    for job_id in pending:
        enqueue_ingest_job(job_id)
    return len(pending)
