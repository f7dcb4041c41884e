"""The peers and limits our ingest is timed beside: bare mutagen, beets, and the S3 floor."""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import mutagen

from bench.workspace import ChildFailed, Workspace, venv_script

FLOOR_RANGE_BYTES = 128 * 1024


def read_tags(audio: mutagen.FileType | None) -> int:
    """Touch what an importer needs: every tag value and the stream length; return the count."""
    if audio is None:
        raise ValueError("mutagen did not recognise the file")
    values = list(audio.tags.items()) if audio.tags is not None else []
    _ = audio.info.length
    return len(values)


def bare_mutagen_seconds(paths: list[Path], repeats: int = 3) -> float:
    """Return the best of `repeats` timings of `mutagen.File(path)` + reading tags, serially."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for path in paths:
            read_tags(mutagen.File(path))
        best = min(best, time.perf_counter() - started)
    return best


@dataclass
class BeetsRun:
    seconds: float | None  # the import, less beets' own start-up
    wall_seconds: float | None
    startup_seconds: float | None
    imported: int
    version: str
    reason: str = ""  # why beets could not run, when it could not


BEETS_CONFIG = """\
directory: {library_dir}
library: {library_db}
plugins: []
threaded: yes
import:
  autotag: no
  copy: no
  move: no
  write: no
  quiet: yes
  resume: no
  incremental: no
  log:
"""


def beets_import(workspace: Workspace, music: Path, expected: int) -> BeetsRun:
    """Time `beet import -A -q -C` on a folder, with a private config and library, no plugins.

    beets' start-up (Python, config, opening the library) is timed separately with `beet
    stats` on the same empty library and taken off, which only flatters beets.
    """
    beet = venv_script("beet")
    if beet is None:
        return BeetsRun(
            None,
            None,
            None,
            0,
            "",
            "beets is not installed (pip install -r requirements-bench.txt)",
        )
    home = workspace.folder("beets")
    (home / "config.yaml").write_text(
        BEETS_CONFIG.format(
            library_dir=workspace.folder("beets", "library"), library_db=home / "library.db"
        )
    )
    env = {**os.environ, "BEETSDIR": str(home), "NO_PROXY": "*", "no_proxy": "*"}
    try:
        version = workspace.run("beets-version", [beet, "version"], env, 60)
        started = time.perf_counter()
        workspace.run("beets-startup", [beet, "stats"], env, 60)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        workspace.run("beets-import", [beet, "import", "-A", "-q", "-C", str(music)], env, 600)
        wall = time.perf_counter() - started
        listing = workspace.run("beets-ls", [beet, "ls", "-f", "$path"], env, 60)
    except ChildFailed as failed:
        return BeetsRun(None, None, None, 0, "", f"beets failed: {failed}")
    imported = sum(1 for line in listing.splitlines() if line.startswith(str(music)))
    version_line = next((line for line in version.splitlines() if "beets version" in line), "")
    run = BeetsRun(max(wall - startup, 1e-9), wall, startup, imported, version_line.split()[-1])
    if imported != expected:
        run.reason = f"beets imported {imported} of {expected} files"
    return run


def s3_floor_seconds(client, bucket: str, keys: list[str]) -> tuple[float, int]:
    """Time, serially, one ranged GET of the first 128 KiB per object plus the mutagen parse.

    Return the seconds and how many objects mutagen could not read from those bytes.
    """
    unreadable = 0
    started = time.perf_counter()
    for key in keys:
        response = client.get_object(
            Bucket=bucket, Key=key, Range=f"bytes=0-{FLOOR_RANGE_BYTES - 1}"
        )
        data = response["Body"].read()
        try:
            read_tags(mutagen.File(io.BytesIO(data)))
        except Exception:
            unreadable += 1
    return time.perf_counter() - started, unreadable
