"""Reads of the ingest: which jobs a person may follow, and the catalogue's songs under a
key prefix in the store's order (for the re-sync and the folder watcher)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Collate

from catalog.models import Song
from ingest.models import IngestJob, Upload

ENTRIES_CHUNK = 2000  # catalogue rows read per query


def may_read_every_ingest_job(user) -> bool:
    """Staff read every job, whoever or whatever brought its object into the store."""
    return bool(user and user.is_authenticated and user.is_staff)


def ingest_jobs_for(user) -> QuerySet[IngestJob]:
    """Return the ingest jobs the user may read: all for staff, those of objects the user
    uploaded for anyone else signed in, none for anonymous users."""
    if may_read_every_ingest_job(user):
        return IngestJob.objects.all()
    if not (user and user.is_authenticated):
        return IngestJob.objects.none()
    own = Upload.objects.filter(user=user, bucket=OuterRef("bucket"), key=OuterRef("key"))
    return IngestJob.objects.filter(Exists(own))


@dataclass(frozen=True)
class CatalogueEntry:
    """A song as the catalogue knows its object."""

    key: str
    etag: str
    size: int
    updated_at: datetime


def catalogue_entries(prefix: str = "") -> Iterator[CatalogueEntry]:
    """Yield the catalogue's songs under ``prefix`` in key order (UTF-8 bytes), by chunks."""
    songs = songs_under(prefix)
    last = None
    while True:
        chunk = songs.filter(sort_key__gt=last) if last is not None else songs
        fields = ("storage_key", "etag", "file_size", "updated_at")
        rows = list(chunk.order_by("sort_key").values_list(*fields)[:ENTRIES_CHUNK])
        for key, etag, size, updated_at in rows:
            yield CatalogueEntry(key, etag, size, updated_at)
        if len(rows) < ENTRIES_CHUNK:
            return
        last = rows[-1][0]


def songs_under(prefix: str):
    """Return the songs whose key starts with ``prefix``, annotated with a byte-order sort key.

    A key range rather than LIKE, which SQLite matches without regard to case.
    """
    if connection.vendor == "postgresql":
        # The database's collation may sort "a-b" after "a/b"; the store sorts by bytes.
        songs = Song.objects.annotate(sort_key=Collate("storage_key", "C"))
    else:
        songs = Song.objects.annotate(sort_key=F("storage_key"))
    if prefix:
        songs = songs.filter(
            sort_key__gte=prefix, sort_key__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1)
        )
    return songs
