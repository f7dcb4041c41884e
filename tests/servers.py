"""The production-shaped ASGI server (daphne) in a subprocess, for the end-to-end tests."""

import logging
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.support import free_port, wait_for

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DAPHNE = Path(sys.executable).with_name("daphne")
STARTUP_TIMEOUT = 30.0
LOG_TAIL_CHARS = 6000
# One channel-layer and cache prefix per test session: servers of this run hear each other over
# Redis, and nothing from another run sharing the same Redis database (the sign-in limiter's
# counts of an earlier run's wrong passwords would otherwise slow this run's sign-ins down).
CHANNELS_PREFIX = f"e2e-{uuid.uuid4().hex[:12]}"
CACHE_PREFIX = f"e2e-cache-{uuid.uuid4().hex[:12]}"
# The servers' own configuration comes from server_environment(), never from the caller's shell.
OWN_VARIABLES = (
    "AWS_",
    "CACHE_",
    "CHANNELS_",
    "DATABASE_",
    "DJANGO_",
    "INGEST_",
    "MEDIA_",
    "REDIS_",
    "REQUEST_",
    "TASKS_",
    "WHITENOISE_",
)

_running: list["AsgiServer"] = []


@dataclass
class AsgiServer:
    """A daphne process serving spotify.asgi:application on 127.0.0.1."""

    name: str
    url: str
    media_root: Path
    bucket: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/v1/ingest/events/"

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        """Return the end of what the server wrote to stdout and stderr."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-chars:]

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it does not end within 10 s."""
        if self in _running:
            _running.remove(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                logger.warning("daphne %s ignored SIGTERM; killing it", self.name)
                self.process.kill()
                self.process.wait(timeout=10)


def running_servers() -> list[AsgiServer]:
    """Return the servers started and not yet stopped."""
    return list(_running)


def server_environment(database_url: str, media_root: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a server subprocess: plain HTTP, production settings otherwise."""
    from django.conf import settings

    env = {name: value for name, value in os.environ.items() if not name.startswith(OWN_VARIABLES)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "spotify.settings",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media_root),
            "TASKS_MODE": "thread",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "e2e-not-for-production",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SESSION_COOKIE_SECURE": "0",
            "DJANGO_CSRF_COOKIE_SECURE": "0",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_STATIC_MANIFEST": "0",
            "WHITENOISE_USE_FINDERS": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_LOG_LEVEL": "INFO",
            "INGEST_SECRET": settings.INGEST_SECRET,
            "CHANNELS_PREFIX": CHANNELS_PREFIX,
            "CACHE_PREFIX": CACHE_PREFIX,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(extra)
    return env


def run_asgi_server(name: str, env: dict[str, str], log_path: Path) -> AsgiServer:
    """Start daphne with ``env`` and return once it answers HTTP; fail with its log if it cannot."""
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "spotify.asgi:application"],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = AsgiServer(
            name=name,
            url=url,
            media_root=Path(env["MEDIA_ROOT"]),
            bucket=env.get("AWS_STORAGE_BUCKET_NAME") or "local",
            log_path=log_path,
            process=process,
        )
        _running.append(server)
        try:
            wait_for(
                lambda server=server: _answers_or_ended(server),
                timeout=STARTUP_TIMEOUT,
                failure=lambda server=server: (
                    f"daphne {name} did not answer on {server.url}:\n" + server.log_tail()
                ),
            )
        except BaseException:
            server.stop()
            raise
        if process.poll() is None:
            break
        server.stop()
        if "Address already in use" not in server.log_tail():
            pytest.fail(
                f"daphne {name} exited with {process.returncode}:\n{server.log_tail()}",
                pytrace=False,
            )
        logger.info("port %d was taken before daphne %s bound it; trying another", port, name)
    else:
        pytest.fail(f"daphne {name} found no free port:\n{server.log_tail()}", pytrace=False)
    answer = requests.get(f"{server.url}/api/v1/songs/", timeout=10)
    if answer.status_code != 200:
        server.stop()
        pytest.fail(
            f"daphne {name} answered GET /api/v1/songs/ with {answer.status_code}:\n"
            + server.log_tail(),
            pytrace=False,
        )
    return server


def _answers_or_ended(server: AsgiServer) -> bool:
    if server.process.poll() is not None:
        return True
    try:
        requests.get(f"{server.url}/static/css/app.css", timeout=2)
    except requests.ConnectionError:
        return False
    return True
