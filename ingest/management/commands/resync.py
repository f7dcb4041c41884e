"""List the store and bring the catalogue to match it: new, changed and removed songs.

A run (not a dry run) takes the re-sync's lock and writes its status where every process
reads it (resync_shared.py): it never runs beside a re-sync started from the admin, Subsonic
or another process's schedule, and the admin and getScanStatus show its counts. With --every,
a period in which a re-sync started anywhere else counts as this command's.
"""

import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from ingest.listing import StoreUnavailable, list_objects
from ingest.resync import ResyncReport, resync
from ingest.resync_shared import SharedResync


class Command(BaseCommand):
    help = (
        "Re-sync the catalogue with the store (S3 bucket or media folder): ingest new and "
        "changed objects, take removed ones off. Unchanged objects cost only the listing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--prefix",
            default=None,
            help="only keys that start with this (default: RESYNC_PREFIX, "
            f"now '{settings.RESYNC_PREFIX}')",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="compare and report; change nothing"
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="run again every SECONDS until stopped (Ctrl+C)",
        )

    def handle(self, *args, prefix=None, dry_run=False, every=0, **options):
        prefix = settings.RESYNC_PREFIX if prefix is None else prefix
        if every < 0:
            raise CommandError("--every must be a number of seconds, 0 or more")
        shared = SharedResync()
        try:
            while True:
                tried = timezone.now()
                self._run_once(prefix, dry_run, shared, every)
                if not every:
                    return
                if dry_run:
                    time.sleep(every)
                    continue
                # A period in which a re-sync started anywhere else counts as this one's.
                while wait := shared.seconds_until_due(every, tried):
                    time.sleep(wait)
        except KeyboardInterrupt:
            self.stderr.write("Stopped; the next run carries on where this one left off.")

    def _run_once(self, prefix: str, dry_run: bool, shared: SharedResync, every: int) -> None:
        bar = ProgressBar(prefix, sys.stderr) if sys.stderr.isatty() else None

        def progress(report: ResyncReport) -> None:
            if bar is not None:
                bar.show(report)

        try:
            if dry_run:
                report = resync(prefix, dry_run=True, progress=progress)
            else:
                report = self._run_locked(prefix, shared, every, progress)
        except StoreUnavailable as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.close()
        if report is None:
            return
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.error:
            raise CommandError(
                f"the re-sync stopped after {report.listed} object(s): {report.error}; "
                "run again to carry on"
            )

    def _run_locked(
        self, prefix: str, shared: SharedResync, every: int, progress
    ) -> ResyncReport | None:
        """Run under the re-sync's lock, publishing the counts; None when skipping a period."""
        run_id = shared.acquire(prefix, unless_started_within=every)
        report = shared.run(prefix, run_id, progress=progress) if run_id else None
        if report is None:
            if every:
                self.stderr.write("A re-sync is running or has just run; skipping this period's.")
                return None
            raise CommandError(
                "a re-sync is already running (from the admin, Subsonic or another process); "
                "run again when it has finished"
            )
        if report.error and not report.listed:
            raise StoreUnavailable(report.error)
        return report


class ProgressBar:
    """A run's progress on a terminal: objects settled (unchanged, ingested, skipped or failed)
    and their rate, the counts listed, queued, done, failed and unchanged, and once the
    store's objects are counted, the share settled and the time left (ETA).

    The run streams its listing against the catalogue and never holds it whole, so it cannot
    know how many objects are left. A second listing, on a thread of its own, only counts
    them: on S3 one more LIST request a 1,000 objects, in the local folder a second walk.
    Runs whose output is not a terminal (the admin's, the schedule's, scripts') make none.
    """

    def __init__(self, prefix: str, stream) -> None:
        self.bar = tqdm(desc="re-sync", unit=" objects", file=stream, dynamic_ncols=True)
        self.total: int | None = None
        self.counted = threading.Event()
        threading.Thread(
            target=self._count, args=(prefix,), name="resync-count", daemon=True
        ).start()

    def _count(self, prefix: str) -> None:
        try:
            self.total = sum(1 for _ in list_objects(prefix))
        except (StoreUnavailable, OSError):
            pass  # no percentage then; the run itself says what is wrong with the store
        finally:
            self.counted.set()

    def show(self, report: ResyncReport) -> None:
        if report.finished_at and not report.error:
            self.bar.total = report.listed  # the whole listing, counted or not
        elif self.total is not None and self.bar.total is None:
            # Objects added since the count are listed too: never fewer than listed.
            self.bar.total = max(self.total, report.listed)
        self.bar.set_postfix(
            listed=report.listed,
            queued=report.queued,
            done=report.done,
            failed=report.failed,
            unchanged=report.unchanged,
            refresh=False,
        )
        # It fills with the objects settled, not those merely listed.
        if more := min(report.settled, report.listed) - self.bar.n:
            self.bar.update(more)
        else:
            self.bar.refresh()  # the counts changed: a call a page or a batch, each shown

    def close(self) -> None:
        self.bar.close()
