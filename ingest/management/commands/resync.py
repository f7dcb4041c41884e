"""List the store and bring the catalogue to match it: new, changed and removed songs."""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ingest.resync import ResyncReport, resync
from ingest.store import StoreUnavailable


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
        try:
            while True:
                self._run_once(prefix, dry_run)
                if not every:
                    return
                time.sleep(every)
        except KeyboardInterrupt:
            self.stderr.write("Stopped; the next run carries on where this one left off.")

    def _run_once(self, prefix: str, dry_run: bool) -> None:
        bar = None
        if sys.stderr.isatty():
            bar = tqdm(desc="re-sync", unit=" objects", file=sys.stderr)

        def progress(report: ResyncReport) -> None:
            if bar is not None:
                bar.update(report.listed - bar.n)
                bar.set_postfix(
                    queued=report.queued,
                    done=report.done,
                    failed=report.failed,
                    unchanged=report.unchanged,
                    refresh=False,
                )

        try:
            report = resync(prefix, dry_run=dry_run, progress=progress)
        except StoreUnavailable as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.close()
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.error:
            raise CommandError(
                f"the store stopped answering after {report.listed} object(s): {report.error}; "
                "run again to carry on"
            )
