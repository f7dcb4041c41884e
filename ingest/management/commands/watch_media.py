"""Watch the local media folder and post S3-shaped events for audio files to the webhook."""

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.watcher import SETTLE_POLL, MediaFolderHandler, watch


class Command(BaseCommand):
    help = "Watch MEDIA_ROOT/music and feed new, changed and removed files to the ingest webhook."

    def add_arguments(self, parser):
        parser.add_argument("--webhook", default=settings.INGEST_WEBHOOK_URL)

    def handle(self, *args, **options):
        root = Path(settings.MEDIA_ROOT)
        music = root / "music"
        music.mkdir(parents=True, exist_ok=True)
        handler = MediaFolderHandler(root, options["webhook"])
        observer = watch(handler, music)
        self.stdout.write(f"Watching {music} for audio files")
        # Stopped by a service manager (or `make run`'s exit) as by Ctrl-C: what the folder
        # said and the webhook has not yet heard is posted before the command ends.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            while observer.is_alive():
                observer.join(SETTLE_POLL)
                handler.flush_pending()
        except KeyboardInterrupt:
            return
        finally:
            observer.stop()
            observer.join()
            handler.sender.close(timeout=10)  # post what the folder said before it stopped
            signal.signal(signal.SIGTERM, previous)
        # Not asked to stop: a service manager restarts a watcher that fails, not one that ends.
        raise CommandError("the folder watcher stopped; files dropped from now on are not seen")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
