"""Ingest throughput through the full path, on local storage and on S3, beside its peers.

Full path: signed S3 events POSTed to the webhook of a real daphne, several records to a
request as the Lambda posts them -> ingest jobs on the thread pool -> tags read through
ingest.store -> rows -> song.added (or, for a batch's songs, songs.added) on /ws/songs/,
received by a websocket client of the bench. The clock stops when every job has finished and
every new song has arrived.

Each corpus is ingested twice, by fresh servers on empty databases: 10 records to a request (an
SQS batch, the Lambda's default) and 100 (SQS with a batching window).
"""

from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from bench import peers
from bench.corpus import CorpusFile, write_corpus
from bench.report import Row, verdict
from bench.s3 import BUCKET, MotoS3
from bench.server import (
    POSTING_CLIENTS,
    WEBHOOK_PATH,
    IngestRun,
    Server,
    WebhookPoster,
    ingest_batch,
    ingest_copied,
    live_latencies,
    start_server,
    start_watcher,
)
from bench.workspace import Workspace

LOCAL_BUCKET = "local"  # INGEST_BUCKET_NAME when no S3 bucket is configured
MUTAGEN_GOAL = 4.0  # our time per song within 4x bare mutagen's
BEETS_GOAL = 3.0  # at least 3x beets' songs/s
S3_GOAL = 2.0  # within 2x of the store's floor
LATENCY_GOAL = 1.0  # seconds, p95
SQS_BATCH = 10  # records in one request: an SQS batch without a batching window
WINDOW_BATCH = 100  # records in one request: SQS with a batching window
PER_REQUEST = (SQS_BATCH, WINDOW_BATCH)
# Songs each server ingests before the clock starts. The peers' start-up is left out of their
# time (bare mutagen: the best of three runs; beets: less `beet stats`), so the server's is
# left out of ours: its first ingest imports the tag readers and runs its first queries.
WARM_UP_SONGS = 10


@dataclass
class LocalIngest:
    server: Server
    files: list[CorpusFile]
    rows: list[Row]


WATCHED = "files copied into the watched folder"  # the shape of a run through watch_media


def _shape(per_request: int | str) -> str:
    return per_request if isinstance(per_request, str) else f"{per_request} events a request"


def _batched(target: str, per_request: int | str) -> str:
    return f"{target}, {_shape(per_request)}"


def _run_notes(run: IngestRun) -> list[str]:
    delivered = (
        f"the {run.requests} POSTs took {run.posting_seconds:.2f} s"
        if run.requests
        else f"`cp -r` of the folder took {run.posting_seconds:.2f} s (the same copy into a "
        f"folder nothing watches, just after: {run.server['bare_copy_seconds']:.2f} s), and "
        "`manage.py watch_media` (as `make run` starts it) posted the files' events in "
        f"{run.server['watcher_requests']} requests, taking "
        f"{run.server['watcher_cpu_seconds']:.2f} s CPU"
    )
    notes = [
        f"{run.songs} songs ({', '.join(f'{n} {s}' for s, n in sorted(run.statuses.items()))}) "
        f"after {WARM_UP_SONGS} warm-up songs through the same server, "
        f"in {run.seconds:.2f} s; {delivered}"
        + (
            f"; {run.live_messages} new songs received on /ws/songs/"
            if run.live_messages is not None
            else ""
        )
    ]
    server = run.server
    notes.append(
        f"daphne during the run: {server['cpu_seconds']:.1f} s CPU "
        f"({100 * server['cpu_seconds'] / run.seconds:.0f}% of one core), its tag reader "
        f"processes {server['children_cpu_seconds']:.1f} s "
        f"(INGEST_READ_PROCESSES={settings.INGEST_READ_PROCESSES}); peak RSS "
        f"{server['peak_rss_mb']:.0f} MB, the readers' PSS {server['children_peak_pss_mb']:.0f} MB "
        f"together; up to {server['peak_threads']} threads "
        f"(INGEST_THREADS={settings.INGEST_THREADS}); job run time "
        f"p50 {run.job_seconds_p50 * 1000:.0f} ms, p95 {run.job_seconds_p95 * 1000:.0f} ms"
    )
    if run.live_note:
        notes.append(f"live push: {run.live_note}")
    if run.failures:
        notes.append(f"{len(run.failures)} jobs did not end done, e.g. {run.failures[0]}")
    return notes


def _judge(run: IngestRun, meets_goal: bool) -> str:
    """PASS or MISS; not measured when no websocket client could watch the live push."""
    if run.live_messages is None:
        return verdict(None)
    all_done = run.statuses.get("done", 0) == run.songs and not run.live_note
    return verdict(all_done and meets_goal)


def _run_data(run: IngestRun, per_request: int | str) -> dict:
    return {
        "songs": run.songs,
        "per_request": per_request if isinstance(per_request, int) else None,
        "shape": _shape(per_request),
        "requests": run.requests,
        "seconds": run.seconds,
        "songs_per_second": run.songs_per_second,
        "posting_seconds": run.posting_seconds,
        "statuses": run.statuses,
        "live_messages": run.live_messages,
        "server": run.server,
        "job_seconds_p50": run.job_seconds_p50,
        "job_seconds_p95": run.job_seconds_p95,
    }


def local_ingest(workspace: Workspace, count: int, timeout: float) -> LocalIngest:
    """Ingest `count` songs from the local media folder; time bare mutagen and beets on them.

    The songs go in once per batch size, each time through a fresh server on an empty database,
    and once more as a user of `make run` brings a library in: copied into the media folder
    that `manage.py watch_media` watches.
    """
    media = workspace.folder("media-local")
    files = write_corpus(media, count)
    objects = [(f.key, f.size, "") for f in files]
    warm_up = [(f.key, f.size, "") for f in write_corpus(media, WARM_UP_SONGS, prefix="warmup")]
    runs: dict[int | str, IngestRun] = {}
    for per_request in PER_REQUEST:
        server = start_server(workspace, f"daphne-local-{per_request}", media)
        ingest_batch(server, LOCAL_BUCKET, warm_up, timeout, per_request)
        runs[per_request] = ingest_batch(server, LOCAL_BUCKET, objects, timeout, per_request)
    runs[WATCHED] = _watched_run(workspace, media, {f.key for f in files}, timeout)
    poster = WebhookPoster(server)
    try:
        ceiling = poster.bare_request_rate(count)
    finally:
        poster.close()
    mutagen_seconds = peers.bare_mutagen_seconds([f.path for f in files])
    mutagen_rate = count / mutagen_seconds
    beets = peers.beets_import(workspace, media / "music", count)
    rows = []
    for per_request, run in runs.items():
        ours = run.songs_per_second
        slower = mutagen_rate / ours
        rows.append(
            Row(
                target=_batched("Ingest, full path, local storage, vs bare mutagen", per_request),
                ours=f"{ours:.1f} songs/s",
                peer=f"bare mutagen loop: {mutagen_rate:.0f} files/s",
                ratio=f"{slower:.1f}x mutagen's time",
                goal=f"within {MUTAGEN_GOAL:.0f}x",
                verdict=_judge(run, slower <= MUTAGEN_GOAL),
                notes=[
                    *_run_notes(run),
                    "bare mutagen: mutagen.File(path) + every tag value + length, one thread, "
                    f"best of 3: {mutagen_seconds:.3f} s",
                    f"the same daphne answers a bare 404 at {ceiling:.0f} requests/s to the "
                    f"same {POSTING_CLIENTS} clients",
                ],
                data={
                    **_run_data(run, per_request),
                    "bare_404_requests_per_second": ceiling,
                    "mutagen_seconds": mutagen_seconds,
                    "mutagen_files_per_second": mutagen_rate,
                    "ratio_time_vs_mutagen": slower,
                },
            )
        )
        rows.append(_beets_row(beets, run, per_request, count))
    return LocalIngest(server=server, files=files, rows=rows)


def _watched_run(workspace: Workspace, corpus: Path, keys: set[str], timeout: float) -> IngestRun:
    """Copy the corpus's music/ folder into the folder a fresh server's watcher watches."""
    media = workspace.folder("media-watched")
    warm_up = write_corpus(media, WARM_UP_SONGS, prefix="warmup")  # outside music/: posted
    server = start_server(workspace, "daphne-local-watched", media)
    ingest_batch(server, LOCAL_BUCKET, [(f.key, f.size, "") for f in warm_up], timeout, SQS_BATCH)
    watcher = start_watcher(workspace, server)
    posts_before = _webhook_posts(workspace, server)
    try:
        run = ingest_copied(server, watcher, corpus / "music", keys, timeout)
    finally:
        watcher.terminate()
    run.server["watcher_requests"] = _webhook_posts(workspace, server) - posts_before
    # The copy alone, into a folder nothing watches: what the machine takes to write the files.
    started = time.perf_counter()
    copied = workspace.folder("copied")
    subprocess.run(["cp", "-r", f"{corpus / 'music'}/.", str(copied)], check=True)
    run.server["bare_copy_seconds"] = time.perf_counter() - started
    return run


def _webhook_posts(workspace: Workspace, server: Server) -> int:
    """Count the webhook requests in the server's access log so far."""
    return (
        workspace.log_path(server.name).read_text(errors="replace").count(f'"POST {WEBHOOK_PATH}"')
    )


def _beets_row(beets: peers.BeetsRun, run: IngestRun, per_request: int | str, count: int) -> Row:
    target = _batched("Ingest, full path, local storage, vs beets", per_request)
    ours = run.songs_per_second
    if beets.seconds is None:
        return Row(
            target=target,
            ours=f"{ours:.1f} songs/s",
            peer="beets could not run",
            ratio="-",
            goal=f">= {BEETS_GOAL:.0f}x beets",
            verdict=verdict(None),
            notes=[beets.reason],
        )
    beets_rate = count / beets.seconds
    faster = ours / beets_rate
    return Row(
        target=target,
        ours=f"{ours:.1f} songs/s",
        peer=f"beet import -A -q -C: {beets_rate:.1f} songs/s",
        ratio=f"{faster:.2f}x beets' rate",
        goal=f">= {BEETS_GOAL:.0f}x beets",
        verdict=_judge(run, not beets.reason and faster >= BEETS_GOAL),
        notes=[
            f"beets {beets.version}, no plugins, no autotag/copy/write: import "
            f"{beets.wall_seconds:.2f} s wall less {beets.startup_seconds:.2f} s start-up "
            f"(`beet stats` on the same library) = {beets.seconds:.2f} s for "
            f"{beets.imported} songs",
            *([beets.reason] if beets.reason else []),
        ],
        data={
            "per_request": per_request,
            "songs_per_second": ours,
            "beets_version": beets.version,
            "beets_wall_seconds": beets.wall_seconds,
            "beets_startup_seconds": beets.startup_seconds,
            "beets_seconds": beets.seconds,
            "beets_imported": beets.imported,
            "beets_songs_per_second": beets_rate,
            "ratio_rate_vs_beets": faster,
        },
    )


def live_push_latency(workspace: Workspace, server: Server, samples: int) -> Row:
    """Time event POST -> song.added on the websocket, one song at a time, on an idle server."""
    target = "Event -> song live on /ws/songs/ (idle server)"
    try:
        import websockets  # noqa: F401
    except ImportError:
        return Row(
            target,
            "-",
            "-",
            "-",
            "p95 < 1 s",
            verdict(None),
            notes=["websockets is not installed (pip install -r requirements-bench.txt)"],
        )
    files = write_corpus(server.media_root, samples, prefix="latency")
    latencies = live_latencies(server, LOCAL_BUCKET, [(f.key, f.size, "") for f in files])
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return Row(
        target=target,
        ours=f"p95 {p95 * 1000:.0f} ms",
        peer=f"limit {LATENCY_GOAL * 1000:.0f} ms",
        ratio=f"{p95 / LATENCY_GOAL:.2f}x the limit",
        goal="p95 < 1 s",
        verdict=verdict(p95 < LATENCY_GOAL),
        notes=[
            f"{samples} single uploads, p50 {p50 * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms; covers the webhook, job, rows and push, "
            "not the S3 PUT nor the browser's render"
        ],
        data={"samples": samples, "p50": p50, "p95": p95, "max": latencies[-1]},
    )


def s3_ingest(
    workspace: Workspace, s3: MotoS3, files: list[CorpusFile], timeout: float
) -> list[Row]:
    """Ingest the same files from moto's S3; time the floor (ranged GET + parse) beside it."""
    objects = [s3.upload(f.key, f.path) for f in files]
    warm_up = [
        s3.upload(f.key, f.path)
        for f in write_corpus(workspace.folder("warm-up-s3"), WARM_UP_SONGS, prefix="warmup")
    ]
    keys = [key for key, _, _ in objects]
    floor_before, unreadable = peers.s3_floor_seconds(s3.client, BUCKET, keys)
    runs = {}
    for per_request in PER_REQUEST:
        server = start_server(
            workspace,
            f"daphne-s3-{per_request}",
            workspace.folder("media-s3"),
            **s3.server_settings(),
        )
        ingest_batch(server, BUCKET, warm_up, timeout, per_request)
        runs[per_request] = ingest_batch(server, BUCKET, objects, timeout, per_request)
    floor_after, _ = peers.s3_floor_seconds(s3.client, BUCKET, keys)
    floor = min(floor_before, floor_after)
    floor_rate = len(files) / floor
    rows = []
    for per_request, run in runs.items():
        slower = floor_rate / run.songs_per_second
        notes = [
            *_run_notes(run),
            f"floor: one GET of bytes 0-131071 per object + mutagen parse of them, one thread, "
            f"best of 2: {floor:.3f} s",
        ]
        if unreadable:
            notes.append(f"mutagen could not read {unreadable} objects from their first 128 KiB")
        rows.append(
            Row(
                target=_batched("Ingest, full path, S3 (moto server)", per_request),
                ours=f"{run.songs_per_second:.1f} songs/s",
                peer=f"floor: {floor_rate:.0f} objects/s",
                ratio=f"{slower:.1f}x the floor's time",
                goal=f"within {S3_GOAL:.0f}x",
                verdict=_judge(run, slower <= S3_GOAL),
                notes=notes,
                data={
                    **_run_data(run, per_request),
                    "floor_seconds": floor,
                    "floor_seconds_runs": [floor_before, floor_after],
                    "floor_objects_per_second": floor_rate,
                    "ratio_time_vs_floor": slower,
                },
            )
        )
    return rows
