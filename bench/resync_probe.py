"""Re-sync measurements in a fresh process: `python -m bench.resync_probe MODE COUNT`.

- `unchanged COUNT` (S3 settings in the environment): put COUNT objects in the bucket, give
  the catalogue a matching song for each, then time a bare paginated listing of them and a
  re-sync of them (all unchanged), counting the object GETs the re-sync made.
- `seed COUNT`: give the catalogue COUNT songs (local storage, keys in random order).
- `compare COUNT`: in a process of its own, merge a listing of the same COUNT keys against
  the catalogue, as a re-sync does, and report the process's peak RSS.
- `import COUNT` (the store, local or S3, already holds COUNT new songs under import/ and the
  catalogue none): time the re-sync that ingests them all, counting its object GETs.

Prints one JSON line.
"""

import json
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.rss_probe import peak_rss_bytes

PREFIX = "resync/"
IMPORT_PREFIX = "import/"


def _key(number: int) -> str:
    return f"{PREFIX}{number:07d}/song.mp3"


def _songs(rows: list[tuple[str, str, int]]) -> None:
    """Insert catalogue songs for (key, etag, size), a few thousand per statement."""
    from catalog.models import Artist, Song

    artist, _ = Artist.objects.get_or_create(name="Bench", name_key="bench")
    batch = [
        Song(
            title=key,
            artist=artist,
            duration=1.0,
            codec="mp3",
            mime_type="audio/mpeg",
            file_size=size,
            storage_key=key,
            etag=etag,
        )
        for key, etag, size in rows
    ]
    Song.objects.bulk_create(batch, batch_size=2000)


def unchanged(count: int) -> dict:
    from django.core.files.storage import default_storage

    from ingest.resync import resync
    from ingest.store import s3_client

    client = s3_client(default_storage)
    bucket = default_storage.bucket_name

    def put(number: int) -> tuple[str, str, int]:
        body = f"object {number}".encode()
        etag = client.put_object(Bucket=bucket, Key=_key(number), Body=body)["ETag"]
        return _key(number), etag.strip('"'), len(body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        rows = list(pool.map(put, range(count)))
    for start in range(0, len(rows), 20000):
        _songs(rows[start : start + 20000])

    started = time.perf_counter()
    listed = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        listed += len(page.get("Contents", ()))
    listing_seconds = time.perf_counter() - started

    gets = []
    client.meta.events.register("before-call.s3.GetObject", lambda **kw: gets.append(1))
    client.meta.events.register("before-call.s3.HeadObject", lambda **kw: gets.append(1))
    started = time.perf_counter()
    report = resync(PREFIX)
    resync_seconds = time.perf_counter() - started
    return {
        "count": count,
        "listed_bare": listed,
        "listing_seconds": listing_seconds,
        "resync_seconds": resync_seconds,
        "object_gets": len(gets),
        "listed": report.listed,
        "unchanged": report.unchanged,
        "changed": report.added + report.updated + report.removed,
    }


def seed(count: int) -> dict:
    numbers = list(range(count))
    random.Random(7).shuffle(numbers)  # rows in the table in no particular key order
    started = time.perf_counter()
    for start in range(0, count, 20000):
        _songs([(_key(n), f"etag-{n}", 1000 + n % 977) for n in numbers[start : start + 20000]])
    return {"count": count, "seed_seconds": time.perf_counter() - started}


def compare_keys(count: int) -> dict:
    from datetime import UTC, datetime

    from ingest.listing import ListedObject
    from ingest.resync import ResyncReport, catalogue_entries, compare

    baseline = peak_rss_bytes()
    now = datetime.now(UTC)
    listing = (ListedObject(_key(n), f"etag-{n}", 1000 + n % 977, now) for n in range(count))
    report = ResyncReport()
    started = time.perf_counter()
    changes = sum(1 for _ in compare(listing, catalogue_entries(PREFIX), report))
    return {
        "count": count,
        "compare_seconds": time.perf_counter() - started,
        "unchanged": report.unchanged,
        "changes": changes,
        "baseline_rss": baseline,
        "peak_rss": peak_rss_bytes(),
    }


def import_new(count: int) -> dict:
    from django.core.files.storage import default_storage

    from ingest.resync import resync
    from ingest.store import s3_client

    gets = []
    if hasattr(default_storage, "bucket_name"):
        events = s3_client(default_storage).meta.events
        events.register("before-call.s3.GetObject", lambda **kw: gets.append(1))
    started = time.perf_counter()
    report = resync(IMPORT_PREFIX)
    return {
        "count": count,
        "resync_seconds": time.perf_counter() - started,
        "object_gets": len(gets),
        "listed": report.listed,
        "added": report.added,
        "skipped": report.skipped + report.not_audio,
        "failed": report.failed,
        "failures": report.failures[:3],
        "error": report.error,
    }


def main() -> None:
    mode, count = sys.argv[1], int(sys.argv[2])
    import django

    django.setup()
    result = {
        "unchanged": unchanged,
        "seed": seed,
        "compare": compare_keys,
        "import": import_new,
    }[mode](count)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
