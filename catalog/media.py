"""Serve stored files to players: HTTP ranges from local storage, presigned redirects on S3.

Files are sent a chunk at a time, never read whole. Under ASGI the chunks come from an
async iterator (Django's ASGI handler would otherwise collect a sync iterator into a list
first, the whole file in memory); under WSGI from a plain iterator.
"""

import asyncio
import os
import re

from django.core.files.storage import Storage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

CHUNK_SIZE = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_AGE_RE = re.compile(r"max-age=(\d+)")


def is_s3(storage: Storage) -> bool:
    """Return whether storage is django-storages' S3 backend (or an S3-compatible store)."""
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


class FileRange:
    """The bytes [start, start + length) of an open file; the response closes it when done."""

    def __init__(self, handle, start: int, length: int):
        self.handle = handle
        self.start = start
        self.length = length

    def close(self) -> None:
        self.handle.close()


class SyncFileRange(FileRange):
    def __iter__(self):
        self.handle.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


class AsyncFileRange(FileRange):
    async def __aiter__(self):
        # Each read runs in a worker thread: a slow disk never stalls the event loop.
        await asyncio.to_thread(self.handle.seek, self.start)
        remaining = self.length
        while remaining > 0:
            chunk = await asyncio.to_thread(self.handle.read, min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def _under_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def _presigned_redirect(
    storage: Storage, key: str, content_type: str, cache_control: str
) -> HttpResponse:
    # S3 answers with the type the object was stored with (often binary/octet-stream for a
    # presigned upload); ask it for the song's own, so players and <audio> accept it.
    parameters = {} if storage.custom_domain else {"ResponseContentType": content_type}
    response = HttpResponseRedirect(storage.url(key, parameters=parameters))
    response["Cache-Control"] = f"private, max-age={redirect_max_age(storage, cache_control)}"
    return response


def redirect_max_age(storage: Storage, cache_control: str) -> int:
    """Return how long a browser may reuse a redirect to a presigned URL.

    As long as the file itself may be cached, but never until the signature runs out: a
    reused redirect must still lead to a URL that works (a minute or a tenth to spare).
    """
    wanted = MAX_AGE_RE.search(cache_control)
    max_age = int(wanted.group(1)) if wanted else 0
    if storage.querystring_auth:
        expire = storage.querystring_expire
        max_age = min(max_age, expire - max(60, expire // 10))
    return max(max_age, 0)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the (start, end) a single-range header asks for, or None when unsatisfiable."""
    match = RANGE_RE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0:
            return None
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def file_response(
    request,
    key: str,
    content_type: str,
    *,
    cache_control: str = "private, max-age=0",
    storage: Storage | None = None,
) -> HttpResponse:
    """Answer a GET for a stored file, honouring a single byte range; never read it whole."""
    storage = storage or default_storage
    if is_s3(storage):
        return _presigned_redirect(storage, key, content_type, cache_control)
    path = storage.path(key)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        # The caller's own 404: the API's JSON error shape, the site's page.
        raise Http404("The file is not in the store.") from None
    size = os.fstat(handle.fileno()).st_size
    range_header = request.headers.get("Range", "")
    if not range_header:
        if _under_asgi(request):
            response = StreamingHttpResponse(
                AsyncFileRange(handle, 0, size), content_type=content_type
            )
            response["Content-Length"] = str(size)
        else:
            response = FileResponse(handle, content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = cache_control
        return response
    wanted = parse_range(range_header, size)
    if wanted is None:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted
    chunks = AsyncFileRange if _under_asgi(request) else SyncFileRange
    response = StreamingHttpResponse(
        chunks(handle, start, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    return response
