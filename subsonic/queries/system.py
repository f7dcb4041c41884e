"""Reads for the system calls: the "scan", which is the store re-sync and the ingest queue."""

from dataclasses import dataclass

from catalog.models import Song
from ingest.models import IngestJob
from ingest.resync_runs import resync_status


@dataclass(frozen=True)
class ScanStatus:
    scanning: bool
    count: int


def scan_status() -> ScanStatus:
    """Report a running re-sync (objects listed so far) or pending jobs, else the song count.

    Apps poll getScanStatus after startScan until `scanning` is false; while the re-sync lists
    the store, `count` grows with it, as a Subsonic server's scan count does.
    """
    resync = resync_status()
    report = resync["report"] or {}
    if resync["scanning"]:
        return ScanStatus(True, int(report.get("listed", 0)))
    busy = IngestJob.objects.filter(
        status__in=[IngestJob.Status.PENDING, IngestJob.Status.RUNNING]
    ).exists()
    return ScanStatus(busy, Song.objects.filter(hidden=False).count())
