"""One re-sync at a time across every process, and its status where every process reads it.

Both live in the cache every process of the site shares (the "shared" alias): Redis in
production, which every web server and worker shares; a folder beside the SQLite database in
the embedded shape, where `make run`'s re-sync at start, the web process and a
`manage.py resync` in another terminal are processes of their own. The lock is a
`cache.add` with a TTL that the running re-sync renews every RENEW_SECONDS, so a holder that
dies (a killed worker, a lost machine) frees it within LOCK_SECONDS. The status (counts,
error, started and finished) is written at the run's progress points: each page of the
listing and each batch of jobs, not each object.

The cache offers no compare-and-delete, so renewing and releasing read the holder first and
act a moment later; a lock that expired in that moment (its holder stalled for LOCK_SECONDS)
could be renewed or released on its new holder's behalf. A run never stalls that long while
its process lives: the lock is renewed by a thread of its own. A folder's `add` is not atomic:
two processes starting a re-sync in the same instant could both run one, which costs a second
listing and nothing else (a re-sync changes only what differs).
"""

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.cache import BaseCache, caches
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ingest import jobs
from ingest.listing import StoreUnavailable
from ingest.resync import ResyncReport, resync

logger = logging.getLogger(__name__)

SHARED_CACHE = "shared"  # settings.CACHES's alias of the cache every process reads
LOCK_KEY = "ingest:resync:lock"
STATUS_KEY = "ingest:resync:status"
LOCK_SECONDS = 60  # a holder that stops renewing frees the lock after this
RENEW_SECONDS = 15  # how often a running re-sync renews its lock
QUEUED_LOCK_SECONDS = 15 * 60  # how long a re-sync queued for a worker holds it until it starts
INTERRUPTED = (
    "the re-sync stopped before it finished (its process ended); start it again to carry on"
)


class SharedResync:
    """The re-sync's lock and status in one cache: the shared cache unless one is given."""

    def __init__(self, shared_cache: BaseCache | None = None):
        self._cache = shared_cache

    @property
    def cache(self) -> BaseCache:
        return caches[SHARED_CACHE] if self._cache is None else self._cache

    def acquire(
        self, prefix: str, *, seconds: int | None = None, unless_started_within: int = 0
    ) -> str | None:
        """Take the lock for a new re-sync of ``prefix`` and announce it; return its run id.

        None when a re-sync holds the lock, or when one started less than
        ``unless_started_within`` seconds ago (the periodic re-sync's check, made under the
        lock so that of several schedulers due at once only the first runs).
        """
        run_id = uuid.uuid4().hex
        if not self.cache.add(LOCK_KEY, run_id, seconds or LOCK_SECONDS):
            return None
        if unless_started_within and self._started_within(unless_started_within):
            self.release(run_id)
            return None
        self.publish(ResyncReport(prefix=prefix, started_at=timezone.now()))
        return run_id

    def claim(self, run_id: str) -> bool:
        """Hold the lock for the run about to start: renew it, or take it if it lapsed meanwhile."""
        return self.renew(run_id) or self.cache.add(LOCK_KEY, run_id, LOCK_SECONDS)

    def renew(self, run_id: str) -> bool:
        """Give the lock LOCK_SECONDS more if ``run_id`` holds it; False otherwise."""
        return self.cache.get(LOCK_KEY) == run_id and self.cache.touch(LOCK_KEY, LOCK_SECONDS)

    def release(self, run_id: str) -> None:
        if self.cache.get(LOCK_KEY) == run_id:
            self.cache.delete(LOCK_KEY)

    def publish(self, report: ResyncReport) -> None:
        """Write the run's counts where every process's status reads them."""
        self.cache.set(STATUS_KEY, report.as_dict(), timeout=None)

    def status(self) -> dict:
        """Return whether a re-sync is running anywhere and the counts of the latest one."""
        values = self.cache.get_many([LOCK_KEY, STATUS_KEY])
        scanning = LOCK_KEY in values
        report = values.get(STATUS_KEY)
        if report and not scanning and not report["finished_at"]:
            report = {**report, "error": report["error"] or INTERRUPTED}
        return {"scanning": scanning, "report": report}

    def _started_within(self, seconds: int) -> bool:
        last = self.last_started()
        return last is not None and timezone.now() - last < timedelta(seconds=seconds)

    def seconds_until_due(self, every: int, tried: datetime | None) -> float:
        """Seconds until ``every`` have passed since the latest re-sync anywhere started, or
        since this scheduler last tried (``tried``), whichever is later; 0 with neither."""
        known = [when for when in (self.last_started(), tried) if when is not None]
        if not known:
            return 0.0
        last = max(known)
        return max(0.0, (last - timezone.now()).total_seconds() + every)

    def last_started(self) -> datetime | None:
        report = self.cache.get(STATUS_KEY)
        started = report and report.get("started_at")
        return parse_datetime(started) if started else None

    def run(
        self,
        prefix: str,
        run_id: str,
        progress: Callable[[ResyncReport], None] | None = None,
    ) -> ResyncReport | None:
        """Run the re-sync ``run_id`` in this process, holding the lock until it ends.

        Return its report, or None when another run holds the lock (this one was queued
        so long that its lock lapsed and another took it). A store that cannot be listed
        and an unexpected failure end the run with the report's ``error``.
        """
        if not self.claim(run_id):
            logger.info("another re-sync holds the lock; not starting this one")
            return None
        report = ResyncReport(prefix=prefix)

        def report_progress(report: ResyncReport) -> None:
            self.publish(report)
            if progress:
                progress(report)

        stop = threading.Event()
        renewer = threading.Thread(
            target=self._renew_until, args=(run_id, stop), name="resync-lock", daemon=True
        )
        renewer.start()
        try:
            resync(prefix, report=report, progress=report_progress)
            report.pruned = jobs.prune_ingest_jobs()
        except StoreUnavailable as error:
            report.error = str(error)
        except Exception as error:
            logger.exception("the re-sync failed")
            report.error = f"unexpected error ({type(error).__name__}); see the server log"
        finally:
            stop.set()
            renewer.join()
            report.finished_at = report.finished_at or timezone.now()
            try:
                self.publish(report)
            finally:
                self.release(run_id)
        return report

    def _renew_until(self, run_id: str, stop: threading.Event) -> None:
        while not stop.wait(RENEW_SECONDS):
            if not self.renew(run_id):
                logger.warning("the re-sync lost its lock; another process may start one")
