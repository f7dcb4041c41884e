"""Seed a synthetic catalogue and a community of listeners with planted tastes, fast.

The data and its taste model are described in demo.synthetic.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import seed


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--songs", type=int, default=10_000)
        parser.add_argument("--users", type=int, default=100)
        parser.add_argument("--plays", type=int, default=None, help="default: 50 per user")
        parser.add_argument("--likes", type=int, default=None, help="default: 20 per user")
        parser.add_argument("--ratings", type=int, default=None, help="default: 5 per user")
        parser.add_argument("--playlists", type=int, default=None, help="default: 1 per user")
        parser.add_argument("--playlist-songs", type=int, default=20, help="songs per playlist")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )

    def handle(self, *args, **options):
        sizes = {
            "songs": options["songs"],
            "users": options["users"],
            "plays": options["plays"] if options["plays"] is not None else 50 * options["users"],
            "likes": options["likes"] if options["likes"] is not None else 20 * options["users"],
            "ratings": options["ratings"]
            if options["ratings"] is not None
            else 5 * options["users"],
            "playlists": options["playlists"]
            if options["playlists"] is not None
            else options["users"],
        }
        if any(value < 0 for value in sizes.values()):
            raise CommandError("Sizes cannot be negative.")
        if sizes["songs"] < 1 and any(sizes[name] for name in ("plays", "likes", "ratings")):
            raise CommandError("Listening needs songs: give --songs 1 or more.")
        started = time.perf_counter()
        community = seed(
            **sizes, playlist_songs=options["playlist_songs"], random_seed=options["seed"]
        )
        counts = ", ".join(f"{count} {name}" for name, count in community.counts.items())
        self.stdout.write(f"Seeded {counts} in {time.perf_counter() - started:.1f} s.")
