"""Delete ended ingest jobs past their keeping time (each re-sync does it too)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ingest.jobs import prune_ingest_jobs


class Command(BaseCommand):
    help = (
        "Delete the ingest jobs that ended and were recorded more than --days days ago "
        "(INGEST_JOBS_KEEP_DAYS). Every re-sync ends with this; run it from cron when the "
        "periodic re-sync is off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.INGEST_JOBS_KEEP_DAYS)

    def handle(self, *args, days, **options):
        if days <= 0:
            self.stdout.write("Keeping every ingest job (--days 0).")
            return
        deleted = prune_ingest_jobs(days)
        self.stdout.write(f"Deleted {deleted} ended ingest job(s) recorded over {days} days ago.")
