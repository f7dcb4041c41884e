"""Fixtures for the Lambda tests: a real HTTP webhook on localhost and the Lambda's environment.

Nothing here imports Django, so these tests run with ``-p no:django`` and the fake webhook can be
reused by tests that need a stand-in for the server.
"""

import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

import pytest

from ingest_lambda import delivery

WEBHOOK_PATH = "/api/v1/ingest/events/"
SECRET = "lambda-test-secret"


@dataclass(frozen=True)
class Reply:
    """A scripted answer from the fake webhook."""

    status: int = 202
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    answer: dict | None = None  # the JSON body, instead of the webhook's own


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the fake webhook saw it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        """Return the body parsed as JSON."""
        return json.loads(self.body)


class FakeWebhook:
    """Record every request and answer with scripted replies, else as the real webhook does.

    The real webhook answers 202 with one job per record (naming its bucket and key), 400 naming
    the first record it cannot read (here: a sequencer that is not hexadecimal), and 413 for a
    body over its ``INGEST_MAX_EVENT_BYTES`` (here: ``max_body_bytes``).
    """

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.replies: deque[Reply] = deque()
        self.max_body_bytes = 1024 * 1024
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_request_handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        """Return the URL the Lambda should post to."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{WEBHOOK_PATH}"

    def script(self, *replies: int | Reply) -> None:
        """Queue replies (status codes or ``Reply``) for the next requests."""
        self.replies.extend(r if isinstance(r, Reply) else Reply(status=r) for r in replies)

    def next_reply(self, request: ReceivedRequest) -> Reply:
        """Record ``request`` and return the reply it gets."""
        with self.lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return self.answer(request)

    def answer(self, request: ReceivedRequest) -> Reply:
        """Answer as the real webhook would."""
        if len(request.body) > self.max_body_bytes:
            return Reply(413, answer={"detail": f"the event body is over {self.max_body_bytes}"})
        records = request.json()["Records"]
        for index, record in enumerate(records):
            if not re.fullmatch(r"[0-9A-Fa-f]{1,64}", record["s3"]["object"].get("sequencer", "0")):
                detail = f"Records[{index}].s3.object.sequencer must be a hexadecimal string"
                return Reply(400, answer={"detail": detail})
        return Reply(202, answer=accepted_answer(records))


def accepted_answer(records: list[dict]) -> dict:
    """Return the webhook's 202 answer: one job per record, naming its bucket and key."""
    jobs = [
        {
            "id": number,
            "bucket": record["s3"]["bucket"]["name"],
            "key": unquote_plus(record["s3"]["object"]["key"]),
            "event_name": record["eventName"],
            "status": "pending",
        }
        for number, record in enumerate(records, start=1)
    ]
    return {"jobs": jobs, "ignored": 0}


def _make_request_handler(webhook: FakeWebhook) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = ReceivedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            reply = webhook.next_reply(request)
            if reply.delay:
                threading.Event().wait(reply.delay)
            if reply.answer is not None:
                answer = reply.answer
            elif 200 <= reply.status < 300:
                answer = accepted_answer(request.json()["Records"])
            else:
                answer = {"detail": f"scripted {reply.status}"}
            payload = json.dumps(answer).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    return RequestHandler


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    """Run a fake webhook on 127.0.0.1 for the duration of a test."""
    fake = FakeWebhook()
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the handler's backoff delays instead of sleeping."""
    delays: list[float] = []
    monkeypatch.setattr(delivery, "sleep", delays.append)
    return delays


@pytest.fixture(autouse=True)
def lambda_env(monkeypatch: pytest.MonkeyPatch, webhook: FakeWebhook, sleeps: list[float]) -> None:
    """Configure the Lambda for the fake webhook, without proxies or host-level overrides."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    for name in (
        "INGEST_MAX_ATTEMPTS",
        "INGEST_TIMEOUT_SECONDS",
        "INGEST_AUDIO_EXTENSIONS",
        "INGEST_MAX_BYTES",
        "INGEST_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INGEST_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("INGEST_SECRET", SECRET)
