"""Refresh the recommender's precomputed neighbours and popular lists."""

import time

from django.core.management.base import BaseCommand, CommandError

from recommendations import services, tasks


class Command(BaseCommand):
    help = (
        "Recompute song neighbours for songs whose likes, ratings, plays or playlist entries "
        "changed since the last run (all songs with --full), then the popular lists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="recompute every song, not only the changed ones"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the refresh as a task for the workers instead of running it here",
        )
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="keep running: refresh again every SECONDS (incremental after the first run)",
        )

    def handle(self, *args, full: bool, enqueue: bool, every: float | None, **options):
        if every is not None and every <= 0:
            raise CommandError("--every takes a positive number of seconds")
        if enqueue:
            result = tasks.refresh_recommendations.enqueue(full=full)
            self.stdout.write(f"queued refresh task {result.id}")
            return
        while True:
            result = services.refresh_recommendations(full=full)
            self.stdout.write(
                f"{'full' if result.full else 'incremental'} refresh: {result.songs} songs, "
                f"{result.neighbors} neighbours in {result.seconds:.2f} s"
            )
            if every is None:
                return
            full = False
            time.sleep(every)
