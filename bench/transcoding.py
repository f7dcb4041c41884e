"""Transcoding beside the `ffmpeg` command line: throughput per core and time to first byte.

The same FLAC is encoded to the same codec, bitrate, sample rate and encoder options by our
encoder (catalog.transcoding, PyAV, in this process) and by `ffmpeg` writing to a pipe, in
alternating rounds so drift in the machine's load falls on both; each side's best round counts.
Throughput per core is seconds of audio per CPU second (a multiple of real time), so it compares
across machines with different core counts. Time to first byte is measured on the encoder in
process, on `ffmpeg`'s pipe, and over HTTP on a real daphne (GET /api/v1/songs/<id>/stream/
?format=&max_bitrate=), first as an encode and then as a replay from the cache.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench.report import Row, verdict
from bench.server import Server, ingest_batch, start_server
from bench.workspace import Workspace
from catalog.transcoding.encoder import encode
from catalog.transcoding.profiles import PROFILES, Profile
from demo.audio_samples import SampleTags, write_sample

TARGET = "Transcoding"
GOAL_RATIO = 1.5
GOAL_FIRST_BYTE = 0.3
CODECS = (("opus", 128), ("mp3", 192), ("aac", 192))
ROUNDS = 2
SOURCE_RATE = 44100
PIPE_READ = 64 * 1024
CONCURRENT = (1, 2, 4, 8, 12)


@dataclass
class Run:
    cpu_seconds: float
    wall_seconds: float
    first_byte_seconds: float
    size: int


def _ours(source: str, profile: Profile, kbps: int) -> Run:
    started, cpu = time.perf_counter(), time.process_time()
    first, size = None, 0
    for chunk in encode(source, profile, kbps):
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
    return Run(time.process_time() - cpu, time.perf_counter() - started, first or 0.0, size)


def ffmpeg_argv(ffmpeg: str, source: str, profile: Profile, kbps: int) -> list[str]:
    """Return the command line that encodes as our profile does, to stdout."""
    codec_options = [part for item in profile.codec_options.items() for part in _flag(*item)]
    muxer_options = [part for item in profile.container_options.items() for part in _flag(*item)]
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-i",
        source,
        "-vn",
        "-map_metadata",
        "-1",
        "-c:a",
        profile.codec,
        "-b:a",
        f"{kbps}k",
        "-ar",
        str(profile.sample_rate(SOURCE_RATE)),
        "-ac",
        "2",
        *codec_options,
        "-f",
        profile.container,
        *muxer_options,
        "pipe:1",
    ]


def _flag(name: str, value: str) -> tuple[str, str]:
    return f"-{name}", value


def _ffmpeg(argv: list[str]) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    first, size = None, 0
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        while chunk := child.stdout.read1(PIPE_READ):
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
        errors = child.stderr.read().decode(errors="replace").strip()
    wall = time.perf_counter() - started
    if child.returncode:
        raise RuntimeError(f"ffmpeg failed ({child.returncode}): {errors[-300:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(cpu, wall, first or 0.0, size)


def _ffmpeg_version(ffmpeg: str) -> str:
    answer = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True, timeout=30)
    return answer.stdout.split("\n", 1)[0].removeprefix("ffmpeg version ").split(" Copyright")[0]


def _first_byte_over_http(session: requests.Session, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with session.get(url, stream=True, timeout=120) as response:
        response.raise_for_status()
        chunks = response.iter_content(chunk_size=None)
        size = len(next(chunks))
        first = time.perf_counter() - started
        size += sum(len(chunk) for chunk in chunks)
    return first, size


def _one_stream(url: str) -> tuple[int, float | None]:
    """GET one transcode to its end on a connection of its own; return (status, first byte)."""
    with requests.Session() as session:
        session.trust_env = False
        started = time.perf_counter()
        with session.get(url, stream=True, timeout=300) as response:
            if response.status_code != 200:
                return response.status_code, None
            chunks = response.iter_content(chunk_size=None)
            if next(chunks, None) is None:
                return 0, None  # an empty answer: the encode failed or never got its turn
            first = time.perf_counter() - started
            for _ in chunks:
                pass
    return 200, first


def _concurrent_streams(server: Server, song_id: int) -> list[dict]:
    """Start K new Opus encodes at the same moment, K = 1, 2, 4, 8, 12 (each a bitrate no
    other asked for, so none is shared or cached); return each round's answers."""
    rounds, bitrate = [], 16
    for count in CONCURRENT:
        urls = []
        for _ in range(count):
            bitrate += 1
            urls.append(
                f"{server.url}/api/v1/songs/{song_id}/stream/?format=opus&max_bitrate={bitrate}"
            )
        with ThreadPoolExecutor(max_workers=count) as pool:
            answers = list(pool.map(_one_stream, urls))
        firsts = sorted(first for status, first in answers if first is not None)
        rounds.append(
            {
                "streams": count,
                "served": len(firsts),
                "refused": sum(status == 503 for status, _ in answers),
                "empty": sum(status == 0 for status, _ in answers),
                "first_byte_max": firsts[-1] if firsts else None,
                "started_in_time": sum(first <= GOAL_FIRST_BYTE for first in firsts),
            }
        )
    return rounds


def _over_http(workspace: Workspace, server: Server | None, source_bytes: bytes) -> dict:
    """Return {codec: (first byte encoding, first byte from the cache)} over a real daphne,
    and under "concurrent" the rounds of simultaneous new encodes."""
    if server is None:
        server = start_server(workspace, "transcode", workspace.folder("media-transcode"))
    key = "bench/transcode/source.flac"
    path = server.media_root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source_bytes)
    ingest_batch(server, "local", [(key, len(source_bytes), "")], timeout=120)
    song_id = server.song_id(key)
    if song_id is None:
        raise RuntimeError("the transcoding source was not ingested")
    session = requests.Session()
    session.trust_env = False
    results = {}
    for name, kbps in CODECS:
        url = f"{server.url}/api/v1/songs/{song_id}/stream/?format={name}&max_bitrate={kbps}"
        encoding, _ = _first_byte_over_http(session, url)
        cached, _ = _first_byte_over_http(session, url)
        results[name] = (encoding, cached)
    session.close()
    results["concurrent"] = _concurrent_streams(server, song_id)
    return results


def measure(workspace: Workspace, server: Server | None, quick: bool) -> list[Row]:
    seconds = 60.0 if quick else 180.0
    source = workspace.folder("transcode") / "source.flac"
    write_sample(source, "flac", SampleTags(title="Bench Transcode", cover=None), seconds=seconds)
    ffmpeg = shutil.which("ffmpeg")
    http = _over_http(workspace, server, source.read_bytes())
    version = _ffmpeg_version(ffmpeg) if ffmpeg else None
    rows = []
    for name, kbps in CODECS:
        profile = PROFILES[name]
        ours: list[Run] = []
        peer: list[Run] = []
        for _ in range(ROUNDS):
            if ffmpeg:
                peer.append(_ffmpeg(ffmpeg_argv(ffmpeg, str(source), profile, kbps)))
            ours.append(_ours(str(source), profile, kbps))
        rows.append(_row(name, kbps, seconds, ours, peer, http.get(name), version))
    rows.append(_concurrency_row(http["concurrent"], seconds))
    return rows


def _concurrency_row(rounds: list[dict], seconds: float) -> Row:
    """Report how many encodes may start at once before one waits past the first-byte goal."""
    in_time = [r["streams"] for r in rounds if r["started_in_time"] == r["streams"]]
    first_stall = next((r for r in rounds if r["started_in_time"] < r["streams"]), None)
    detail = "; ".join(
        f"{r['streams']} at once: {r['started_in_time']} first bytes < "
        f"{GOAL_FIRST_BYTE * 1000:.0f} ms, {r['served'] - r['started_in_time']} later "
        f"(last after {(r['first_byte_max'] or 0) * 1000:.0f} ms), {r['refused']} refused (503)"
        + (f", {r['empty']} empty" if r["empty"] else "")
        for r in rounds
    )
    late = ""
    if first_stall:
        late = f"; the first late start came with {first_stall['streams']} at once"
    return Row(
        target=f"{TARGET}, new Opus streams at once on this machine",
        ours=f"{max(in_time, default=0)} start in time",
        peer="-",
        ratio="-",
        goal="(no target)",
        verdict="info",
        notes=[
            f"each a new {seconds:.0f} s encode, read to its end, with the server's defaults "
            f"(TRANSCODE_MAX_ENCODES = its CPU count, TRANSCODE_MAX_WAITING 4): {detail}",
            "past the encoders, streams wait in line and start once one ends (encodes run at "
            "full speed into the cache, not at the listener's pace); past the line, a 503 at once"
            + late,
        ],
        data={"rounds": rounds},
    )


def _row(name, kbps, seconds, ours, peer, http, version) -> Row:
    best = min(ours, key=lambda run: run.cpu_seconds)
    speed = seconds / best.cpu_seconds
    first_ours = min(run.first_byte_seconds for run in ours)
    http_first, http_cached = http if http else (None, None)
    worst_first = max(first_ours, http_first or 0.0)
    notes = [
        f"{seconds:.0f} s FLAC (44.1 kHz stereo) -> {name} {kbps} kbit/s: ours "
        f"{best.cpu_seconds:.2f} CPU s, {best.wall_seconds:.2f} s wall, {best.size / 1e6:.2f} MB; "
        f"first byte {first_ours * 1000:.0f} ms in process"
        + (
            f", {http_first * 1000:.0f} ms over HTTP (daphne, encoding), "
            f"{http_cached * 1000:.0f} ms replayed from the cache"
            if http
            else ""
        )
    ]
    if not peer:
        return Row(
            f"{TARGET}, {name} {kbps} kbit/s",
            f"{speed:.0f}x real time per core; first byte {worst_first * 1000:.0f} ms",
            "ffmpeg absent",
            "-",
            f"within {GOAL_RATIO}x of ffmpeg; first bytes < {GOAL_FIRST_BYTE * 1000:.0f} ms",
            verdict(None),
            notes=[*notes, "ffmpeg is not installed (apt-get install ffmpeg): no peer to compare"],
            data={"ours_cpu_seconds": best.cpu_seconds, "audio_seconds": seconds},
        )
    top = min(peer, key=lambda run: run.cpu_seconds)
    peer_speed = seconds / top.cpu_seconds
    first_peer = min(run.first_byte_seconds for run in peer)
    ratio = best.cpu_seconds / top.cpu_seconds
    notes.append(
        f"ffmpeg {version} to a pipe, same codec options: {top.cpu_seconds:.2f} CPU s, "
        f"{top.wall_seconds:.2f} s wall, {top.size / 1e6:.2f} MB; first byte "
        f"{first_peer * 1000:.0f} ms"
    )
    return Row(
        target=f"{TARGET}, {name} {kbps} kbit/s",
        ours=f"{speed:.0f}x real time per core; first byte {worst_first * 1000:.0f} ms",
        peer=f"ffmpeg: {peer_speed:.0f}x per core; first byte {first_peer * 1000:.0f} ms",
        ratio=f"{ratio:.2f}x ffmpeg's CPU time",
        goal=f"within {GOAL_RATIO}x; first bytes < {GOAL_FIRST_BYTE * 1000:.0f} ms",
        verdict=verdict(ratio <= GOAL_RATIO and worst_first <= GOAL_FIRST_BYTE),
        notes=notes,
        data={
            "audio_seconds": seconds,
            "ours_cpu_seconds": best.cpu_seconds,
            "ffmpeg_cpu_seconds": top.cpu_seconds,
            "ratio": ratio,
            "first_byte_in_process": first_ours,
            "first_byte_http": http_first,
            "first_byte_http_cached": http_cached,
            "first_byte_ffmpeg": first_peer,
        },
    )
