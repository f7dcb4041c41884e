"""Helpers for the end-to-end tests: free ports and bounded waits that fail with a reason."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

# Debian's Chromium as DEVELOPERS.md asks: no sandbox (root in CI), nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for[T](
    probe: Callable[[], T],
    *,
    timeout: float,
    failure: Callable[[], str],
    interval: float = 0.1,
) -> T:
    """Call ``probe`` until it returns something truthy and return that; fail after ``timeout``.

    ``failure`` builds the message only when the wait gives up, so it may query the database or
    read a server's log to say why.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"gave up after {timeout:g} s: {failure()}", pytrace=False)
        time.sleep(interval)


def settings_value(expression: str, **env: str) -> str:
    """Return str() of an expression over `settings`, in a new process with these variables.

    Settings are read once, from the environment, at start: a new process is how a test sees
    what a deployment's variables make of them. EMAIL_HOST is dropped unless given.
    """
    environment = {name: value for name, value in os.environ.items() if name != "EMAIL_HOST"}
    environment.update(env)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    run = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return run.stdout.strip().splitlines()[-1]


def http_scope(
    method: str, path: str, headers: list[tuple[bytes, bytes]] = (), host: bytes = b"localhost"
) -> dict:
    """Return the ASGI scope of a plain-HTTP request from a local client (a query after "?")."""
    path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", host), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def asgi_answer(communicator, timeout: float = 10) -> dict:
    """Read an ASGI app's whole HTTP answer from a communicator the request was sent to;
    return its status, headers and body."""
    start = await communicator.receive_output(timeout)
    body = b""
    while True:
        message = await communicator.receive_output(timeout)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout)
    return {"status": start["status"], "headers": start["headers"], "body": body}


def curator_session_cookie(server, username: str = "curator") -> dict:
    """Sign a curator (may add songs, not staff) in on the shared database; return the session
    cookie, as a browser context takes it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    curator = get_user_model().objects.create_user(username, password="not-used-here-123")
    curator.user_permissions.add(Permission.objects.get(codename="add_song"))
    client = Client()
    client.force_login(curator)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": server.url}


def curator_api(base_url: str, username: str = "cora") -> requests.Session:
    """Make a curator and return an HTTP session signed in as them with an API token."""
    from accounts.tests.factories import CuratorFactory

    CuratorFactory(username=username)
    api = requests.Session()
    token = api.post(
        f"{base_url}/api/v1/auth/token/",
        json={"username": username, "password": "a-long-pass-phrase"},
        timeout=10,
    ).json()["token"]
    api.headers["Authorization"] = f"Token {token}"
    return api


def post_head(
    base_url: str,
    path: str,
    length: int | None,
    kind: str = "application/json",
    extra: str = "",
    body: bytes = b"",
) -> bytes:
    """POST a request's head to the server at ``base_url``, declaring ``length`` bytes of body
    (None: a chunked body; ``extra``: more header lines), and send only ``body`` of it (the
    chunks as they go on the wire, when chunked); return what the server answers."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
        f"Content-Type: {kind}\r\n{framing}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head.encode() + body)
        return read_answer(connection)


def read_answer(connection: socket.socket) -> bytes:
    """Return the first answer on the connection: its head and its Content-Length of body (or
    a 100 Continue's head); what came if the server stops answering first."""
    answer = b""
    while True:
        head, found, content = answer.partition(b"\r\n\r\n")
        if found and head.startswith(b"HTTP/1.1 100"):
            return answer
        length = re.search(rb"\r\nContent-Length: (\d+)", head)
        if found and length and len(content) >= int(length[1]):
            return answer
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            return answer  # the server kept waiting for the body
        if not chunk:
            return answer
        answer += chunk


def ended_job(server, key: str, timeout: float = 60):
    """Wait until the ingest job of ``key`` ended on ``server``; return it. A test that leaves
    a job running would have the database emptied under it."""
    from ingest.models import IngestJob

    return wait_for(
        lambda: (
            IngestJob.objects.filter(key=key).exclude(status__in=["pending", "running"]).first()
        ),
        timeout=timeout,
        failure=server.log_tail,
    )
