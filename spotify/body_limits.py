"""A request body over its address's limit is refused by the server before it is stored.

Twisted, under daphne, receives a whole body before the application starts: a body over
100,000 bytes goes to a temporary file, and only then does Django see the request, refuse an
anonymous upload or check a webhook's size. Anyone could post as much as the proxy in front
lets through (nginx's `client_max_body_size`) to any address, signed in or not, and fill the
server's temporary folder. So the server now reads the request's address and its declared
length (or counts a chunked body) and answers 413 at once when the body is over what that
address takes:

- the store's webhook: INGEST_MAX_EVENT_BYTES;
- the upload API on local storage: INGEST_MAX_FILE_BYTES, and room for the form's own fields
  (on S3 the file goes to the bucket, and the API takes only its name);
- the admin, where curators may add cover images: INGEST_MAX_TAG_BYTES and that room;
- every other address (forms, the REST and Subsonic APIs): REQUEST_MAX_BODY_BYTES, above
  what Django itself takes in form fields and JSON (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).

A refused body is read and thrown away, not stored, for at most LINGER_SECONDS: a client that
sends its whole body before it reads the answer still gets the answer, not a reset connection.
"""

import json
import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from twisted.internet import reactor

logger = logging.getLogger(__name__)

# A multipart body carries the file and its part headers, boundaries and any other field.
FORM_SLACK_BYTES = 64 * 1024
LINGER_SECONDS = 30


def _limits_by_view_name() -> dict[str, int]:
    """The addresses that take more than REQUEST_MAX_BODY_BYTES, by URL name or namespace."""
    return {
        "ingest-events": settings.INGEST_MAX_EVENT_BYTES,
        # On S3 the browser sends the file to the bucket itself: here only its name.
        "uploads": (
            settings.REQUEST_MAX_BODY_BYTES
            if settings.AWS_STORAGE_BUCKET_NAME
            else settings.INGEST_MAX_FILE_BYTES + FORM_SLACK_BYTES
        ),
        # Curators' cover images: as large as a file's tags may hold one.
        "admin": settings.INGEST_MAX_TAG_BYTES + FORM_SLACK_BYTES,
    }


def body_limit(target: bytes) -> int:
    """Return how many bytes a request body to ``target`` (the request line's path and query)
    may hold."""
    path = unquote(urlsplit(target.decode("latin-1")).path)
    try:
        match = resolve(path)
    except Resolver404:
        return settings.REQUEST_MAX_BODY_BYTES
    limits = _limits_by_view_name()
    for name in (match.url_name, *match.namespaces):
        if name in limits:
            return limits[name]
    return settings.REQUEST_MAX_BODY_BYTES


def refusal(target: bytes, limit: int) -> bytes:
    """Return the whole HTTP answer to a body over ``limit``: JSON under the API, as the API's
    other errors are (spotify/api_errors.py), plain text elsewhere."""
    from spotify.api_errors import API_PREFIX  # which loads the REST framework's settings

    detail = f"The request body is over this address's limit of {limit:,} bytes."
    if target.startswith(API_PREFIX.encode()):
        kind = b"application/json"
        content = json.dumps({"detail": detail, "code": "payload_too_large"}).encode()
    else:
        kind, content = b"text/plain; charset=utf-8", detail.encode()
    return b"\r\n".join(
        [
            b"HTTP/1.1 413 Content Too Large",
            b"Content-Type: " + kind,
            b"Content-Length: " + str(len(content)).encode(),
            b"Connection: close",
            b"",
            content,
        ]
    )


class _Discarded:
    """Where a refused body goes: nowhere. Twisted writes the body's chunks to it."""

    closed = False

    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _refuse(request, target: bytes, limit: int) -> None:
    request.refused_body = True
    # Twisted would otherwise invite the body (100 Continue) after the answer.
    request.requestHeaders.removeHeader(b"expect")
    content = getattr(request, "content", None)
    if content is not None:
        content.close()  # a temporary file: deleted
    request.content = _Discarded()
    channel = request.channel
    channel.transport.write(refusal(target, limit))
    logger.info(
        "413 %s: the body is over %s bytes (from %s)",
        target.decode("latin-1")[:200],
        limit,
        getattr(channel.transport.getPeer(), "host", "?"),
    )
    request.linger = reactor.callLater(LINGER_SECONDS, _close, channel)


def _close(channel) -> None:
    if channel.transport is not None and channel.transport.connected:
        channel.loseConnection()


def checking_length(got_length):
    """Wrap twisted's Request.gotLength: refuse a declared length over the address's limit."""

    def gotLength(self, length):
        self.refused_body = False
        self.body_received = 0
        target = getattr(self.channel, "_path", None)  # HTTP/1.1's request line; None in HTTP/2
        self.body_limit = body_limit(target) if target is not None and length != 0 else None
        if self.body_limit is not None and length is not None and length > self.body_limit:
            _refuse(self, target, self.body_limit)
            return None
        return got_length(self, length)

    return gotLength


def counting_chunks(handle_content_chunk):
    """Wrap twisted's Request.handleContentChunk: refuse a chunked body once it goes over."""

    def handleContentChunk(self, data):
        if getattr(self, "refused_body", False):
            return None
        self.body_received = getattr(self, "body_received", 0) + len(data)
        limit = getattr(self, "body_limit", None)
        if limit is not None and self.body_received > limit:
            _refuse(self, self.channel._path, limit)
            return None
        return handle_content_chunk(self, data)

    return handleContentChunk


def answering_refused(request_received):
    """Wrap twisted's Request.requestReceived: a refused request, its body read, goes no
    further than its answer: the connection closes."""

    def requestReceived(self, command, path, version):
        if not getattr(self, "refused_body", False):
            return request_received(self, command, path, version)
        if self.linger.active():
            self.linger.cancel()
        _close(self.channel)
        return None

    return requestReceived
