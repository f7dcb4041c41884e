"""A request body over its address's limit is refused by the server before it is stored.

Twisted, under daphne, receives a whole body before the application starts: a body over
100,000 bytes goes to a temporary file, and only then does Django see the request, refuse an
anonymous upload or check a webhook's size. Anyone could post as much as the proxy in front
lets through (nginx's `client_max_body_size`) to any address, signed in or not, and fill the
server's temporary folder. So the server now reads the request's address and its declared
length (or counts a chunked body) and answers 413 at once when the body is over what that
address takes:

- the store's webhook: INGEST_MAX_EVENT_BYTES;
- the upload API on local storage: INGEST_MAX_FILE_BYTES, and room for the form's own fields,
  and a body over REQUEST_MAX_BODY_BYTES only from a client the site says may upload
  (spotify/upload_gate.py); on S3 the file goes to the bucket, and the API takes its name;
- the admin, where curators may add cover images: INGEST_MAX_TAG_BYTES and that room;
- every other address (forms, the REST and Subsonic APIs): REQUEST_MAX_BODY_BYTES, above
  what Django itself takes in form fields and JSON (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).

A refused body is read and thrown away, not stored, for at most LINGER_SECONDS: a client that
sends its whole body before it reads the answer still gets the answer, not a reset connection.
"""

import functools
import json
import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from twisted.internet import reactor, threads

from spotify import upload_gate

logger = logging.getLogger(__name__)

# A multipart body carries the file and its part headers, boundaries and any other field.
FORM_SLACK_BYTES = 64 * 1024
LINGER_SECONDS = 30


@dataclass(frozen=True)
class Rule:
    """What an address takes: bodies up to ``limit`` bytes; with ``ask_first``, one larger
    than REQUEST_MAX_BODY_BYTES only from a client the site says may send it
    (spotify/upload_gate.py)."""

    limit: int
    ask_first: bool = False


def _rules_by_view_name() -> dict[str, Rule]:
    """The addresses that take more than REQUEST_MAX_BODY_BYTES, by URL name or namespace."""
    rules = {
        "ingest-events": Rule(settings.INGEST_MAX_EVENT_BYTES),
        # Curators' cover images: as large as a file's tags may hold one.
        "admin": Rule(settings.INGEST_MAX_TAG_BYTES + FORM_SLACK_BYTES),
    }
    # On S3 the browser sends the file to the bucket itself: the API takes only its name.
    if not settings.AWS_STORAGE_BUCKET_NAME:
        rules["uploads"] = Rule(settings.INGEST_MAX_FILE_BYTES + FORM_SLACK_BYTES, ask_first=True)
    return rules


def rule_for(target: bytes) -> Rule:
    """Return the rule for a request body to ``target`` (the request line's path and query)."""
    path = _path(target)
    names = _view_names(path) if len(path) <= KEPT_PATH_CHARS else _resolved_names(path)
    rules = _rules_by_view_name()
    for name in names:
        if name in rules:
            return rules[name]
    return Rule(settings.REQUEST_MAX_BODY_BYTES)


def _path(target: bytes) -> str:
    return unquote(urlsplit(target.decode("latin-1")).path)


# Resolving walks the site's URL patterns in turn (about 0.2 ms, a twentieth of a webhook
# request's CPU in daphne, measured): the names of the paths seen lately are kept, short paths
# only, so that no client can make the server keep much.
KEPT_PATHS = 1024
KEPT_PATH_CHARS = 200


def _resolved_names(path: str) -> tuple[str, ...]:
    """Return the URL name and namespaces of the view at ``path``; () when none answers it."""
    try:
        match = resolve(path)
    except Resolver404:
        return ()
    return (match.url_name, *match.namespaces)


_view_names = functools.lru_cache(maxsize=KEPT_PATHS)(_resolved_names)


@receiver(setting_changed)
def _forget_view_names(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _view_names.cache_clear()


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


def _refuse(request, answer: bytes, why: str) -> None:
    """Answer ``answer`` at once, and throw the body away as it comes."""
    request.refused_body = True
    # Twisted would otherwise invite the body (100 Continue) after the answer.
    request.requestHeaders.removeHeader(b"expect")
    content = getattr(request, "content", None)
    if content is not None:
        content.close()  # a temporary file: deleted
    request.content = _Discarded()
    channel = request.channel
    channel.transport.write(answer)
    logger.info("%s (from %s)", why, getattr(channel.transport.getPeer(), "host", "?"))
    request.linger = reactor.callLater(LINGER_SECONDS, _close, channel)


def _too_large(request, target: bytes, limit: int) -> None:
    why = f"413 {target.decode('latin-1')[:200]}: the body is over {limit} bytes"
    _refuse(request, refusal(target, limit), why)


def _ask_first(request, target: bytes) -> None:
    """Read no more of the body until the site says the client may send it (upload_gate)."""
    request.asking = True
    expect = request.requestHeaders.getRawHeaders(b"expect") or [b""]
    request.requestHeaders.removeHeader(b"expect")  # sent once the site said yes
    transport = request.channel.transport
    transport.pauseProducing()
    asked = threads.deferToThread(
        upload_gate.ask,
        _path(target),
        list(request.requestHeaders.getAllRawHeaders()),
        getattr(transport.getPeer(), "host", ""),
    )
    asked.addBoth(_answered, request, target, expect[0].lower() == b"100-continue")


def _answered(answer, request, target: bytes, invited: bool) -> None:
    request.asking = False
    channel = request.channel
    if channel.transport is None or not channel.transport.connected:
        return  # the client went away meanwhile
    if not isinstance(answer, upload_gate.Answer):  # a Failure: the site could not answer
        logger.error("could not ask whether %s may upload: %s", target, answer)
        detail = json.dumps({"detail": "The server could not check who is uploading."})
        answer = upload_gate.Answer(503, [("Content-Type", "application/json")], detail.encode())
    if request.refused_body:
        pass  # a chunked body went over its limit meanwhile: answered already (413)
    elif answer.allowed:
        if invited:
            channel._send100Continue()
    else:
        why = f"{answer.status} {target.decode('latin-1')[:200]}: not taken from this client"
        _refuse(request, answer.http(), why)
    channel.transport.resumeProducing()
    held, request.held = request.held, None
    if held:  # the whole body came before the answer
        request.requestReceived(*held)


def _close(channel) -> None:
    if channel.transport is not None and channel.transport.connected:
        channel.loseConnection()


def checking_length(got_length):
    """Wrap twisted's Request.gotLength: refuse a declared length over the address's limit."""

    def gotLength(self, length):
        # The request's state for the hooks below (twisted calls this first, HTTP/1 and 2).
        self.refused_body = self.asking = False
        self.body_received = 0
        self.held = None
        target = getattr(self.channel, "_path", None)  # HTTP/1.1's request line; None in HTTP/2
        rule = rule_for(target) if target is not None and length != 0 else None
        self.body_limit = rule.limit if rule else None
        if rule and length is not None and length > rule.limit:
            _too_large(self, target, rule.limit)
            return None
        got = got_length(self, length)
        # A body small enough for any address is left to the application to check.
        large = length is None or length > settings.REQUEST_MAX_BODY_BYTES
        if rule and rule.ask_first and large:
            _ask_first(self, target)
        return got

    return gotLength


def counting_chunks(handle_content_chunk):
    """Wrap twisted's Request.handleContentChunk: refuse a chunked body once it goes over."""

    def handleContentChunk(self, data):
        if self.refused_body:
            return None
        self.body_received += len(data)
        if self.body_limit is not None and self.body_received > self.body_limit:
            _too_large(self, self.channel._path, self.body_limit)
            return None
        return handle_content_chunk(self, data)

    return handleContentChunk


def answering_refused(request_received):
    """Wrap twisted's Request.requestReceived: a refused request, its body read, goes no
    further than its answer: the connection closes."""

    def requestReceived(self, command, path, version):
        if self.asking:
            self.held = (command, path, version)  # taken up once the site answered
            return None
        if not self.refused_body:
            return request_received(self, command, path, version)
        if self.linger.active():
            self.linger.cancel()
        _close(self.channel)
        return None

    return requestReceived
