"""Queue again the ingest jobs a stopped server or worker left unfinished (run at start)."""

from django.core.management.base import BaseCommand

from ingest.tasks import recover_ingest_jobs


class Command(BaseCommand):
    help = "Queue again the ingest jobs that a stopped server or worker left unfinished."

    def handle(self, *args, **options):
        count = recover_ingest_jobs()
        if count:
            self.stdout.write(f"Queued {count} unfinished ingest job(s) again.")
