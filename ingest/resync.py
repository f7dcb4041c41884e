"""Bring the catalogue to match the store: the store is the source of truth for songs.

The store's listing (key order) and the catalogue's songs (the same order, read in chunks)
are walked side by side, a merge join that holds one page of each in memory whatever the
size of the library. New and changed objects (by key, ETag and size) and vanished ones
become the same durable jobs events make, recorded and run a batch at a time; unchanged
objects cost nothing but the listing.

A re-sync's job carries the sequencer that was applied to its object when the store was
listed, and applies only if that is still the one applied: an event that arrives in
between always wins, and a song removed by a newer event is never brought back. Jobs are
idempotent (a run interrupted at any point leaves recorded jobs that the next run finds and
finishes), so running it again simply carries on. Running it in the background, one at a
time across processes, is resync_runs.py's and resync_shared.py's.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.utils import timezone

from catalog.models import StoredObject
from ingest import jobs, running
from ingest.events import RESYNC_EVENT_SUFFIX, ObjectEvent, check_listed_event
from ingest.listing import ListedObject, StoreUnavailable, is_audio_key, list_objects
from ingest.models import IngestJob
from ingest.queries import CatalogueEntry, catalogue_entries, songs_under

logger = logging.getLogger(__name__)

BATCH = 200  # changed objects recorded in one transaction and run as one batch
PROGRESS_EVERY = 1000  # listed objects between progress reports (one S3 page)
MAX_REASONS = 50  # failures and skips kept with their reasons for the summary

ADDED, UPDATED, REMOVED = "added", "updated", "removed"


@dataclass
class ResyncReport:
    """What a re-sync found and did; every failure and skip comes with its reason."""

    prefix: str = ""
    dry_run: bool = False
    listed: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    not_audio: int = 0
    skipped: int = 0
    failed: int = 0
    queued: int = 0
    pruned: int = 0  # ended ingest jobs deleted after the run (INGEST_JOBS_KEEP_DAYS)
    failures: list[tuple[str, str]] = field(default_factory=list)
    skips: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def done(self) -> int:
        return self.added + self.updated + self.removed + self.skipped + self.failed

    @property
    def settled(self) -> int:
        """Listed objects whose fate is known: unchanged, not audio, ingested, skipped, failed
        (the listing runs a page ahead of them)."""
        return (
            self.unchanged + self.not_audio + self.added + self.updated + self.skipped + self.failed
        )

    def as_dict(self) -> dict:
        return {
            "prefix": self.prefix,
            "dry_run": self.dry_run,
            "listed": self.listed,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": self.skipped + self.not_audio,
            "not_audio": self.not_audio,
            "failed": self.failed,
            "queued": self.queued,
            "pruned": self.pruned,
            "failures": [{"key": key, "reason": reason} for key, reason in self.failures],
            "skips": [{"key": key, "reason": reason} for key, reason in self.skips],
            "error": self.error,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }

    def summary_lines(self) -> list[str]:
        verb = "would be " if self.dry_run else ""
        lines = [
            f"Listed {self.listed} object(s) under '{self.prefix}': "
            f"{self.added} {verb}added, {self.updated} {verb}updated, "
            f"{self.removed} {verb}removed, {self.unchanged} unchanged, "
            f"{self.skipped + self.not_audio} skipped ({self.not_audio} not audio), "
            f"{self.failed} failed."
        ]
        if self.pruned:
            lines.append(f"Deleted {self.pruned} ended ingest job(s) past their keeping time.")
        lines += [f"  failed  {key}: {reason}" for key, reason in self.failures]
        lines += [f"  skipped {key}: {reason}" for key, reason in self.skips]
        if self.failed > len(self.failures):
            lines.append(f"  ... and {self.failed - len(self.failures)} more failure(s)")
        return lines


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    listed: ListedObject | None = None
    entry: CatalogueEntry | None = None


def compare(
    listing: Iterable[ListedObject], catalogue: Iterable[CatalogueEntry], report: ResyncReport
) -> Iterator[Change]:
    """Merge the two sorted streams; yield what differs, count what does not."""
    entries = iter(catalogue)
    entry = next(entries, None)
    for listed in listing:
        report.listed += 1
        while entry is not None and entry.key < listed.key:
            yield Change(REMOVED, entry.key, entry=entry)
            entry = next(entries, None)
        if entry is not None and entry.key == listed.key:
            if entry.etag == listed.etag and entry.size == listed.size:
                report.unchanged += 1
            else:
                yield Change(UPDATED, listed.key, listed=listed, entry=entry)
            entry = next(entries, None)
        elif is_audio_key(listed.key):
            yield Change(ADDED, listed.key, listed=listed)
        else:
            report.not_audio += 1
    while entry is not None:
        yield Change(REMOVED, entry.key, entry=entry)
        entry = next(entries, None)


def resync(
    prefix: str = "",
    *,
    dry_run: bool = False,
    progress: Callable[[ResyncReport], None] | None = None,
    report: ResyncReport | None = None,
) -> ResyncReport:
    """List the store under ``prefix`` and bring the catalogue to match it; return the report.

    Raises StoreUnavailable when the store cannot be listed at all; when it goes away midway,
    the report says how far the run got (``error``) and nothing past that point is touched.
    """
    report = report or ResyncReport()
    report.prefix, report.dry_run, report.started_at = prefix, dry_run, timezone.now()
    listing = _guarded(list_objects(prefix), prefix)
    if progress:
        listing = _reporting(listing, report, progress)
    changes = compare(listing, catalogue_entries(prefix), report)
    try:
        while batch := list(islice(changes, BATCH)):
            if dry_run:
                _count(batch, report)
            else:
                _apply(batch, report)
            if progress:
                progress(report)
    except StoreUnavailable as error:
        if not report.listed:
            raise
        report.error = str(error)
    report.finished_at = timezone.now()
    if progress:
        progress(report)
    return report


def _reporting(
    listing: Iterator[ListedObject], report: ResyncReport, progress: Callable
) -> Iterator[ListedObject]:
    """Pass the listing through, telling ``progress`` every page's worth of objects."""
    for number, listed in enumerate(listing, 1):
        yield listed
        if number % PROGRESS_EVERY == 0:
            progress(report)


def _guarded(listing: Iterator[ListedObject], prefix: str) -> Iterator[ListedObject]:
    """Refuse to empty the catalogue because the store listed nothing (a wrong bucket or path)."""
    first = next(listing, None)
    if first is None:
        known = songs_under(prefix).count()
        if known:
            raise StoreUnavailable(
                f"the store lists nothing under '{prefix}' but the catalogue has {known} "
                "song(s) there; not removing them all (check the bucket or media folder)"
            )
        return
    yield first
    yield from listing


def _count(batch: list[Change], report: ResyncReport) -> None:
    """Count what applying the batch would do (a dry run), failing what _apply would fail."""
    for change in batch:
        event, refused = check_listed_event(_event(change, settings.INGEST_BUCKET_NAME, ""))
        if refused:
            _failed(report, event.key, refused)
        else:
            setattr(report, change.kind, getattr(report, change.kind) + 1)


def _apply(batch: list[Change], report: ResyncReport) -> None:
    """Record the batch's jobs in one transaction, run the pending ones, count the outcomes.

    An object whose key cannot be ingested (a file name that is not UTF-8) gets a job failed
    with the reason, as a file that cannot be read does, and the others go on."""
    bucket = settings.INGEST_BUCKET_NAME
    checked = [check_listed_event(_event(change, bucket, "")) for change in batch]
    keys = [event.key for event, refused in checked if not refused]
    applied = dict(
        StoredObject.objects.filter(bucket=bucket, key__in=keys).values_list("key", "sequencer")
    )
    events, refusals = [], {}
    for event, refused in checked:
        event = replace(event, sequencer=applied.get(event.key, ""))
        events.append(event)
        if refused:
            refusals[event.dedup_key] = refused
    recorded = jobs.record_ingest_events(events, refusals)
    runnable = [job.pk for job in recorded if _runnable(job)]
    report.queued += len(runnable)
    try:
        running.process_ingest_jobs(runnable)
    except BaseException:
        # Interrupted (Ctrl-C): leave the batch pending for the next run, not "running".
        IngestJob.objects.filter(pk__in=runnable, status=IngestJob.Status.RUNNING).update(
            status=IngestJob.Status.PENDING
        )
        raise
    finished = dict(
        (pk, (status, reason))
        for pk, status, reason in IngestJob.objects.filter(
            pk__in=[job.pk for job in recorded]
        ).values_list("pk", "status", "reason")
    )
    for change, job in zip(batch, recorded, strict=True):
        status, reason = finished[job.pk]
        if status == IngestJob.Status.DONE:
            setattr(report, change.kind, getattr(report, change.kind) + 1)
        elif status == IngestJob.Status.FAILED:
            _failed(report, job.key, reason)
        else:
            report.skipped += 1
            if len(report.skips) < MAX_REASONS:
                report.skips.append((job.key, reason or status))


def _failed(report: ResyncReport, key: str, reason: str) -> None:
    report.failed += 1
    if len(report.failures) < MAX_REASONS:
        report.failures.append((key, reason))


def _event(change: Change, bucket: str, applied: str) -> ObjectEvent:
    if change.kind == REMOVED:
        return ObjectEvent(
            action=IngestJob.Action.REMOVED,
            bucket=bucket,
            key=change.key,
            event_name="ObjectRemoved" + RESYNC_EVENT_SUFFIX,
            event_time=change.entry.updated_at,  # the catalogue's version being taken off
            size=None,
            etag="",
            version_id="",
            sequencer=applied,
        )
    listed = change.listed
    return ObjectEvent(
        action=IngestJob.Action.CREATED,
        bucket=bucket,
        key=change.key,
        event_name="ObjectCreated" + RESYNC_EVENT_SUFFIX,
        event_time=listed.last_modified,
        size=listed.size,
        etag=listed.etag,
        version_id="",
        sequencer=applied,
    )


def _runnable(job: IngestJob) -> bool:
    """Run new jobs, and those an interrupted run left pending or (long) running."""
    if job.status == IngestJob.Status.PENDING:
        return True
    if job.status == IngestJob.Status.RUNNING:
        cutoff = timezone.now() - timedelta(seconds=settings.INGEST_JOB_TIMEOUT * 2)
        if job.started_at is None or job.started_at < cutoff:
            return bool(
                IngestJob.objects.filter(pk=job.pk, status=IngestJob.Status.RUNNING).update(
                    status=IngestJob.Status.PENDING
                )
            )
    return False
