"""Bytes read from S3 to ingest one song: ingest.store.open_object + ingest.tags.read_metadata.

The reader is opened as the ingest job opens it (the object's size from its event, the tag
byte budget from settings) and its own counters say what went over the wire.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bench.corpus import write_big_flac, write_big_mp3
from bench.report import Row, verdict
from bench.s3 import MotoS3
from bench.workspace import Workspace

FLAC_SIZE = 30 * 1024 * 1024
GOAL_PERCENT = 2.0


def _bytes_read(s3: MotoS3, key: str, path: Path, cover: int) -> dict:
    from django.conf import settings

    from ingest.store import open_object
    from ingest.tags import read_metadata

    _, size, _ = s3.upload(key, path)
    reader = open_object(
        key,
        size=size,
        max_bytes=settings.INGEST_MAX_TAG_BYTES,
        timeout=settings.INGEST_JOB_TIMEOUT,
        storage=s3.storage(),
    )
    try:
        metadata = read_metadata(reader, PurePosixPath(key).name)
    finally:
        reader.close()
    if metadata.cover is None or len(metadata.cover.data) != cover:
        raise RuntimeError(f"{key}: the embedded cover was not read back whole")
    fetched = reader.stats.bytes_fetched
    return {
        "file_bytes": size,
        "bytes_fetched": fetched,
        "requests": reader.stats.requests,
        "cover_bytes": cover,
        "percent_without_cover": 100 * (fetched - cover) / size,
        "duration": metadata.duration,
    }


def s3_bytes_per_song(workspace: Workspace, s3: MotoS3) -> list[Row]:
    folder = workspace.folder("big")
    flac, flac_cover = write_big_flac(folder / "big.flac", FLAC_SIZE)
    mp3, mp3_cover = write_big_mp3(folder / "big.mp3")
    rows = []
    for key, path, cover, goal in (
        ("big/30mb.flac", flac, flac_cover, True),
        ("big/10mb.mp3", mp3, mp3_cover, False),
    ):
        result = _bytes_read(s3, key, path, cover)
        mb = result["file_bytes"] / 1024**2
        percent = result["percent_without_cover"]
        rows.append(
            Row(
                target=f"Bytes read from S3 per song, {mb:.0f} MB {path.suffix[1:].upper()}",
                ours=f"{(result['bytes_fetched'] - cover) / 1024:.0f} KiB + cover",
                peer=f"file: {result['file_bytes'] / 1024:.0f} KiB",
                ratio=f"{percent:.2f}%",
                goal=f"<= {GOAL_PERCENT:.0f}%" if goal else "(no target)",
                verdict=verdict(percent <= GOAL_PERCENT) if goal else "info",
                notes=[
                    f"{result['bytes_fetched']} bytes in {result['requests']} range GETs, of "
                    f"which the {cover}-byte cover is set aside"
                ],
                data=result,
            )
        )
    return rows
