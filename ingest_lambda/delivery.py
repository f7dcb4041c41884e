"""POST records to the webhook, signed, retrying what a retry can mend.

The body is signed with HMAC-SHA256 over ``"<timestamp>." + body``, as ``ingest/signing.py``
checks it. Transient failures (the webhook down, slow, or busy) are retried with capped,
jittered backoff within the invocation's remaining time; anything else is raised at once.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import random
import time
import urllib.error
import urllib.request
from typing import Any

from ingest_lambda.config import Settings

logger = logging.getLogger(__name__)

USER_AGENT = "spotify-ingest-lambda/1"
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# A jobs list for a full request (about 1,000 records) is some 500 KB.
RESPONSE_BODY_LIMIT = 4 * 1024 * 1024

# Tests replace this to retry without waiting.
sleep = time.sleep


class WebhookDeliveryError(Exception):
    """The webhook did not accept the events after all allowed attempts."""

    def __init__(
        self, message: str, *, status: int | None = None, attempts: int = 0, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
        self.detail = detail


def encode(payload: Any) -> bytes:
    """Return ``payload`` as the compact JSON bytes a request body carries."""
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """Return the ``X-Ingest-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_with_retries(
    records: list[dict[str, Any]], settings: Settings, deadline: float | None
) -> Any:
    """POST ``records`` in one body, retrying transient failures with jittered backoff.

    Return the webhook's answer parsed as JSON (None when it is not JSON).
    """
    body = encode({"Records": records})
    attempt = 0
    while True:
        attempt += 1
        timeout = settings.timeout_seconds
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                raise WebhookDeliveryError(
                    "out of time before the webhook answered", attempts=attempt - 1
                )
        try:
            status, answer = _post(body, settings, timeout)
        except _TransientError as exc:
            if attempt >= settings.max_attempts:
                raise WebhookDeliveryError(
                    f"webhook failed after {attempt} attempts: {exc}",
                    status=exc.status,
                    attempts=attempt,
                ) from exc
            delay = _backoff(attempt, exc.retry_after)
            if deadline is not None and time.monotonic() + delay >= deadline:
                raise WebhookDeliveryError(
                    f"out of time after {attempt} attempts: {exc}",
                    status=exc.status,
                    attempts=attempt,
                ) from exc
            logger.warning("webhook attempt %d failed (%s); retrying in %.2fs", attempt, exc, delay)
            sleep(delay)
            continue
        except _PermanentError as exc:
            raise WebhookDeliveryError(
                f"webhook refused the events: {exc}",
                status=exc.status,
                attempts=attempt,
                detail=exc.detail,
            ) from exc
        jobs = answer.get("jobs") if isinstance(answer, dict) else None
        logger.info(
            "forwarded %d record(s) to the webhook: HTTP %d, %s job(s)",
            len(records),
            status,
            len(jobs) if isinstance(jobs, list) else "?",
        )
        return answer


class _TransientError(Exception):
    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class _PermanentError(Exception):
    def __init__(self, message: str, status: int, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would replay a POST as a bodiless GET and lose the events."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(body: bytes, settings: Settings, timeout: float) -> tuple[int, Any]:
    """POST ``body`` once; return (status, parsed answer) or raise a transient/permanent error."""
    timestamp = int(time.time())
    request = urllib.request.Request(
        settings.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Ingest-Timestamp": str(timestamp),
            "X-Ingest-Signature": sign(settings.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, _parse_answer(response.read(RESPONSE_BODY_LIMIT))
    except urllib.error.HTTPError as exc:
        with exc:
            text = exc.read(2000).decode("utf-8", "replace").strip()
        answer = _parse_answer(text.encode())
        detail = answer.get("detail") if isinstance(answer, dict) else None
        detail = detail if isinstance(detail, str) else text
        message = f"HTTP {exc.code} {text[:500]}".strip()
        if exc.code in (408, 429) or exc.code >= 500:
            raise _TransientError(message, exc.code, _retry_after(exc.headers)) from exc
        if 300 <= exc.code < 400:
            message += f" (redirected to {exc.headers.get('Location')}; use the final URL)"
        raise _PermanentError(message, exc.code, detail) from exc
    except (OSError, http.client.HTTPException) as exc:
        # URLError (refused, DNS), timeouts and dropped connections are all worth another try.
        raise _TransientError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Return the delay before the next attempt: capped exponential with equal jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return delay


def _retry_after(headers: Any) -> float | None:
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return None


def _parse_answer(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
