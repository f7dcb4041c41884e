"""A lean ASGI path for the store's webhook: a signed batch of events recorded as jobs.

The webhook is the busiest door of the site during an import (a request per SQS batch), and
what it needs is small: the body, its signature, the events, one insert. Through Django's
request handling each request also cost its signals, a thread started for it and the whole
middleware chain, about three times the work of recording the events. IngestWebhook answers a
well-formed, well-signed POST itself, with the body, status and headers the REST view would
send (docs/api.md); anything else (a bad signature, a body that is not an S3 notification,
one over INGEST_MAX_EVENT_BYTES, another host, plain HTTP to be redirected) goes to the whole
application with its body replayed, which answers it as before.
"""

import json
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.http import HttpResponse
from django.http.request import HttpHeaders
from rest_framework.renderers import JSONRenderer

from catalog.lean_http import allowed_host, encoded, headers_of, is_secure, middleware_headers
from ingest import tasks
from ingest.api.views import job_serializer
from ingest.events import InvalidEvent, check_s3_notification
from ingest.signing import SignatureInvalid, SignatureMissing, check_ingest_auth

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/ingest/events/"
# What the REST framework adds to the view's answer.
API_HEADERS = {"Vary": "Accept", "Allow": "POST, OPTIONS"}
PLAIN_ACCEPT = (b"*/*", b"application/json")


class IngestWebhook:
    """The site's HTTP application with the store's webhook answered on the lean path."""

    def __init__(self, app):
        self.app = app
        self.policies: dict[bool, dict[str, str]] = {}
        setting_changed.connect(self._settings_changed)

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != WEBHOOK_PATH
            or scope.get("query_string")
        ):
            return await self.app(scope, receive, send)
        body, complete, ended = await _read_body(receive, settings.INGEST_MAX_EVENT_BYTES)
        if ended:
            return None  # the client went away
        replay = _replaying(body, complete, receive)
        headers = headers_of(scope)
        secure = is_secure(scope, headers)
        if (
            not complete
            or not allowed_host(headers.get(b"host"))
            or (settings.SECURE_SSL_REDIRECT and not secure)
            # Another answer than plain JSON asked for (an indent, the browsable API).
            or headers.get(b"accept", b"*/*") not in PLAIN_ACCEPT
        ):
            return await self.app(scope, replay, send)
        answer = await sync_to_async(_accept, thread_sensitive=False)(headers, body)
        if answer is None:
            return await self.app(scope, replay, send)
        content = JSONRenderer().render(answer)
        fields = {
            "Content-Type": "application/json",
            **self._policy(secure),
            "Content-Length": str(len(content)),
        }
        await send({"type": "http.response.start", "status": 202, "headers": encoded(fields)})
        await send({"type": "http.response.body", "body": content})
        return None

    def _policy(self, secure: bool) -> dict[str, str]:
        """Return the headers the site's middleware and the REST view add, once per scheme."""
        found = self.policies.get(secure)
        if found is None:
            response = HttpResponse(content_type="application/json")
            found = {**middleware_headers(secure, response), **API_HEADERS}
            found.pop("Content-Type", None)
            self.policies[secure] = found
        return found

    def _settings_changed(self, **kwargs) -> None:
        self.policies.clear()


async def _read_body(receive, limit: int) -> tuple[bytes, bool, bool]:
    """Read the request's body up to one byte past `limit`; return (body, whole, client gone)."""
    parts, size = [], 0
    while size <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False, True
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if not message.get("more_body", False):
            return b"".join(parts), size <= limit, False
    return b"".join(parts), False, False


def _replaying(body: bytes, complete: bool, receive):
    """Return a receive that gives the body read so far again, then the rest as it comes."""
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replay


def _accept(headers: dict[bytes, bytes], body: bytes) -> dict | None:
    """Record a signed notification's events as jobs and return the answer's data; None when
    the request is not one the lean path answers (the whole application then says why)."""
    meta = {
        "HTTP_" + name.decode("latin-1").upper().replace("-", "_"): value.decode("latin-1")
        for name, value in headers.items()
    }
    # Connections opened and closed as around a request (DATABASE_CONN_MAX_AGE, the pool).
    close_old_connections()
    try:
        try:
            check_ingest_auth(
                HttpHeaders(meta), body, settings.INGEST_SECRET, settings.INGEST_SIGNATURE_MAX_AGE
            )
            object_events, ignored = check_s3_notification(json.loads(body))
        except (SignatureMissing, SignatureInvalid, InvalidEvent, ValueError, RecursionError):
            return None
        jobs = tasks.queue_ingest_events(object_events)
        shape = job_serializer().to_representation
        return {"jobs": [shape(job) for job in jobs], "ignored": ignored}
    finally:
        close_old_connections()
