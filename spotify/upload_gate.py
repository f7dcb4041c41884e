"""Whether a client may upload, asked before the server takes an upload's body.

An upload to local storage may be as large as INGEST_MAX_FILE_BYTES (2 GiB), and twisted, then
Django, read a body whole before the view asks who is posting: anyone could make the server
store that much a request. So before it reads a large upload's body, the server asks the site
itself what a GET of the same address answers with the same credentials (cookies, token), as
nginx's auth_request does in front of it (docs/deployment.md): 200 to whoever may upload,
401 or 403 to anyone else. The question goes through Django's whole request handling
(sessions, authentication, throttles), in a thread, as any request would.
"""

import io
import sys
from dataclasses import dataclass
from http import HTTPStatus

from django.core.handlers.wsgi import WSGIHandler

# A body's own headers, and what would invite it: not part of the question.
LEFT_OUT = {b"content-length", b"content-type", b"transfer-encoding", b"expect"}
# Of the answer: what a refused client needs to know why, and where to go.
PASSED_ON = {"content-type", "www-authenticate", "location", "retry-after"}

_site: WSGIHandler | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def allowed(self) -> bool:
        return 200 <= self.status < 300

    def http(self) -> bytes:
        """The answer as the refused client gets it: HTTP/1.1, and the connection closes."""
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Refused"
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in self.headers if name.lower() in PASSED_ON]
        lines += [f"Content-Length: {len(self.body)}", "Connection: close", "", ""]
        return "\r\n".join(lines).encode("latin-1") + self.body


def ask(path: str, headers: list[tuple[bytes, list[bytes]]], client: str) -> Answer:
    """Return what the site answers a GET of ``path`` sent with ``headers`` from ``client``."""
    global _site
    if _site is None:
        _site = WSGIHandler()  # loads the middleware once
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": client,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, values in headers:
        if name.lower() not in LEFT_OUT:
            key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
            joined = "; " if name.lower() == b"cookie" else ","
            environ[key] = joined.join(value.decode("latin-1") for value in values)
    started: list = []

    def start_response(status: str, response_headers, exc_info=None):
        started[:] = [int(status.split(" ", 1)[0]), response_headers]

    response = _site(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    status, response_headers = started
    return Answer(status, list(response_headers), body)
