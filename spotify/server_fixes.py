"""Four fixes to daphne's HTTP requests, installed when the ASGI application is imported.

**A failure after the response started cuts the connection.** ASGI servers abort such a
response (uvicorn and hypercorn close the connection), so the client sees a truncated
transfer: a transcode whose source fails mid-stream must not end as a short answer that looks
complete. daphne 4.2 instead tries to send a 500 page, which raises "HTTP response has already
been started" inside its application checker: the client hangs until it times out, and the
checker (which reaps finished applications and enforces timeouts) stops.

**Form bodies are not parsed by the server.** Twisted's request, which daphne's extends, reads
a whole multipart/form-data (or urlencoded) POST body into memory and parses it with the email
package before daphne hands the body on to the application unparsed, which is all daphne uses.
For any POST to any URL, signed in or not: 60 MB of upload took the server from 137 to 951 MB
and held every other request for 2.2 s; the 2 GB an upload may be would exhaust the memory.
Django parses the body itself, streaming it to a temporary file.

**A large body is read from its file as the application asks for it.** Twisted keeps a body
over 100,000 bytes in a temporary file, and daphne then put all of it on the application's
queue at once, in chunks of 8 KB: the server held every upload whole in memory until Django
had copied it out (60 MB grew the server by 71 MB). For a body over LAZY_BODY_BYTES the queue
now holds where each chunk lies in the file, and reads it when the application takes it.

**A body over its address's limit is refused before it is stored** (spotify/body_limits.py).
"""

import asyncio
import os
from dataclasses import dataclass
from functools import partial

from daphne.http_protocol import WebRequest
from daphne.server import Server

from spotify import body_limits

LAZY_BODY_BYTES = 1024 * 1024

_send_error_page = WebRequest.handle_exception
_request_init = WebRequest.__init__
_got_length = WebRequest.gotLength
_handle_content_chunk = WebRequest.handleContentChunk
_request_received = WebRequest.requestReceived


def _handle_exception(self, exception) -> None:
    if not self._response_started:
        _send_error_page(self, exception)
        return
    # The bytes already written are flushed, then the connection closes without the end of
    # the body (a chunked answer's last chunk): the client knows the answer is incomplete.
    self.channel.loseConnection()


def _init_without_form_parsing(self, *args, **kwargs) -> None:
    _request_init(self, *args, **kwargs)
    self._parsePOSTFormSubmission = False  # twisted.web.http.Request.requestReceived reads it


@dataclass(frozen=True)
class _Unread:
    offset: int
    length: int


class _BodyFromFile(asyncio.Queue):
    """One request's application queue, for a body that twisted keeps in a file: each body
    chunk daphne puts on it is kept as its place in the file, and read when taken."""

    def __init__(self, content) -> None:
        super().__init__()
        self._content = content
        self._put_at = 0

    def put_nowait(self, message: dict) -> None:
        if message.get("type") == "http.request" and message.get("body"):
            length = len(message["body"])
            message = {**message, "body": _Unread(self._put_at, length)}
            self._put_at += length
        super().put_nowait(message)

    async def get(self) -> dict:
        message = await super().get()
        body = message.get("body")
        if isinstance(body, _Unread):
            if self._content.closed:  # the request ended: its file is gone
                return {"type": "http.disconnect"}
            chunk = os.pread(self._content.fileno(), body.length, body.offset)
            message = {**message, "body": chunk}
        return message


def _body_file(protocol):
    """Return the file holding the request's body when it is worth reading lazily, else None."""
    content = getattr(protocol, "content", None)
    try:
        return content if os.fstat(content.fileno()).st_size > LAZY_BODY_BYTES else None
    except (AttributeError, OSError, ValueError):  # in memory (BytesIO), or closed
        return None


_create_application = Server.create_application


def _create_application_reading_lazily(self, protocol, scope):
    content = _body_file(protocol) if scope.get("type") == "http" else None
    if content is None:
        return _create_application(self, protocol, scope)
    # daphne's Server.create_application, with the queue above.
    assert "application_instance" not in self.connections[protocol]
    input_queue = _BodyFromFile(content)
    scope.setdefault("asgi", {"version": "3.0"})
    application_instance = self.application(
        scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
    )
    if protocol not in self.connections:
        return None
    self.connections[protocol]["application_instance"] = asyncio.ensure_future(
        application_instance, loop=asyncio.get_event_loop()
    )
    return input_queue


def install() -> None:
    """Patch daphne once; harmless to call again."""
    WebRequest.handle_exception = _handle_exception
    WebRequest.__init__ = _init_without_form_parsing
    Server.create_application = _create_application_reading_lazily
    WebRequest.gotLength = body_limits.checking_length(_got_length)
    WebRequest.handleContentChunk = body_limits.counting_chunks(_handle_content_chunk)
    WebRequest.requestReceived = body_limits.answering_refused(_request_received)
