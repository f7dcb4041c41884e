"""Re-sync: an unchanged bucket costs its listing and no GET; the compare's memory is bounded;
an import of new objects beside the store's floor.

Each runs in a fresh process (bench.resync_probe) so the figures are the re-sync's own.
"""

from __future__ import annotations

import json
import shutil

from bench import peers
from bench.corpus import CorpusFile, write_corpus
from bench.report import Row, verdict
from bench.s3 import BUCKET, MotoS3
from bench.server import migrated_database
from bench.workspace import Workspace, django_env, python

UNCHANGED_TARGET = "Re-sync of an unchanged bucket"
COMPARE_TARGET = "Re-sync compare, peak RSS"
IMPORT_TARGET = "Import of new objects through re-sync"
IMPORT_COUNT = 10_000
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


def import_new(workspace: Workspace, s3: MotoS3 | None, count: int) -> list[Row]:
    """Re-sync `count` new songs into an empty catalogue, from local storage and from moto.

    Beside each, the floor of the same store on the same files: a bare mutagen loop over the
    local files; one ranged GET per object plus the bare parse on S3.
    """
    media = workspace.folder("media-import")
    files = write_corpus(media, count, prefix="import")
    mutagen_seconds = peers.bare_mutagen_seconds([f.path for f in files], repeats=1)
    rows = [
        _import_row(
            workspace,
            "local storage",
            django_env(_fresh_database(workspace, "import-local"), media),
            count,
            mutagen_seconds,
            "bare mutagen loop, one thread",
        )
    ]
    if s3 is not None:
        keys = _upload(s3, files)
        floor_seconds, _ = peers.s3_floor_seconds(s3.client, BUCKET, keys)
        env = django_env(
            _fresh_database(workspace, "import-s3"),
            workspace.folder("media-import-s3"),
            **s3.server_settings(),
        )
        rows.append(
            _import_row(
                workspace,
                "S3 (moto server)",
                env,
                count,
                floor_seconds,
                "one 128 KiB GET + mutagen per object, one thread",
            )
        )
    return rows


def _fresh_database(workspace: Workspace, name: str):
    database = workspace.folder("db") / f"{name}.sqlite3"
    shutil.copyfile(migrated_database(workspace), database)
    return database


def _upload(s3: MotoS3, files: list[CorpusFile]) -> list[str]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        return [key for key, _, _ in pool.map(lambda f: s3.upload(f.key, f.path), files)]


def _import_row(
    workspace: Workspace, store: str, env: dict, count: int, floor: float, floor_name: str
) -> Row:
    name = "resync-import-" + store.split()[0].lower()
    result = _probe(workspace, name, ["import", str(count)], env, 120 + count)
    ours = result["added"] / result["resync_seconds"]
    floor_rate = count / floor
    slower = result["resync_seconds"] / floor
    gets = (
        f"; {result['object_gets']} object GETs ({result['object_gets'] / count:.2f} a song)"
        if store.startswith("S3")
        else ""
    )
    notes = [
        f"manage.py resync's function on an empty catalogue: {result['listed']} listed, "
        f"{result['added']} added, {result['skipped']} skipped, {result['failed']} failed in "
        f"{result['resync_seconds']:.1f} s{gets}; floor {floor:.2f} s",
    ]
    if result["failures"]:
        notes.append(f"e.g. {result['failures'][0]}")
    if result["error"]:
        notes.append(f"stopped: {result['error']}")
    return Row(
        target=f"{IMPORT_TARGET} ({count}, {store})",
        ours=f"{ours:.1f} songs/s",
        peer=f"floor ({floor_name}): {floor_rate:.0f} songs/s",
        ratio=f"{slower:.1f}x the floor's time",
        goal="(no target)",
        verdict="info" if result["added"] == count and not result["error"] else verdict(False),
        notes=notes,
        data={**result, "floor_seconds": floor, "floor_songs_per_second": floor_rate},
    )
