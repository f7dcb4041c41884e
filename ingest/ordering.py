"""Which of an object's events applies: the newest, by the store's sequencer.

S3 delivers each event at least once and in no set order, and a re-sync lists objects while
events keep coming. Each job is judged against the sequencer last applied to its object
(StoredObject): an older or repeated event is skipped with its reason, and a re-sync's job
applies only while the object is as the re-sync listed it, so a re-sync never undoes an
event and never brings back a song an event removed. running.py asks before reading a job's
tags and again inside the batch's transaction.
"""

from django.conf import settings

from catalog.models import StoredObject
from catalog.tagged import sequencer_is_stale
from ingest.jobs import is_resync
from ingest.models import IngestJob
from ingest.reading import Outcome


def applied_sequencers(jobs: list[IngestJob]) -> dict[str, str]:
    """Return {key: sequencer applied} for the jobs' objects (all in this server's bucket)."""
    return dict(
        StoredObject.objects.filter(
            bucket=settings.INGEST_BUCKET_NAME, key__in={job.key for job in jobs}
        ).values_list("key", "sequencer")
    )


def stale_outcome(job: IngestJob, applied: str) -> Outcome | None:
    """Return the job's outcome when its event is not the newest, else None."""
    if is_resync(job):
        if applied != job.sequencer:
            return Outcome(
                IngestJob.Status.SKIPPED,
                "an event for this object came after the re-sync listed it; the event wins",
            )
        return None
    if applied and sequencer_is_stale(job.sequencer, applied):
        if int(job.sequencer, 16) == int(applied, 16):
            # S3 delivers at least once: a redelivery whose first job is no longer there.
            return Outcome(IngestJob.Status.SKIPPED, "this event was already applied")
        return Outcome(
            IngestJob.Status.SKIPPED,
            "a newer event for this object was already applied (out-of-order delivery)",
        )
    return None


def applies(job: IngestJob, applied: str) -> bool:
    """Whether the job would be applied, not skipped as stale."""
    return stale_outcome(job, judged_against(job, applied)) is None


def judged_against(job: IngestJob, applied: str) -> str:
    """The sequencer a job is judged against: for a removal (not a re-sync's), its own
    sequencer counts as none (the object's row was just made from this event, or this is its
    redelivery)."""
    if job.action == IngestJob.Action.REMOVED and applied == job.sequencer and not is_resync(job):
        return ""
    return applied
