"""Seed a small demo catalogue through the real ingest path, and a local admin account.

The account is admin / admin, so it is made only while DEBUG is on (`make run`) or when
--with-demo-admin asks for it: never by accident on a server the internet can reach.
"""

import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.models import Song
from demo import audio_samples
from ingest.events import check_s3_notification, object_record
from ingest.listing import object_etag
from ingest.models import IngestJob
from ingest.tasks import queue_ingest_events

# (artist, album, year, genre, cover colour, [(title, format, seconds)])
DEMO_ALBUMS = [
    (
        "The Tidelines",
        "Harbour Lights",
        2021,
        "Synthpop",
        (214, 60, 110),
        [
            ("Neon Rain", "mp3", 24),
            ("Harbour Lights", "flac", 20),
            ("Night Ferry", "ogg", 18),
        ],
    ),
    (
        "Mira Sol",
        "Desert Bloom",
        2019,
        "Folk",
        (230, 160, 40),
        [
            ("Sandglass", "opus", 22),
            ("Cactus Flower", "m4a", 19),
            ("Dune Song", "mp3", 21),
        ],
    ),
    (
        "Kōri Collective",
        "Ice Archive",
        2023,
        "Ambient",
        (60, 140, 220),
        [
            ("Glacier Hum", "flac", 26),
            ("Frost Lattice", "ogg", 17),
            ("Meltwater", "mp3", 23),
        ],
    ),
]
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"


class Command(BaseCommand):
    help = "Seed a demo catalogue (real encoded audio, tags, covers) when the catalogue is empty."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even if songs exist.")
        parser.add_argument("--wait", type=float, default=60, help="Seconds to wait for ingest.")
        parser.add_argument(
            "--with-demo-admin",
            action="store_true",
            help="Create the admin / admin account even with DEBUG off (never on a public server).",
        )

    def handle(self, *args, **options):
        if settings.DEBUG or options["with_demo_admin"]:
            self._ensure_admin()
        else:
            self.stderr.write(
                "Not creating the admin / admin demo account: DEBUG is off. Create an admin with "
                "`manage.py createsuperuser`, or pass --with-demo-admin on a private machine."
            )
        if Song.objects.exists() and not options["force"]:
            self.stdout.write(f"The catalogue has {Song.objects.count()} songs; not seeding.")
            return
        with tempfile.TemporaryDirectory() as scratch:
            records = self._write_demo_files(scratch)
        object_events, _ = check_s3_notification({"Records": records})
        with transaction.atomic():
            jobs = queue_ingest_events(object_events)
        self._wait_for([job.pk for job in jobs], options["wait"])

    def _write_demo_files(self, scratch: str) -> list[dict]:
        """Write the demo songs to the media store; return their S3-shaped event records."""
        records = []
        frequency = 220.0
        for artist, album, year, genre, colour, tracks in DEMO_ALBUMS:
            cover = audio_samples.make_cover(colour, text=album)
            for number, (title, fmt, seconds) in enumerate(tracks, start=1):
                frequency *= 1.12
                key = f"music/{artist}/{album}/{number:02d} {title}.{fmt}"
                tags = audio_samples.SampleTags(
                    title=title,
                    artists=(artist,),
                    album=album,
                    track=number,
                    track_total=len(tracks),
                    year=year,
                    genres=(genre,),
                    cover=cover,
                )
                path = Path(scratch) / f"demo.{fmt}"
                audio_samples.write_sample(path, fmt, tags, seconds=seconds, frequency=frequency)
                data = path.read_bytes()
                if default_storage.exists(key):
                    default_storage.delete(key)
                default_storage.save(key, ContentFile(data))
                records.append(
                    object_record(
                        settings.INGEST_BUCKET_NAME, key, size=len(data), etag=object_etag(key)
                    )
                )
        return records

    def _ensure_admin(self) -> None:
        User = get_user_model()
        if not User.objects.exists():
            User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
            self.stdout.write(
                f"Created the local admin account {ADMIN_USERNAME} / {ADMIN_PASSWORD}"
            )

    def _wait_for(self, job_ids: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        unfinished = (IngestJob.Status.PENDING, IngestJob.Status.RUNNING)
        jobs = IngestJob.objects.filter(pk__in=job_ids)
        while jobs.filter(status__in=unfinished).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        done = jobs.filter(status=IngestJob.Status.DONE).count()
        self.stdout.write(f"Seeded the demo catalogue: {done} of {len(job_ids)} songs ingested.")
        for job in jobs.exclude(status=IngestJob.Status.DONE):
            self.stderr.write(f"  {job.key}: {job.status} {job.reason}")
