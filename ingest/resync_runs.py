"""Start re-syncs in the background: the admin's button, Subsonic's startScan, the periodic one.

A re-sync runs where the task backend runs tasks: in a thread of this web process when tasks
run here (TASKS_MODE=thread, the embedded shape), as the `run_resync` task for a worker when
they are queued (TASKS_MODE=database). Either way one runs at a time across every process and
each process reports the same status (resync_shared.py); the periodic re-sync of any number
of web processes runs once per period in all.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone

from ingest import resync_shared, tasks
from ingest.resync_shared import SharedResync

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # how often wait_for_resync looks at a re-sync running elsewhere


class BackgroundResyncs:
    """This process's side of the shared re-sync: the thread it runs one in, its schedule."""

    def __init__(self, shared: SharedResync | None = None):
        self.shared = shared or SharedResync()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self, prefix: str = "", *, unless_started_within: int = 0) -> bool:
        """Start a re-sync of the store in the background; False if one is already running."""
        here = _tasks_run_here()
        run_id = self.shared.acquire(
            prefix,
            seconds=None if here else resync_shared.QUEUED_LOCK_SECONDS,
            unless_started_within=unless_started_within,
        )
        if run_id is None:
            return False
        try:
            if here:
                self._thread = threading.Thread(
                    target=self._run_here, args=(prefix, run_id), name="resync", daemon=True
                )
                self._thread.start()
            else:
                tasks.run_resync.enqueue(prefix, run_id)
        except BaseException:
            self.shared.release(run_id)
            raise
        return True

    def _run_here(self, prefix: str, run_id: str) -> None:
        close_old_connections()
        try:
            self.shared.run(prefix, run_id)
        finally:
            close_old_connections()

    def status(self) -> dict:
        return self.shared.status()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no re-sync runs, here or anywhere; False if ``timeout`` ran out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        while self.shared.status()["scanning"]:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def schedule(self, every: int | None = None) -> threading.Thread | None:
        """Re-sync RESYNC_PREFIX every ``every`` seconds (RESYNC_EVERY_SECONDS), once in all."""
        every = settings.RESYNC_EVERY_SECONDS if every is None else every
        if every <= 0:
            return None
        thread = threading.Thread(
            target=self._every, args=(every,), name="resync-every", daemon=True
        )
        thread.start()
        return thread

    def stop_schedule(self) -> None:
        self._stopping.set()

    def _every(self, every: int) -> None:
        # The period runs from the latest re-sync anywhere (the shared status, in Redis), so
        # restarting the web servers more often than the period never puts the re-sync off;
        # when none is known yet, from now, so a server's start does not list the store.
        tried = None if self.shared.last_started() else timezone.now()
        while not self._stopping.wait(self.shared.seconds_until_due(every, tried)):
            if self.shared.seconds_until_due(every, tried) > 0:
                continue  # another process's re-sync started meanwhile: a new period
            tried = timezone.now()
            self.start_if_due(every)

    def start_if_due(self, every: int) -> bool:
        """Start the periodic re-sync unless one runs or started less than ``every`` s ago."""
        if self.start(settings.RESYNC_PREFIX, unless_started_within=every):
            return True
        logger.info("a re-sync is running or has just run; skipping this period's")
        return False


def _tasks_run_here() -> bool:
    """Whether the task backend runs tasks in this process (thread pool, immediate)."""
    return isinstance(tasks.run_resync.get_backend(), ImmediateBackend)


_this_process = BackgroundResyncs()


def start_resync(prefix: str = "") -> bool:
    """Start a re-sync of the store in the background; False if one is already running."""
    return _this_process.start(prefix)


def resync_status() -> dict:
    """Return whether a re-sync is running in any process and the counts of the latest one."""
    return _this_process.status()


def wait_for_resync(timeout: float | None = None) -> bool:
    """Block until no re-sync runs, in this process or another; False if ``timeout`` ran out."""
    return _this_process.wait(timeout)


def schedule_periodic_resync(every: int | None = None) -> threading.Thread | None:
    """Re-sync the store every ``every`` seconds (RESYNC_EVERY_SECONDS), once across processes."""
    return _this_process.schedule(every)
