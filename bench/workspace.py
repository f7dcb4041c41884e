"""The temporary folder, child processes and environment of one bench run.

Everything the run creates lives under one temporary folder, and every child process is
started here; `Workspace.close()` stops them and removes the folder, also after Ctrl+C.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

logger = logging.getLogger("bench")

REPO = Path(__file__).resolve().parent.parent
INGEST_SECRET = "bench-ingest-secret"
LOCAL_HOSTS = "127.0.0.1,localhost"

# Variables a developer's shell may set that would point a bench server elsewhere.
_OUTSIDE_SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "INGEST_THREADS",
    "INGEST_READ_PROCESSES",
    "INGEST_MAX_TAG_BYTES",
    "INGEST_JOB_TIMEOUT",
    "TRANSCODE_MAX_ENCODES",
    "TRANSCODE_MAX_WAITING",
    "TRANSCODE_CACHE_DIR",
    "TRANSCODE_CACHE_MAX_MB",
)


def django_env(database: Path, media_root: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a Django process of the bench: production-shaped, private.

    DEBUG is off (as in production) with explicit secrets, TLS switches off for plain HTTP on
    127.0.0.1, and the database and media folder are the bench's own.
    """
    env = {key: value for key, value in os.environ.items() if key not in _OUTSIDE_SETTINGS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "spotify.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production",
            "INGEST_SECRET": INGEST_SECRET,
            "DJANGO_ALLOWED_HOSTS": LOCAL_HOSTS,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SESSION_COOKIE_SECURE": "0",
            "DJANGO_CSRF_COOKIE_SECURE": "0",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_STATIC_MANIFEST": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "TASKS_MODE": "thread",
            "DATABASE_URL": f"sqlite:///{database}",
            "MEDIA_ROOT": str(media_root),
            "NO_PROXY": LOCAL_HOSTS,
            "no_proxy": LOCAL_HOSTS,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def setup_django(workspace: Workspace, name: str, media: str) -> None:
    """Configure Django in this process like the servers, on the bench's own database file
    (`name`.sqlite3) and media folder, with nothing of the shell's AWS or Redis settings."""
    env = django_env(workspace.folder("db") / f"{name}.sqlite3", workspace.folder(media))
    for key in [key for key in os.environ if key.startswith("AWS_") or key == "REDIS_URL"]:
        del os.environ[key]
    os.environ.update(env)
    import django

    django.setup()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChildFailed(RuntimeError):
    """A child process of the bench stopped or never answered; str() ends with its log."""


class Workspace:
    """A temporary folder and the child processes of one run; close() removes both."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="music-bench-"))
        self._children: list[tuple[str, subprocess.Popen, Path]] = []

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def folder(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def log_path(self, name: str) -> Path:
        return self.folder("logs") / f"{name}.log"

    def start(
        self, name: str, argv: list[str], env: dict[str, str], cwd: Path = REPO
    ) -> subprocess.Popen:
        """Start a child in its own session (so Ctrl+C reaches only us, and we stop it)."""
        log_path = self.log_path(name)
        with open(log_path, "ab") as log:
            child = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._children.append((name, child, log_path))
        return child

    def run(self, name: str, argv: list[str], env: dict[str, str], timeout: float) -> str:
        """Run a child to its end and return its output; raise ChildFailed if it fails."""
        child = self.start(name, argv, env)
        try:
            code = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(child)
            raise ChildFailed(
                f"{name} took longer than {timeout:.0f} s\n{self.tail(name)}"
            ) from None
        output = self.log_path(name).read_text(errors="replace")
        if code != 0:
            raise ChildFailed(f"{name} exited with {code}\n{self.tail(name)}")
        return output

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def wait_for_http(self, name: str, child: subprocess.Popen, url: str, timeout: float = 60):
        """Wait until `url` answers any HTTP status; raise ChildFailed if the child dies first."""
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise ChildFailed(f"{name} exited with {child.returncode}\n{self.tail(name)}")
            try:
                with opener.open(url, timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise ChildFailed(f"{name} did not answer {url} within {timeout:.0f} s\n{self.tail(name)}")

    def stop(self, child: subprocess.Popen) -> None:
        """Stop one child we started (and its session), politely first."""
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=5)

    def close(self) -> None:
        for _, child, _ in reversed(self._children):
            try:
                self.stop(child)
            except Exception:
                logger.exception("could not stop a child process (pid %s)", child.pid)
        self._children.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def raise_on_interrupt() -> None:
    """Make SIGINT and SIGTERM raise KeyboardInterrupt, so cleanup runs however we are stopped.

    SIGINT is set explicitly because a shell starts background jobs with it ignored.
    """

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def python() -> str:
    return sys.executable


def venv_script(name: str) -> str | None:
    """Return the path of a console script installed beside this Python, if there is one."""
    path = Path(sys.executable).with_name(name)
    return str(path) if path.exists() else shutil.which(name)
