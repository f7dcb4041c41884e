"""A real daphne server of the project for the bench, and the clients that drive and watch it.

The server runs as a child process on its own SQLite file, exactly as `make run` serves
(ingest jobs on the in-process thread pool, the in-memory channel layer). The bench posts
signed S3 events to its webhook in batches, as the Lambda posts an SQS batch in one request,
listens on /ws/songs/ like an open browser, and reads the job table straight from the SQLite
file to know when every job has finished.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests

from bench.workspace import (
    INGEST_SECRET,
    ChildFailed,
    Workspace,
    django_env,
    free_port,
    python,
    venv_script,
)
from ingest.events import object_record
from ingest.signing import sign_headers

WEBHOOK_PATH = "/api/v1/ingest/events/"
POSTING_CLIENTS = 4  # concurrent webhook callers, like a few Lambda invocations at once
FINISHED = ("done", "failed", "skipped")


def migrated_database(workspace: Workspace) -> Path:
    """Migrate an empty SQLite file once; servers start from copies of it."""
    template = workspace.folder("db") / "template.sqlite3"
    if not template.exists():
        env = django_env(template, workspace.folder("media-unused"))
        workspace.run("migrate", [python(), "manage.py", "migrate", "--noinput"], env, 180)
    return template


@dataclass
class Server:
    """One running daphne of the project."""

    name: str
    url: str
    database: Path
    media_root: Path
    pid: int

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/ws/songs/"

    def job_counts(self) -> dict[str, int]:
        with sqlite3.connect(self.database, timeout=30) as connection:
            rows = connection.execute(
                "SELECT status, COUNT(*) FROM catalog_ingestjob GROUP BY status"
            ).fetchall()
        return dict(rows)

    def job_rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """Return (key, status, reason, created_at, started_at, finished_at) of every job."""
        with sqlite3.connect(self.database, timeout=30) as connection:
            return connection.execute(
                "SELECT key, status, reason, created_at, started_at, finished_at"
                " FROM catalog_ingestjob"
            ).fetchall()

    def song_id(self, key: str) -> int | None:
        with sqlite3.connect(self.database, timeout=30) as connection:
            row = connection.execute(
                "SELECT id FROM catalog_song WHERE storage_key = ?", (key,)
            ).fetchone()
        return row[0] if row else None


def start_server(workspace: Workspace, name: str, media_root: Path, **settings: str) -> Server:
    """Start daphne on a free port with a fresh copy of the migrated database."""
    database = workspace.folder("db") / f"{name}.sqlite3"
    shutil.copyfile(migrated_database(workspace), database)
    port = free_port()
    daphne = venv_script("daphne")
    argv = [daphne] if daphne else [python(), "-m", "daphne"]
    argv += ["-b", "127.0.0.1", "-p", str(port), "spotify.asgi:application"]
    child = workspace.start(name, argv, django_env(database, media_root, **settings))
    url = f"http://127.0.0.1:{port}"
    workspace.wait_for_http(name, child, url + "/api/v1/songs/")
    return Server(name=name, url=url, database=database, media_root=media_root, pid=child.pid)


class ProcessWatch:
    """Watch a server process while it works: CPU time, peak RSS and peak thread count, and
    the CPU time of its child processes (the tag readers) apart."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self._status = Path(f"/proc/{pid}/status")
        try:
            # "5" resets the kernel's peak-RSS mark (VmHWM), so the peak is this phase's own.
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            self._kernel_peak = self._status.exists()
        except OSError:
            self._kernel_peak = False
        times = self._process.cpu_times()
        self._cpu = times.user + times.system
        self._children_now: dict[int, float] = {}
        self._children_peak_pss = 0
        self._sample_children()
        self._children_start = dict(self._children_now)
        self._start_rss = self._peak_rss = self._process.memory_info().rss
        self._peak_threads = self._process.num_threads()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="process-watch", daemon=True)
        self._thread.start()

    def _sample_children(self) -> None:
        """Note each descendant's CPU time; a child that ends keeps its last reading."""
        try:
            children = self._process.children(recursive=True)
        except psutil.Error:
            return
        pss = 0
        for child in children:
            try:
                times = child.cpu_times()
                # PSS: the readers are forks of one process and share most of their pages.
                pss += child.memory_full_info().pss
            except psutil.Error:
                continue
            self._children_now[child.pid] = times.user + times.system
        self._children_peak_pss = max(self._children_peak_pss, pss)

    def _sample(self) -> None:
        # The watch shares the machine's cores with the server it watches. Finding the
        # children (a walk over /proc) and their PSS (the kernel walks their pages) cost ~4 ms
        # a look: every 0.05 s that took a tenth of a core from a run on two cores. They are
        # looked at every 0.5 s, and at the end (the readers live as long as the server).
        ticks = 0
        while not self._stopped.wait(0.05):
            try:
                self._peak_rss = max(self._peak_rss, self._process.memory_info().rss)
                self._peak_threads = max(self._peak_threads, self._process.num_threads())
            except psutil.Error:
                return
            ticks += 1
            if ticks % 10 == 0:
                self._sample_children()

    def stop(self) -> dict:
        self._stopped.set()
        self._thread.join()
        self._sample_children()
        children_cpu = sum(
            cpu - self._children_start.get(pid, 0.0) for pid, cpu in self._children_now.items()
        )
        times = self._process.cpu_times()
        peak = self._peak_rss
        if self._kernel_peak:
            for line in self._status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        return {
            "cpu_seconds": times.user + times.system - self._cpu,
            "children_cpu_seconds": children_cpu,
            "children_peak_pss_mb": self._children_peak_pss / 1e6,
            "start_rss_mb": self._start_rss / 1e6,
            "peak_rss_mb": peak / 1e6,
            "peak_threads": self._peak_threads,
        }


@dataclass
class LiveListener:
    """Listen on /ws/songs/ as an open page does; remember when each new song arrived."""

    url: str
    origin: str
    arrivals: list[tuple[float, dict]] = field(default_factory=list)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        from websockets.sync.client import connect

        self._connection = connect(self.url, origin=self.origin, proxy=None, max_size=None)
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._listen, name="live-listener", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for raw in self._connection:
                message = json.loads(raw)
                kind = message.get("type")
                if kind in ("song.added", "songs.added"):
                    # A transaction's songs come together; each has arrived with its frame.
                    songs = [message["song"]] if kind == "song.added" else message["songs"]
                    # A burst past the frame's bound names its first songs and counts the rest.
                    songs += [{}] * (message.get("count", len(songs)) - len(songs))
                    with self._changed:
                        self.arrivals.extend((time.time(), song) for song in songs)
                        self._changed.notify_all()
        except ConnectionClosed:
            pass
        except BaseException as error:
            self.error = error
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until `count` new songs have arrived (song.added, songs.added); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.arrivals) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.error is not None:
                    return False
                self._changed.wait(remaining)
        return True

    def close(self) -> None:
        self._connection.close()
        self._thread.join(timeout=5)


def open_listener(server: Server) -> tuple[LiveListener | None, str]:
    """Open the live listener, or return None and why (websockets not installed)."""
    try:
        import websockets  # noqa: F401
    except ImportError:
        return None, "websockets is not installed (pip install -r requirements-bench.txt)"
    return LiveListener(server.ws_url, origin=server.url), ""


class WebhookPoster:
    """POST signed S3 event bodies of one or more records to the webhook, from a few clients."""

    def __init__(self, server: Server, clients: int = POSTING_CLIENTS) -> None:
        self._url = server.url + WEBHOOK_PATH
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=clients, thread_name_prefix="poster")

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False
        return session

    def post(self, records: list[dict]) -> float:
        """POST the records in one signed request; return the wall-clock time it was sent."""
        body = json.dumps({"Records": records}).encode()
        headers = {"Content-Type": "application/json", **sign_headers(INGEST_SECRET, body)}
        sent = time.time()
        response = self._session().post(self._url, data=body, headers=headers, timeout=60)
        if response.status_code != 202:
            raise RuntimeError(f"the webhook answered {response.status_code}: {response.text}")
        return sent

    def post_all(self, records: list[dict], per_request: int = 1) -> list[float]:
        """POST the records ``per_request`` at a time, the requests spread over the clients."""
        bodies = [records[at : at + per_request] for at in range(0, len(records), per_request)]
        return list(self._pool.map(self.post, bodies))

    def bare_request_rate(self, count: int) -> float:
        """Return the requests/s the server answers a 404 (Django's least work) to these clients.

        This is the ceiling of any full path that costs one HTTP request per song.
        """
        url = self._url.rsplit("/api/", 1)[0] + "/bench-no-such-page/"

        def get(_: int) -> int:
            return self._session().get(url, timeout=60).status_code

        started = time.perf_counter()
        statuses = set(self._pool.map(get, range(count)))
        seconds = time.perf_counter() - started
        if statuses != {404}:
            raise RuntimeError(f"{url} answered {statuses}, expected 404")
        return count / seconds

    def close(self) -> None:
        self._pool.shutdown()


@dataclass
class IngestRun:
    """What one batch of events became: timings, statuses and reasons of failures."""

    songs: int
    seconds: float
    posting_seconds: float
    requests: int
    statuses: dict[str, int]
    live_messages: int | None
    failures: list[str]
    live_note: str = ""
    server: dict = field(default_factory=dict)  # ProcessWatch figures
    job_seconds_p50: float = 0.0
    job_seconds_p95: float = 0.0

    @property
    def songs_per_second(self) -> float:
        return self.songs / self.seconds


def _parse_time(text: str) -> float:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def ingest_batch(
    server: Server,
    bucket: str,
    objects: list[tuple[str, int, str]],
    timeout: float,
    per_request: int = 1,
) -> IngestRun:
    """Post an event per (key, size, etag), ``per_request`` records to a signed request as the
    Lambda posts an SQS batch, and wait until every job ended and its song was pushed live.

    The clock runs from the first POST to the latest of the last webhook answer, the last job's
    finished_at and the last song.added message on the websocket (wall-clock times, one machine).
    """
    records = [object_record(bucket, key, size=size, etag=etag) for key, size, etag in objects]
    poster = WebhookPoster(server)
    try:
        return _ingest_run(
            server,
            {key for key, _, _ in objects},
            lambda: poster.post_all(records, per_request),
            timeout,
            requests=-(-len(records) // per_request),
        )
    finally:
        poster.close()


def start_watcher(workspace: Workspace, server: Server, timeout: float = 60) -> subprocess.Popen:
    """Start `manage.py watch_media` on the server's media folder, as `make run` does, and
    return once it watches."""
    name = f"watch-{server.name}"
    child = workspace.start(
        name,
        [python(), "manage.py", "watch_media", "--webhook", server.url + WEBHOOK_PATH],
        django_env(server.database, server.media_root),
    )
    deadline = time.monotonic() + timeout
    while "Watching" not in workspace.tail(name):
        if child.poll() is not None or time.monotonic() > deadline:
            raise ChildFailed(f"{name} did not start watching\n{workspace.tail(name)}")
        time.sleep(0.05)
    return child


def ingest_copied(
    server: Server, watcher: subprocess.Popen, source: Path, keys: set[str], timeout: float
) -> IngestRun:
    """Copy the folder ``source`` into the server's watched media/music/ as a user does (`cp
    -r`), and wait until the job of every file in ``keys`` ended and its song was pushed live.

    The clock runs from the start of the copy to the last job's end or the last song.added;
    ``posting_seconds`` is the copy's own time; the server's figures add the CPU time the
    ``watcher`` process took meanwhile.
    """
    target = server.media_root / "music"
    target.mkdir(parents=True, exist_ok=True)
    watching = psutil.Process(watcher.pid)
    before = sum(watching.cpu_times()[:2])
    run = _ingest_run(
        server,
        keys,
        lambda: subprocess.run(["cp", "-r", f"{source}/.", str(target)], check=True),
        timeout,
        requests=0,
    )
    run.server["watcher_cpu_seconds"] = sum(watching.cpu_times()[:2]) - before
    return run


def _ingest_run(
    server: Server, keys: set[str], deliver: Callable[[], object], timeout: float, requests: int
) -> IngestRun:
    listener, live_note = open_listener(server)
    counts = server.job_counts()
    before, done_before = sum(counts.values()), counts.get("done", 0)
    watch = ProcessWatch(server.pid)
    try:
        started = time.time()
        deliver()
        posted = time.time()
        deadline = time.monotonic() + timeout
        while True:
            counts = server.job_counts()
            if sum(counts.get(status, 0) for status in FINISHED) >= before + len(keys):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{server.name}: jobs still unfinished after {timeout:.0f} s")
            time.sleep(0.05)
        done = counts.get("done", 0) - done_before
        if listener is not None and not listener.wait_for(done, timeout=30):
            live_note = (
                f"only {len(listener.arrivals)} of {done} new songs arrived "
                f"({listener.error or 'timed out'})"
            )
    finally:
        figures = watch.stop()
        if listener is not None:
            listener.close()
    mine = [row for row in server.job_rows() if row[0] in keys]
    ended = max([posted] + [_parse_time(row[5]) for row in mine if row[5]])
    if listener is not None and listener.arrivals:
        ended = max(ended, listener.arrivals[-1][0])
    statuses: dict[str, int] = {}
    for _, status, *_ in mine:
        statuses[status] = statuses.get(status, 0) + 1
    failures = [f"{key}: {reason}" for key, status, reason, *_ in mine if status != "done"]
    job_seconds = sorted(
        _parse_time(finished) - _parse_time(began)
        for *_, began, finished in mine
        if began and finished
    )
    return IngestRun(
        songs=len(keys),
        seconds=ended - started,
        posting_seconds=posted - started,
        requests=requests,
        statuses=statuses,
        live_messages=len(listener.arrivals) if listener is not None else None,
        failures=failures,
        live_note=live_note,
        server=figures,
        job_seconds_p50=job_seconds[len(job_seconds) // 2],
        job_seconds_p95=job_seconds[max(0, round(0.95 * len(job_seconds)) - 1)],
    )


def live_latencies(
    server: Server, bucket: str, objects: list[tuple[str, int, str]], timeout: float = 10
) -> list[float]:
    """Post events one at a time to an idle server; return seconds from POST to song.added."""
    listener, note = open_listener(server)
    if listener is None:
        raise RuntimeError(note)
    poster = WebhookPoster(server, clients=1)
    latencies = []
    try:
        for index, (key, size, etag) in enumerate(objects, start=1):
            sent = poster.post([object_record(bucket, key, size=size, etag=etag)])
            if not listener.wait_for(index, timeout):
                raise TimeoutError(f"no song.added for {key} within {timeout:.0f} s")
            latencies.append(listener.arrivals[index - 1][0] - sent)
    finally:
        poster.close()
        listener.close()
    return latencies
