"""Range streaming from local storage beside a static file server, on the same file.

The song's stream URL on our daphne and the same file on `python -m RangeHTTPServer` (the
standard library's http.server plus Range support) answer the same 1 MB ranges to the same
client, alternately in rounds so drift in the machine's load falls on both.
"""

from __future__ import annotations

import os
import time

import requests

from bench.corpus import write_big_flac
from bench.report import Row, verdict
from bench.server import ProcessWatch, Server, ingest_batch
from bench.workspace import Workspace, free_port, python

CHUNK = 1024 * 1024
FILE_SIZE = 30 * 1024 * 1024
GOAL = 1.5
ROUNDS = 4
TARGET = "Range streaming, local storage"


def _ranges(size: int, count: int) -> list[tuple[int, int]]:
    step = 7 * CHUNK + 12345  # scattered like seeks, never aligned to our read size
    span = size - CHUNK
    return [((index * step) % span, (index * step) % span + CHUNK - 1) for index in range(count)]


def _fetch_all(session: requests.Session, url: str, ranges: list[tuple[int, int]]) -> float:
    started = time.perf_counter()
    for start, end in ranges:
        response = session.get(url, headers={"Range": f"bytes={start}-{end}"}, timeout=30)
        if response.status_code != 206 or len(response.content) != end - start + 1:
            raise RuntimeError(
                f"{url} answered {response.status_code} with {len(response.content)} bytes "
                f"for bytes={start}-{end}"
            )
    return time.perf_counter() - started


def _whole_file(session: requests.Session, url: str, pid: int | None) -> dict:
    """GET `Range: bytes=0-` as a player's first request does; time the first byte and the end.

    With `pid`, also watch that server's peak RSS while it answers.
    """
    watch = ProcessWatch(pid) if pid else None
    started = time.perf_counter()
    with session.get(url, headers={"Range": "bytes=0-"}, stream=True, timeout=60) as response:
        chunks = response.iter_content(64 * 1024)
        received = len(next(chunks))
        first_byte = time.perf_counter() - started
        received += sum(len(chunk) for chunk in chunks)
    result = {
        "first_byte_seconds": first_byte,
        "seconds": time.perf_counter() - started,
        "bytes": received,
    }
    if watch is not None:
        result["server"] = watch.stop()
    return result


def range_streaming(workspace: Workspace, server: Server, count: int) -> Row:
    try:
        import RangeHTTPServer  # noqa: F401
    except ImportError:
        return Row(
            TARGET,
            "-",
            "-",
            "-",
            f"within {GOAL}x",
            verdict(None),
            notes=["rangehttpserver is not installed (pip install -r requirements-bench.txt)"],
        )
    key = "stream/30mb.flac"
    path, _ = write_big_flac(server.media_root / key, FILE_SIZE)
    size = path.stat().st_size
    run = ingest_batch(server, "local", [(key, size, "")], timeout=60)
    song_id = server.song_id(key)
    if song_id is None:
        raise RuntimeError(f"the streaming file was not ingested: {run.failures}")
    ours_url = f"{server.url}/api/v1/songs/{song_id}/stream/"

    port = free_port()
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    static = workspace.start(
        "static-server",
        [python(), "-m", "RangeHTTPServer", "-b", "127.0.0.1", str(port)],
        env,
        cwd=server.media_root,
    )
    static_url = f"http://127.0.0.1:{port}/{key}"
    workspace.wait_for_http("static-server", static, static_url)

    session = requests.Session()
    session.trust_env = False
    expected = path.read_bytes()[CHUNK : 2 * CHUNK]
    for url in (ours_url, static_url):
        answer = session.get(url, headers={"Range": f"bytes={CHUNK}-{2 * CHUNK - 1}"}, timeout=30)
        if answer.content != expected:
            raise RuntimeError(f"{url} did not answer the file's bytes")
    _fetch_all(session, ours_url, _ranges(size, 5))  # warm both up alike
    _fetch_all(session, static_url, _ranges(size, 5))

    ranges = _ranges(size, count)
    per_round = max(1, len(ranges) // ROUNDS)
    ours = static_seconds = 0.0
    for start in range(0, len(ranges), per_round):
        batch = ranges[start : start + per_round]
        static_seconds += _fetch_all(session, static_url, batch)
        ours += _fetch_all(session, ours_url, batch)
    ours_whole = _whole_file(session, ours_url, server.pid)
    static_whole = _whole_file(session, static_url, static.pid)
    session.close()
    workspace.stop(static)
    ratio = ours / static_seconds
    megabytes = count * CHUNK / 1024**2
    return Row(
        target=TARGET,
        ours=f"{megabytes / ours:.0f} MiB/s",
        peer=f"http.server+Range: {megabytes / static_seconds:.0f} MiB/s",
        ratio=f"{ratio:.2f}x the server's time",
        goal=f"within {GOAL}x",
        verdict=verdict(ratio <= GOAL),
        notes=[
            f"{count} GETs of 1 MiB ranges of a {size / 1024**2:.0f} MiB FLAC, one keep-alive "
            f"client (requests): ours {ours:.2f} s via GET /api/v1/songs/<id>/stream/, "
            f"RangeHTTPServer {static_seconds:.2f} s (HTTP/1.0, a connection per request)",
            f"one `Range: bytes=0-` GET of the whole {size / 1024**2:.0f} MiB file: first byte "
            f"after {ours_whole['first_byte_seconds'] * 1000:.0f} ms from ours, "
            f"{static_whole['first_byte_seconds'] * 1000:.0f} ms from RangeHTTPServer; "
            f"meanwhile daphne's RSS went from {ours_whole['server']['start_rss_mb']:.0f} MB to a "
            f"peak of {ours_whole['server']['peak_rss_mb']:.0f} MB, RangeHTTPServer's from "
            f"{static_whole['server']['start_rss_mb']:.0f} to "
            f"{static_whole['server']['peak_rss_mb']:.0f} MB",
        ],
        data={
            "requests": count,
            "chunk": CHUNK,
            "ours_seconds": ours,
            "static_seconds": static_seconds,
            "ratio": ratio,
        },
    )
