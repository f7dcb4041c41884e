"""Run the benchmark: `python -m bench [--quick] [--files N] [--only SECTION]` (`make bench`)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable

from bench.report import Row, context, out, progress, save, text_table
from bench.workspace import Workspace, raise_on_interrupt, setup_django

FULL_FILES, QUICK_FILES = 300, 60


def _failed_row(target: str, error: BaseException) -> Row:
    detail = "".join(traceback.format_exception_only(error)).strip()
    return Row(target, "-", "-", "-", "-", "ERROR", notes=[detail.splitlines()[-1]])


def _section(rows: list[Row], target: str, measure: Callable[[], list[Row] | Row]) -> None:
    """Run one measurement; a failure becomes an ERROR row and the others still run."""
    progress(f"measuring: {target}")
    started = time.perf_counter()
    try:
        result = measure()
    except KeyboardInterrupt:
        raise
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        result = _failed_row(target, error)
    rows.extend(result if isinstance(result, list) else [result])
    progress(f"  ... {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="fewer files, skip the 500 MB file (< 2 minutes)"
    )
    parser.add_argument("--files", type=int, help="songs in the ingest corpus")
    parser.add_argument(
        "--only",
        choices=["streaming", "transcoding", "ingest", "resync-import", "bytes-read"],
        help="measure one section alone: streaming; transcoding; ingest (local, live push, S3); "
        "resync-import (new objects through the re-sync, local and S3); bytes-read (bytes and "
        "GETs to read the tags of a 30 MB FLAC and a 10 MB MP3 on S3)",
    )
    parser.add_argument(
        "--import-objects",
        type=int,
        help="new objects the re-sync import ingests (default 10000, 1000 with --quick)",
    )
    args = parser.parse_args(argv)
    files = args.files or (QUICK_FILES if args.quick else FULL_FILES)
    stream_requests = 50 if args.quick else 200
    latency_samples = 10 if args.quick else 30
    resync_objects = 10_000 if args.quick else 100_000
    compare_keys = 100_000 if args.quick else 1_000_000
    import_objects = args.import_objects or (1000 if args.quick else 10_000)
    timeout = 60 + files * 2.0

    raise_on_interrupt()
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    rows: list[Row] = []
    with Workspace() as workspace:
        progress(f"working in {workspace.root} (removed at the end)")
        setup_django(workspace, "bench", "media-bench")
        from bench import streaming, transcoding

        if args.only == "transcoding":
            measure = lambda: transcoding.measure(workspace, None, args.quick)  # noqa: E731
            _section(rows, transcoding.TARGET, measure)
            return _finish(rows, args, files, began, load_before)
        if args.only == "streaming":
            measure = lambda: streaming.range_streaming(workspace, None, stream_requests)  # noqa: E731
            _section(rows, streaming.TARGET, measure)
            return _finish(rows, args, files, began, load_before)
        from bench import bytes_read, ingest, memory, resync
        from bench.corpus import write_corpus
        from bench.s3 import start_moto

        if args.only == "bytes-read":
            moto = start_moto(workspace)
            measure = lambda: bytes_read.s3_bytes_per_song(workspace, moto)  # noqa: E731
            _section(rows, "Bytes read from S3 per song", measure)
            return _finish(rows, args, 2, began, load_before)
        everything = args.only is None
        local: list[ingest.LocalIngest] = []
        s3 = []
        if everything or args.only == "ingest":

            def run_local() -> list[Row]:
                local.append(ingest.local_ingest(workspace, files, timeout))
                return local[0].rows

            _section(rows, "Ingest, full path, local storage", run_local)
            if local:
                server = local[0].server
                _section(
                    rows,
                    "Event -> song live on /ws/songs/",
                    lambda: ingest.live_push_latency(workspace, server, latency_samples),
                )

            def run_s3() -> list[Row]:
                s3.append(start_moto(workspace))
                corpus = (
                    local[0].files if local else write_corpus(workspace.folder("corpus"), files)
                )
                return ingest.s3_ingest(workspace, s3[0], corpus, timeout)

            _section(rows, "Ingest, full path, S3 (moto server)", run_s3)
        if everything or args.only == "resync-import":

            def run_import() -> list[Row]:
                if not s3:
                    s3.append(start_moto(workspace))
                return resync.import_new(workspace, s3[0], import_objects)

            _section(rows, resync.IMPORT_TARGET, run_import)
        if not everything:
            counted = import_objects if args.only == "resync-import" else files
            return _finish(rows, args, counted, began, load_before)
        if s3:
            _section(
                rows,
                "Bytes read from S3 per song",
                lambda: bytes_read.s3_bytes_per_song(workspace, s3[0]),
            )
            _section(
                rows,
                resync.UNCHANGED_TARGET,
                lambda: resync.unchanged_bucket(workspace, s3[0], resync_objects),
            )
        _section(
            rows, resync.COMPARE_TARGET, lambda: resync.compare_memory(workspace, compare_keys)
        )
        skip = "skipped with --quick (writes and ingests a 500 MB file)" if args.quick else ""
        _section(rows, memory.TARGET, lambda: memory.peak_rss(workspace, skip))
        if local:
            _section(
                rows,
                streaming.TARGET,
                lambda: streaming.range_streaming(workspace, server, stream_requests),
            )
        _section(
            rows,
            transcoding.TARGET,
            lambda: transcoding.measure(workspace, server if local else None, args.quick),
        )
        from bench import recommend

        _section(rows, recommend.RECALL_TARGET, lambda: recommend.evaluate(args.quick))
        from bench import scale

        _section(rows, scale.TARGET, lambda: scale.measure(args.quick))
        progress("stopping servers and removing the temporary folder")

    return _finish(rows, args, files, began, load_before)


def _finish(rows: list[Row], args, files: int, began: float, load_before: float) -> int:
    """Print the table with the machine and its load, save it, and return the exit status."""
    mode = ("quick" if args.quick else "full") + (f", {args.only} only" if args.only else "")
    ctx = context(mode, files, time.perf_counter() - began, load_before)
    out()
    out(
        f"{ctx['mode']} run, {files} files, {ctx['machine']}, load average "
        f"{ctx['load_average'][0]} -> {ctx['load_average'][1]}"
    )
    out(text_table(rows))
    json_path, md_path = save(rows, ctx, f"latest-{args.only}" if args.only else "latest")
    out()
    out(
        f"{sum(r.verdict == 'PASS' for r in rows)} PASS, "
        f"{sum(r.verdict == 'MISS' for r in rows)} MISS, "
        f"{sum(r.verdict not in ('PASS', 'MISS') for r in rows)} not measured or info; "
        f"{ctx['run_seconds']:.0f} s. Saved {json_path} and {md_path}."
    )
    return 1 if any(r.verdict == "ERROR" for r in rows) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        progress("interrupted; temporary files and child processes were removed")
        sys.exit(130)
