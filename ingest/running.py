"""Running ingest jobs: a batch is claimed, its objects' tags are read, its rows written.

A batch's jobs are claimed in one statement, their tags read side by side (ingest.reading),
the files of their new covers stored, and the songs handed together to
catalog.tagged.songs_ingest in one transaction; each job still ends on its own
(done, skipped or failed with its reason), and how each ended goes live after commit. The
jobs themselves are recorded by jobs.py. Queueing belongs to tasks.py, which imports this
module, never the reverse.
"""

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.batch import rows_among, update_in_bulk
from catalog.events import send_many_to_group
from catalog.linked import StoredCovers, cover_digest, stored_cover_files
from catalog.media import is_s3
from catalog.models import Song, StoredObject
from catalog.services import song_remove
from catalog.tagged import SongFile, songs_ingest
from ingest import ordering, same_file
from ingest.consumers import INGEST_GROUP, uploader_group
from ingest.events import RESYNC_EVENT_SUFFIX
from ingest.jobs import is_resync
from ingest.models import UPLOAD_PREFIX, IngestJob, Upload
from ingest.reading import ObjectToRead, Outcome, ReadLimits, TagsRead, read_objects, unexpected

logger = logging.getLogger(__name__)


def process_ingest_job(job_id: int) -> str:
    """Run one ingest job to its end (done, skipped or failed with a reason); return the status."""
    return process_ingest_jobs([job_id]).get(job_id, "missing")


@dataclass
class BatchStages:
    """A process's batches as a pipeline of two stages: while one batch writes its rows, the
    next takes its jobs, reads their tags (in reader processes or over the network) and stores
    its new covers' files, and batches write in the order they were read. Each stage runs one
    batch at a time, so the jobs that arrive meanwhile make the next batch bigger instead of
    contending.

    SQLite has one writer: a claim (an UPDATE) would wait for the batch being written, and the
    stages would never overlap. There the reading stage only chooses its pending jobs (the
    process keeps them ``in_flight``, so no other batch of its own chooses them too) and the
    writing stage claims them just before writing; a job another process claimed meanwhile is
    left to it, its read unused."""

    reading: threading.Lock = field(default_factory=threading.Lock)
    writing: threading.Lock = field(default_factory=threading.Lock)
    in_flight: set[int] = field(default_factory=set)


def process_ingest_jobs(
    job_ids: Iterable[int], *, fill_to: int = 0, stages: BatchStages | None = None
) -> dict[int, str]:
    """Run a batch of jobs to their end; return {job id: final status}.

    With ``fill_to``, the batch also takes the oldest other pending jobs of events (not a
    re-sync's), up to that many jobs in all: what a burst of small requests queued runs as a
    few big batches, each costing the same few statements whatever its size. With ``stages``,
    a task that finds all its jobs taken by another batch answers at once (their tasks run
    the jobs still pending); without, it still fills a batch.

    The batch is claimed in one statement (of two workers handed the same job, one wins);
    tags are read side by side (ingest.reading); then the rows are written in one transaction
    (see _write_all): a file whose tags cannot be read fails alone with its reason, and a
    batch the database refuses is written again one job at a time, so the others are kept. A
    job another worker holds is left to it, and its current status is returned. With
    ``stages``, the reading overlaps the previous batch's writing (see BatchStages).
    """
    job_ids = list(dict.fromkeys(job_ids))
    if stages is not None:
        return _run_staged(job_ids, fill_to, stages)
    claimed, statuses = _claim(job_ids, _choose(job_ids, fill_to))
    if claimed:
        read = _read_claimed(claimed)
        statuses.update(_commit_batch(claimed, read, _cover_files(read)))
    return statuses


def _run_staged(job_ids: list[int], fill_to: int, stages: BatchStages) -> dict[int, str]:
    claim_late = connection.vendor == "sqlite"
    with stages.reading:
        if ended := _all_taken(job_ids, stages):
            return ended
        taking = _choose(job_ids, fill_to, exclude=stages.in_flight)
        if claim_late:
            chosen = list(
                IngestJob.objects.filter(pk__in=taking, status=IngestJob.Status.PENDING).order_by(
                    "pk"
                )
            )
            taking = [job.pk for job in chosen]
            stages.in_flight.update(taking)
        else:
            chosen, statuses = _claim(job_ids, taking)
        read = _read_claimed(chosen)
        covers = _cover_files(read)
        # Taken before the next batch may read: batches write in the order they read.
        stages.writing.acquire()
    try:
        if claim_late:
            chosen, statuses = _claim(job_ids, taking, chosen)
        if chosen:
            statuses.update(_commit_batch(chosen, read, covers))
        return statuses
    finally:
        stages.in_flight.difference_update(taking)
        stages.writing.release()


def _all_taken(job_ids: list[int], stages: BatchStages) -> dict[int, str] | None:
    """Return the statuses of a task's jobs when another batch has taken all of them (the
    task has nothing to do; the jobs still pending have tasks of their own), else None.

    When requests come faster than batches are written, one batch takes the jobs of many
    requests, and most tasks find theirs taken: one query answers them."""
    statuses = dict(rows_among(IngestJob, ["pk", "status"], id=job_ids))
    if any(
        status == IngestJob.Status.PENDING or pk in stages.in_flight
        for pk, status in statuses.items()
    ):
        return None
    return statuses


def _choose(job_ids: list[int], fill_to: int, exclude: set[int] = frozenset()) -> list[int]:
    """Return the jobs a batch takes: its own, then the oldest other pending jobs of events
    (a re-sync runs its own jobs and counts how each ended: they are left to it)."""
    taking = [pk for pk in job_ids if pk not in exclude]
    if fill_to > len(taking):
        pending = IngestJob.objects.filter(status=IngestJob.Status.PENDING).exclude(
            Q(pk__in=[*job_ids, *exclude]) | Q(event_name__endswith=RESYNC_EVENT_SUFFIX)
        )
        taking += pending.order_by("pk").values_list("pk", flat=True)[: fill_to - len(taking)]
    return taking


def _claim(
    job_ids: list[int], taking: list[int], chosen: list[IngestJob] | None = None
) -> tuple[list[IngestJob], dict[int, str]]:
    """Claim the pending ones of ``taking`` in one statement; return them, and the current
    status of the batch's own jobs that were not claimed (another worker holds them).

    ``chosen``: the jobs as read when they were chosen; those claimed are returned marked
    running, instead of being read again."""
    stamp = timezone.now()
    IngestJob.objects.filter(pk__in=taking, status=IngestJob.Status.PENDING).update(
        status=IngestJob.Status.RUNNING, attempts=F("attempts") + 1, started_at=stamp
    )
    won = IngestJob.objects.filter(pk__in=taking, status=IngestJob.Status.RUNNING, started_at=stamp)
    if chosen is None:
        claimed = list(won.order_by("pk"))
    else:
        ids = set(won.values_list("pk", flat=True))
        claimed = [job for job in chosen if job.pk in ids]
        for job in claimed:
            job.status, job.started_at, job.attempts = (
                IngestJob.Status.RUNNING,
                stamp,
                job.attempts + 1,
            )
    statuses: dict[int, str] = {}
    if len(claimed) < len(job_ids):
        statuses.update(
            IngestJob.objects.filter(pk__in=job_ids)
            .exclude(pk__in=[job.pk for job in claimed])
            .values_list("pk", "status")
        )
    return claimed, statuses


def _read_claimed(claimed: list[IngestJob]) -> dict[int, Outcome | TagsRead]:
    """Read the tags of the claimed jobs that need them; return what each gave (the rows are
    written later, and check the sequencers again then)."""
    if not claimed:
        return {}
    applied = ordering.applied_sequencers(claimed)
    read: dict[int, Outcome | TagsRead] = {}
    to_read = []
    for job in claimed:
        if job.bucket != settings.INGEST_BUCKET_NAME:
            # Creations and removals alike: another bucket's key is not this catalogue's song.
            read[job.pk] = Outcome(
                IngestJob.Status.FAILED,
                f"bucket '{job.bucket}' is not this server's bucket "
                f"'{settings.INGEST_BUCKET_NAME}'",
            )
        elif job.action == IngestJob.Action.REMOVED:
            continue
        elif (outcome := _check_created(job, applied.get(job.key, ""))) is not None:
            read[job.pk] = outcome
        else:
            to_read.append(job)
    read.update(_read_all(to_read))
    return read


def _cover_files(read: dict[int, Outcome | TagsRead]) -> StoredCovers:
    """Store the files of the batch's pictures new to the catalogue before its transaction:
    writing them is file I/O (or an S3 PUT each), and inside the transaction it kept every
    other writer waiting (the webhook recording jobs among them)."""
    arts = [tags.metadata.cover for tags in read.values() if isinstance(tags, TagsRead)]
    return stored_cover_files((cover_digest(art), art) for art in arts if art is not None)


def _commit_batch(
    claimed: list[IngestJob], read: dict[int, Outcome | TagsRead], covers: StoredCovers
) -> dict[int, str]:
    """Write the batch and record how each job ended; return {job id: final status}."""
    try:
        _commit(claimed, read, covers)
    except DatabaseError:
        # The commit itself was refused (another worker deleted an artist or album this
        # batch links to, a deadlock...): nothing of the batch was kept. Run its jobs again
        # one at a time, so a conflict costs one job at most and never leaves the batch
        # running forever.
        logger.warning("a batch of %d ingest jobs could not commit", len(claimed), exc_info=True)
        for job in claimed:
            try:
                _commit([job], read, covers)
            except DatabaseError as error:
                logger.warning("ingest of %s could not commit", job.key, exc_info=True)
                job.status, job.song_id = IngestJob.Status.FAILED, None
                job.reason = (
                    f"the database refused the song's rows ({type(error).__name__}); retry the job"
                )
                job.finished_at = timezone.now()
                job.save(update_fields=["status", "reason", "song", "finished_at"])
    ended = [(job.pk, job.bucket, job.key, job.status, job.reason) for job in claimed]
    transaction.on_commit(lambda: send_ingest_events(ended))
    return {pk: status for pk, _, _, status, _ in ended}


def _commit(claimed: list[IngestJob], early: dict, covers: StoredCovers) -> None:
    """Write the jobs' rows and record their outcomes on them, in one transaction."""
    with transaction.atomic():
        outcomes = _write_all(claimed, early, covers)
        if any(job.action == IngestJob.Action.REMOVED for job in claimed):
            # A removal later in the batch may have taken off a song an earlier job wrote.
            kept = set(
                Song.objects.filter(
                    pk__in=[outcome.song_id for outcome in outcomes.values() if outcome.song_id]
                ).values_list("pk", flat=True)
            )
            outcomes = {
                pk: outcome if outcome.song_id in kept else replace(outcome, song_id=None)
                for pk, outcome in outcomes.items()
            }
        finished = timezone.now()
        for job in claimed:
            outcome = outcomes[job.pk]
            job.status, job.reason = outcome.status, outcome.reason
            job.song_id, job.finished_at = outcome.song_id, finished
            if outcome.status == IngestJob.Status.FAILED:
                logger.warning("ingest of %s failed: %s", job.key, outcome.reason)
        update_in_bulk(IngestJob, claimed, ["status", "reason", "song", "finished_at"])


def _renames(jobs: list[IngestJob], read: dict[int, Outcome | TagsRead]) -> dict[str, str]:
    """Move the songs of the batch's renamed files to their new keys (ingest.same_file);
    return {old key: new key}. Only a batch that removes and creates looks, and only at the
    jobs that were not ended before their write (another bucket's)."""
    jobs = [job for job in jobs if not isinstance(read.get(job.pk), Outcome)]
    actions = {job.action for job in jobs}
    if actions != {IngestJob.Action.REMOVED, IngestJob.Action.CREATED}:
        return {}
    applied = ordering.applied_sequencers(jobs)
    renamed = same_file.renames(
        jobs, read, lambda job: ordering.applies(job, applied.get(job.key, ""))
    )
    same_file.move_songs(renamed)
    return renamed


def _check_created(job: IngestJob, applied: str) -> Outcome | None:
    """Return the outcome of a created job that needs no read, or None to read its tags."""
    if stale := ordering.stale_outcome(job, applied):
        return stale
    if job.size == 0:
        return Outcome(IngestJob.Status.FAILED, "empty file (0 bytes)")
    limit = settings.INGEST_MAX_FILE_BYTES
    if job.size is not None and job.size > limit:
        return Outcome(
            IngestJob.Status.FAILED,
            f"too large: {job.size / 1024**2:.0f} MB, the limit is {limit / 1024**2:.0f} MB",
        )
    return None


def _read_all(jobs: list[IngestJob]) -> dict[int, Outcome | TagsRead]:
    """Read the tags of every job's object (ingest.reading: threads over S3, reader processes
    for a batch of local files)."""
    limits = ReadLimits(
        settings.INGEST_MAX_FILE_BYTES, settings.INGEST_MAX_TAG_BYTES, settings.INGEST_JOB_TIMEOUT
    )
    objects = [ObjectToRead(job.pk, job.key, job.size, job.version_id) for job in jobs]
    return read_objects(
        objects,
        limits,
        s3=is_s3(default_storage),
        threads=settings.INGEST_THREADS,
        processes=settings.INGEST_READ_PROCESSES,
    )


def _write_all(
    jobs: list[IngestJob], read: dict[int, Outcome | TagsRead], covers: StoredCovers
) -> dict[int, Outcome]:
    """Write the batch's rows (in the caller's transaction); return each job's outcome.

    The new and changed songs of the batch are written together, each kind of row in one
    statement (catalog.tagged.songs_ingest), in a savepoint: if the database refuses
    anything of it, the savepoint takes it back and those jobs are written one at a time,
    so the one that cannot be written fails alone with its reason. Removals, and jobs of a
    key the batch holds more than once (they must apply in order), go one at a time first.
    """
    outcomes: dict[int, Outcome] = same_file.duplicate_uploads(jobs, read)
    renamed = _renames(jobs, read)
    per_key = Counter(job.key for job in jobs)
    together, one_by_one = [], []
    for job in jobs:
        tags = read.get(job.pk)
        if job.pk in outcomes:
            continue
        if isinstance(tags, Outcome):  # ended before its write: a removal too (another bucket)
            outcomes[job.pk] = tags
        elif isinstance(tags, TagsRead) and per_key[job.key] == 1:
            together.append(job)
        else:
            one_by_one.append(job)
    outcomes.update(_write_one_by_one(one_by_one, read, covers, renamed))
    if together:
        try:
            with transaction.atomic():
                outcomes.update(_write_songs(together, read, covers))
        except Exception:
            logger.warning(
                "%d songs could not be written together; writing them one at a time",
                len(together),
                exc_info=True,
            )
            outcomes.update(_write_one_by_one(together, read, covers))
    return outcomes


def _write_songs(
    jobs: list[IngestJob], read: dict[int, Outcome | TagsRead], covers: StoredCovers
) -> dict:
    """Write the songs of created jobs (one key each) in one songs_ingest; return the outcomes."""
    files = []
    for job in jobs:
        tags = read[job.pk]
        only_if_applied = job.sequencer if is_resync(job) else None
        files.append(
            SongFile(
                job,
                tags.metadata,
                tags.size,
                tags.content_hash,
                only_if_applied,
                tags_hash=tags.tags_hash,
            )
        )
    song_ids = songs_ingest(files, covers)
    passed = [job for job, song_id in zip(jobs, song_ids, strict=True) if song_id is None]
    applied = ordering.applied_sequencers(passed) if passed else {}
    outcomes = {}
    for job, song_id in zip(jobs, song_ids, strict=True):
        if song_id is not None:
            outcomes[job.pk] = Outcome(IngestJob.Status.DONE, "", song_id)
        else:
            outcomes[job.pk] = ordering.stale_outcome(job, applied.get(job.key, "")) or Outcome(
                IngestJob.Status.SKIPPED, "superseded"
            )
    return outcomes


def _write_one_by_one(
    jobs: list[IngestJob],
    read: dict[int, Outcome | TagsRead],
    covers: StoredCovers,
    renamed_to: dict[str, str] | None = None,
) -> dict[int, Outcome]:
    """Write jobs one after another, each in its own savepoint, so one that fails fails alone.

    ``renamed_to``: {key: its new key} of the removals whose song the batch moved."""
    renamed_to = renamed_to or {}
    outcomes: dict[int, Outcome] = {}
    for job in jobs:
        try:
            with transaction.atomic():
                if job.action == IngestJob.Action.REMOVED:
                    outcomes[job.pk] = _ingest_removed(job, renamed_to.get(job.key))
                else:
                    outcomes.update(_write_songs([job], read, covers))
        except Exception as error:
            logger.exception("ingest job %s failed unexpectedly", job.pk)
            outcomes[job.pk] = unexpected(type(error).__name__)
    return outcomes


def _ingest_removed(job: IngestJob, renamed_to: str | None = None) -> Outcome:
    with transaction.atomic():
        stored, _ = StoredObject.objects.select_for_update().get_or_create(
            bucket=job.bucket, key=job.key, defaults={"sequencer": job.sequencer, "exists": False}
        )
        if stale := ordering.stale_outcome(job, ordering.judged_against(job, stored.sequencer)):
            return stale
        song = stored.song
        stored.exists = False
        stored.sequencer = job.sequencer or stored.sequencer
        stored.song = None
        stored.save()
        if song is None:
            song = Song.objects.filter(storage_key=job.key).first()
        if song is None and renamed_to:
            return Outcome(IngestJob.Status.DONE, f"renamed: its song is now {renamed_to}")
        if song is None:
            return Outcome(IngestJob.Status.DONE, "no song was stored for this object")
        recording = same_file.same_recording(song)
        song_remove(song, replaced_by=recording)
    if recording is not None:
        return Outcome(
            IngestJob.Status.DONE,
            "what listeners made of its song (likes, ratings, plays, playlist places) went to "
            f"the same file at {recording.storage_key}",
            recording.pk,
        )
    return Outcome(IngestJob.Status.DONE)


def send_ingest_events(ended: list[tuple[int, str, str, str, str]]) -> None:
    """Tell how each of a batch's jobs (id, bucket, key, status, reason) ended, with an
    "ingest.finished" message a job: staff (the "ingest" group) hear every one, an uploader
    (their own group) those of their uploads, and no one else's."""
    messages = [
        {
            "type": "ingest.finished",
            "job": {"id": job_id, "key": key, "status": status, "reason": reason},
        }
        for job_id, _, key, status, reason in ended
    ]
    send_many_to_group(INGEST_GROUP, messages)
    if not any(key.startswith(f"{UPLOAD_PREFIX}/") for _, _, key, _, _ in ended):
        return  # nothing uploaded in this batch: no one to look up
    uploaders = {
        (bucket, key): user_id
        for bucket, key, user_id in Upload.objects.filter(
            bucket__in={bucket for _, bucket, _, _, _ in ended},
            key__in={key for _, _, key, _, _ in ended},
        ).values_list("bucket", "key", "user_id")
    }
    per_uploader: dict[int, list[dict]] = defaultdict(list)
    for (_, bucket, key, _, _), message in zip(ended, messages, strict=True):
        if (user_id := uploaders.get((bucket, key))) is not None:
            per_uploader[user_id].append(message)
    for user_id, theirs in per_uploader.items():
        send_many_to_group(uploader_group(user_id), theirs)
