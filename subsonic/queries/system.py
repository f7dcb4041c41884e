"""Reads for the system calls: the ingest ("scan") state."""

from catalog.models import Song
from ingest.models import IngestJob


def scan_status() -> tuple[bool, int]:
    """Tell whether ingest jobs are waiting or running, and how many songs are published."""
    busy = IngestJob.objects.filter(
        status__in=[IngestJob.Status.PENDING, IngestJob.Status.RUNNING]
    ).exists()
    return busy, Song.objects.filter(hidden=False).count()
