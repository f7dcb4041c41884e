"""Peak memory while ingesting a 500 MB file, in a fresh process so the RSS is the ingest's."""

from __future__ import annotations

import json
import shutil

from bench.corpus import write_big_flac
from bench.report import Row, verdict
from bench.server import migrated_database
from bench.workspace import Workspace, django_env, python

BIG_FILE = 500 * 1024 * 1024
LIMIT_MB = 150
TARGET = "Peak RSS ingesting a 500 MB FLAC"


def peak_rss(workspace: Workspace, skip_reason: str = "") -> Row:
    if skip_reason:
        return Row(
            TARGET,
            "-",
            f"limit {LIMIT_MB} MB",
            "-",
            f"< {LIMIT_MB} MB",
            verdict(None),
            notes=[skip_reason],
        )
    media = workspace.folder("media-rss")
    key = "big/500mb.flac"
    path, _ = write_big_flac(media / key, BIG_FILE)
    size = path.stat().st_size
    database = workspace.folder("db") / "rss.sqlite3"
    shutil.copyfile(migrated_database(workspace), database)
    env = django_env(database, media, TASKS_MODE="immediate")
    try:
        output = workspace.run(
            "rss-probe", [python(), "-m", "bench.rss_probe", key, str(size)], env, 600
        )
    finally:
        path.unlink(missing_ok=True)
    line = next(line for line in reversed(output.splitlines()) if line.startswith("{"))
    result = json.loads(line)
    peak_mb = result["peak_rss"] / 1e6
    baseline_mb = result["baseline_rss"] / 1e6
    done = result["status"] == "done"
    notes = [
        f"{size / 1024**2:.0f} MiB file, job {result['status']} in {result['seconds']:.2f} s; "
        f"the process peaked at {baseline_mb:.0f} MB after django.setup() and imports, "
        "before the ingest (VmHWM)"
    ]
    if not done:
        notes.append(f"the job did not end done: {result['reason']}")
    return Row(
        target=TARGET,
        ours=f"{peak_mb:.0f} MB",
        peer=f"limit {LIMIT_MB} MB",
        ratio=f"{peak_mb / LIMIT_MB:.2f}x the limit",
        goal=f"< {LIMIT_MB} MB",
        verdict=verdict(done and peak_mb < LIMIT_MB),
        notes=notes,
        data={**result, "file_bytes": size, "peak_mb": peak_mb, "baseline_mb": baseline_mb},
    )
