"""Re-sync: an unchanged bucket costs its listing and no GET; the compare's memory is bounded.

Both run in fresh processes (bench.resync_probe) so the figures are the re-sync's own.
"""

from __future__ import annotations

import json
import shutil

from bench.report import Row, verdict
from bench.s3 import MotoS3
from bench.server import migrated_database
from bench.workspace import Workspace, django_env, python

UNCHANGED_TARGET = "Re-sync of an unchanged bucket"
COMPARE_TARGET = "Re-sync compare, peak RSS"
LISTING_GOAL = 1.5  # within 1.5x of a bare paginated listing of the same bucket
RSS_LIMIT_MB = 200


def _probe(workspace: Workspace, name: str, args: list[str], env: dict, timeout: float) -> dict:
    output = workspace.run(name, [python(), "-m", "bench.resync_probe", *args], env, timeout)
    return json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))


def unchanged_bucket(workspace: Workspace, s3: MotoS3, count: int) -> Row:
    database = workspace.folder("db") / "resync-unchanged.sqlite3"
    shutil.copyfile(migrated_database(workspace), database)
    env = django_env(database, workspace.folder("media-resync"), **s3.server_settings())
    result = _probe(workspace, "resync-unchanged", ["unchanged", str(count)], env, 60 + count / 20)
    ours = result["listed"] / result["resync_seconds"]
    bare = result["listed_bare"] / result["listing_seconds"]
    slower = result["resync_seconds"] / result["listing_seconds"]
    passed = slower <= LISTING_GOAL and result["object_gets"] == 0 and not result["changed"]
    return Row(
        target=f"{UNCHANGED_TARGET} ({count} objects, moto server)",
        ours=f"{ours:.0f} objects/s, {result['object_gets']} object GETs",
        peer=f"bare paginated listing: {bare:.0f} objects/s",
        ratio=f"{slower:.2f}x the listing's time",
        goal=f"<= {LISTING_GOAL}x, 0 GETs",
        verdict=verdict(passed),
        notes=[
            f"{result['unchanged']} unchanged of {result['listed']} listed, "
            f"{result['changed']} changed; re-sync {result['resync_seconds']:.2f} s, "
            f"listing {result['listing_seconds']:.2f} s"
        ],
        data=result,
    )


def compare_memory(workspace: Workspace, count: int) -> Row:
    database = workspace.folder("db") / "resync-compare.sqlite3"
    shutil.copyfile(migrated_database(workspace), database)
    env = django_env(database, workspace.folder("media-resync"))
    seeded = _probe(workspace, "resync-seed", ["seed", str(count)], env, 120 + count / 1000)
    result = _probe(workspace, "resync-compare", ["compare", str(count)], env, 60 + count / 2000)
    peak_mb = result["peak_rss"] / 1e6
    passed = peak_mb < RSS_LIMIT_MB and result["unchanged"] == count and not result["changes"]
    return Row(
        target=f"{COMPARE_TARGET} at {count} keys",
        ours=f"{peak_mb:.0f} MB",
        peer=f"limit {RSS_LIMIT_MB} MB",
        ratio=f"{peak_mb / RSS_LIMIT_MB:.2f}x the limit",
        goal=f"< {RSS_LIMIT_MB} MB",
        verdict=verdict(passed),
        notes=[
            f"{count} keys merged in {result['compare_seconds']:.1f} s "
            f"({count / result['compare_seconds']:.0f} keys/s), all unchanged; the process "
            f"peaked at {result['baseline_rss'] / 1e6:.0f} MB before the compare (VmHWM); "
            f"seeding the catalogue took {seeded['seed_seconds']:.0f} s"
        ],
        data={**result, **seeded},
    )
